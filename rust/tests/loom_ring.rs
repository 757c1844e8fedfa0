// SPDX-License-Identifier: GPL-2.0

//! loom model tests of the ring buffer's protocol (sinks/ring/ring_buffer.rs, the code the tracer runs,
//! built with loom's atomics under `--cfg loom`): reserve and commit by one CPU's writers, an
//! interrupt nesting on them, a consumer and a non-consuming reader on another CPU, overwrite
//! and discard modes, and the loss accounting, in every interleaving (up to a preemption bound)
//! on the C11 memory model.
//!
//! What is modelled: every position, count and flag the writers and readers share is a loom
//! atomic, so loom explores each order of their loads, stores and read-modify-writes that the
//! orderings allow. The writer-local updates that the kernel makes with single instructions
//! without `lock` (atomic against interrupts of the same CPU only) are atomic read-modify-writes
//! here. An interrupt is not a thread: it runs to completion inside the writer it interrupts, at
//! a point the test chooses (inside the reservation loop, between the clock read and the
//! `compare_exchange`, or between a reservation and its commit). The record bytes themselves are
//! plain memory outside the model; `Owned::step` carries into it the ordering a reader's copy of
//! them implies, so that loom explores copies made while a payload is half written and checks
//! that readers refuse those of a sub-buffer the writer took back (a torn or foreign payload).
//! Checked to fail: with `still_valid` always true, or without the writer's release fence after
//! it pushes `read`, `validated_peek_against_overwrite` finds a torn record.
//!
//! Each record is one per sub-buffer (256-byte sub-buffers, two of them: a context record and a
//! 200-byte payload fill one), so that three records wrap the ring. The payload repeats its
//! sequence number, so a torn copy shows.
//!
//! Run by scripts/host-test: `RUSTFLAGS='--cfg loom' cargo test -p rtrace --test loom_ring`.

#![cfg(loom)]

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;
use rtrace::ring_buffer::{CpuRing, SubBuf, WriterContext};
use rtrace::ring_record::{Context, CONTEXT_ID, HEADER_LEN, TIME_ID};

const SUB_SIZE: usize = 256;
const NSUB: usize = 2;
/// The largest payload of a 256-byte sub-buffer: one record per sub-buffer.
const PAYLOAD: usize = 200;
const ID: u16 = 1;

/// A ring and the memory it uses.
struct Owned {
    ring: CpuRing,
    /// The record bytes are plain memory, outside loom's model, so a reader's copy is one step
    /// for loom, and loom cannot know which writes it saw. The real code relies on what such a
    /// copy implies: a reader that copied bytes a writer wrote after its fence (release, in
    /// `reserve`, after pushing `read`) and then fences (acquire, in `still_valid`) sees that
    /// push. This counter carries it into the model: the writer steps it before the payload and
    /// in its middle, a reader right after each copy (read-modify-writes, which read the latest
    /// value), so a copy that saw a writer's bytes is ordered after the writer's step.
    step: AtomicUsize,
    _data: Box<[u64]>,
    _subs: Box<[SubBuf]>,
}

impl Owned {
    fn new(overwrite: bool) -> Arc<Self> {
        let mut data = vec![0u64; SUB_SIZE * NSUB / 8].into_boxed_slice();
        let subs: Box<[SubBuf]> = (0..NSUB).map(|_| SubBuf::new()).collect();
        // SAFETY: `data` is 8-byte aligned, `SUB_SIZE * NSUB` bytes, and `subs` `NSUB` slots,
        // both heap memory kept (and not otherwise used) beside the ring for as long as it lives;
        // the sizes are powers of two within the ring's bounds.
        let ring = unsafe { CpuRing::new(data.as_mut_ptr().cast(), subs.as_ptr(), SUB_SIZE, NSUB) };
        assert_eq!(ring.max_payload(), PAYLOAD);
        ring.set_overwrite(overwrite);
        Arc::new(Self {
            ring,
            step: AtomicUsize::new(0),
            _data: data,
            _subs: subs,
        })
    }
}

/// An interrupt: a closure run once, inside the writer it interrupts.
type Irq = RefCell<Option<Box<dyn FnOnce()>>>;

/// One CPU's writer context: the CPU's clock (shared with the interrupts that nest on it), a
/// task, and an interrupt to run at the first clock read, if any.
struct Writer {
    clock: Rc<Cell<u64>>,
    pid: i32,
    irq_at_clock: Irq,
}

impl Writer {
    fn new(clock: &Rc<Cell<u64>>, pid: i32) -> Self {
        Self {
            clock: clock.clone(),
            pid,
            irq_at_clock: RefCell::new(None),
        }
    }
}

impl WriterContext for Writer {
    fn now(&self) -> u64 {
        let irq = self.irq_at_clock.borrow_mut().take();
        let t = self.clock.get() + 1;
        self.clock.set(t);
        if let Some(irq) = irq {
            irq();
        }
        t
    }

    fn task(&self) -> [u64; 2] {
        [1, self.pid as u64]
    }

    fn context(&self) -> Context {
        Context {
            pid: self.pid,
            tgid: self.pid,
            comm: [b'w'; 16],
        }
    }
}

/// Writes record `seq` (its payload is `seq` repeated); `between` runs between the reservation
/// and the commit (an interrupt there). Whether the ring took it.
fn write(o: &Owned, w: &Writer, seq: u64, between: impl FnOnce()) -> bool {
    let (ring, step) = (&o.ring, &o.step);
    // SAFETY: this thread is the only writer of the ring, and the interrupts nested in it
    // commit before it does.
    let Some(at) = (unsafe { ring.reserve(ID, PAYLOAD, w) }) else {
        return false;
    };
    for i in 0..PAYLOAD / 8 {
        // A step before the payload and one in its middle (see `Owned::step`): loom explores a
        // copy made before, in the middle of or after the payload's writing.
        if i == 0 || i == PAYLOAD / 16 {
            step.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: `PAYLOAD` bytes reserved at `at`, ours until the commit (4-byte aligned only).
        unsafe { at.add(8 * i).cast::<u64>().write_unaligned(seq) };
    }
    between();
    // SAFETY: the reservation above, the last one not committed on this "CPU".
    unsafe { ring.commit() };
    true
}

/// What a reader got: a record's sequence number and the low bits of its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Got {
    seq: u64,
    ts: u32,
}

/// The record's sequence number if its payload is intact (every word the same).
fn intact(copy: &[u8]) -> u64 {
    let words: Vec<u64> = copy[HEADER_LEN..HEADER_LEN + PAYLOAD]
        .chunks_exact(8)
        .map(|c| u64::from_ne_bytes(c.try_into().unwrap()))
        .collect();
    assert!(
        words.iter().all(|&w| w == words[0]),
        "torn record accepted: {words:?}"
    );
    words[0]
}

/// Consumes up to the next marker record, as the tracer's consumers do: peek, then consume,
/// starting again from the read position when the writer took the sub-buffer back.
fn consume(o: &Owned) -> Option<Got> {
    let ring = &o.ring;
    let mut buf = [0u8; SUB_SIZE];
    loop {
        let from = ring.read_pos();
        let found = ring.peek(from, u64::MAX, &mut buf)?;
        o.step.fetch_add(1, Ordering::Relaxed);
        if !ring.consume(from, found) {
            continue;
        }
        match found.header.id {
            CONTEXT_ID | TIME_ID => continue,
            id => {
                assert_eq!((id, found.header.len as usize), (ID, PAYLOAD));
                return Some(Got {
                    seq: intact(&buf[..found.len]),
                    ts: found.header.ts_lo,
                });
            }
        }
    }
}

/// Reads the record at the read position without consuming it, as `trace` does: a copy that
/// `still_valid` accepts is intact. Returns it, if there was one and it was still valid.
fn peek_validated(o: &Owned) -> Option<u64> {
    let ring = &o.ring;
    let mut buf = [0u8; SUB_SIZE];
    let mut pos = ring.read_pos();
    loop {
        let found = ring.peek(pos, u64::MAX, &mut buf)?;
        o.step.fetch_add(1, Ordering::Relaxed);
        if found.len == 0 || !ring.still_valid(found.pos) {
            return None;
        }
        if found.header.id == ID {
            return Some(intact(&buf[..found.len]));
        }
        pos = found.pos + found.len as u64;
    }
}

/// After the threads: drains what is left, then checks order, times and the accounting
/// (`dropped` in overwrite mode: the drops expected there).
fn check(o: &Owned, mut got: Vec<Got>, written: u64, overwrite: bool, dropped: u64) {
    let ring = &o.ring;
    while let Some(g) = consume(o) {
        got.push(g);
    }
    for pair in got.windows(2) {
        assert!(
            pair[0].ts < pair[1].ts,
            "times out of buffer order: {got:?}"
        );
    }
    let c = ring.counters();
    assert_eq!(c.entries, written, "{c:?}");
    assert_eq!(c.read, got.len() as u64, "{c:?} {got:?}");
    assert_eq!(c.entries, c.read + c.dropped + c.overrun, "{c:?}");
    assert_eq!(c.in_buffer(), 0);
    if overwrite {
        assert_eq!(c.dropped, dropped, "{c:?}");
    } else {
        assert_eq!(c.overrun, 0, "{c:?}");
    }
}

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut model = loom::model::Builder::new();
    // Every interleaving with up to 5 preemptions (LOOM_MAX_PREEMPTIONS overrides it): 4,000
    // to 20,000 executions per test, about 6 s in all.
    if model.preemption_bound.is_none() {
        model.preemption_bound = Some(5);
    }
    model.check(f);
}

/// A writer fills and wraps the ring (three records, two sub-buffers) while a consumer on
/// another CPU reads: every record read is intact, in order, and entries == read + lost.
fn writer_and_consumer(overwrite: bool) {
    model(move || {
        let o = Owned::new(overwrite);
        let reader = {
            let o = o.clone();
            thread::spawn(move || (0..2).filter_map(|_| consume(&o)).collect::<Vec<_>>())
        };
        let clock = Rc::new(Cell::new(0));
        let w = Writer::new(&clock, 7);
        let mut seqs = Vec::new();
        for seq in 0..3 {
            if write(&o, &w, seq, || {}) {
                seqs.push(seq);
            }
        }
        let got = reader.join().unwrap();
        let mut last = None;
        for g in &got {
            assert!(seqs.contains(&g.seq) && last < Some(g.seq), "{got:?}");
            last = Some(g.seq);
        }
        check(&o, got, 3, overwrite, 0);
    });
}

#[test]
fn writer_and_consumer_discard() {
    writer_and_consumer(false);
}

#[test]
fn writer_and_consumer_overwrite() {
    writer_and_consumer(true);
}

/// An interrupt writes a record between the writer's clock read and its reservation (the
/// writer's `compare_exchange` fails, it reads the clock again), and another tries between the
/// writer's reservation and its commit, while a consumer reads: records come out in buffer
/// order with increasing times.
///
/// The second interrupt's record would have to take back the sub-buffer just before the
/// interrupted writer's reservation (there are two); the ring keeps a sub-buffer that
/// `committed` has not passed, since it cannot tell whether it holds an interrupted writer's
/// record, so the record is dropped, and counted (ftrace drops in the same case: the commit
/// page is the next one).
#[test]
fn nested_writers_with_a_consumer() {
    model(|| {
        let o = Owned::new(true);
        let reader = {
            let o = o.clone();
            thread::spawn(move || (0..2).filter_map(|_| consume(&o)).collect::<Vec<_>>())
        };
        let clock = Rc::new(Cell::new(0));
        let w = Writer::new(&clock, 7);
        let irq = Writer::new(&clock, 0);
        let (ring, irq) = (o.clone(), Rc::new(irq));
        *w.irq_at_clock.borrow_mut() = Some(Box::new({
            let irq = irq.clone();
            move || assert!(write(&ring, &irq, 100, || {}))
        }));
        assert!(write(&o, &w, 0, || {}));
        let ring = o.clone();
        assert!(write(&o, &w, 1, || {
            assert!(!write(&ring, &irq, 101, || {}))
        }));
        let got = reader.join().unwrap();
        // Buffer order: the first interrupt's, then the writer's.
        let order = [100, 0, 1];
        let at = |s: u64| order.iter().position(|&x| x == s).unwrap();
        for pair in got.windows(2) {
            assert!(at(pair[0].seq) < at(pair[1].seq), "{got:?}");
        }
        check(&o, got, 4, true, 1);
    });
}

/// A non-consuming reader (`trace`) races with a writer that overwrites the sub-buffer it
/// reads: a copy that `still_valid` accepts is intact and one of the records written.
#[test]
fn validated_peek_against_overwrite() {
    model(|| {
        let o = Owned::new(true);
        let clock = Rc::new(Cell::new(0));
        let w = Writer::new(&clock, 7);
        assert!(write(&o, &w, 0, || {}));
        let reader = {
            let o = o.clone();
            thread::spawn(move || {
                (0..2)
                    .filter_map(|_| peek_validated(&o))
                    .collect::<Vec<_>>()
            })
        };
        for seq in 1..3 {
            assert!(write(&o, &w, seq, || {}));
        }
        for seq in reader.join().unwrap() {
            assert!(seq < 3);
        }
        check(&o, Vec::new(), 3, true, 0);
    });
}
