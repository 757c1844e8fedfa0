// SPDX-License-Identifier: GPL-2.0

//! `make bench` on the host: the ring tracer's write path on the real CPU.
//!
//! Inside QEMU only ratios mean something (TCG emulates the CPU); the real CPU is reachable from
//! the host alone. This binary runs, per event, the kernel's own code of an enabled marker with
//! the ring tracer as its only sink, compiled for the host: the record length and encoder that
//! `marker!` generates (`__marker_len!`, `__marker_encode!`, rust/marker/encoder.rs), the emit path
//! (`encoder::write_record`, which rust/marker/marker.rs's `write_record` runs), the sink's reservation
//! (`ring_buffer::reserve_on`, which sinks/ring/tracer.rs's `reserve` runs) and the ring writer
//! (`CpuRing::reserve` and `commit`, sinks/ring/ring_buffer.rs). What differs is behind the
//! `Platform` and `WriterContext` traits: the CPU (0), the preemption guard (none: one thread),
//! the clock (the TSC, which the kernel's `local_clock` reads on x86_64) and the task (one, of
//! a fixed pid). Left out: the static key and the RCU guard of the site, the filter check (the
//! markers have none) and the indirect calls through the marker's `RawSink` (direct here).
//!
//! Cases: the marker `bench:ring_event` of bench/bench.rs (3 `u32` and a `char[16]`, the payload
//! of the ftrace event of bench/c_anchor.c) and `sched:sched_switch` of probes/events/sched.rs,
//! each into a ring in overwrite mode that wraps many times (4096 KiB, as in bench/run.sh) and
//! into one large enough that nothing is overwritten. Each case runs `BATCHES` timed batches of
//! `BATCH` events after a warm-up; the figures are the minimum and the median over the batches
//! of nanoseconds per event (the minimum is the least disturbed by other work on the machine).
//!
//! The last line is for scripts/run-bench:
//! `host: host_ns_per_event=X record_bytes=N header_bytes=N`: the median of `bench:ring_event`
//! in overwrite mode, the length of that event's record as the ring's reader finds it, and the
//! record header's length.

use std::hint::black_box;
use std::marker::PhantomData;
use std::process::ExitCode;
use std::ptr::NonNull;

use std::time::Instant;

use rtrace::marker::encoder::{self, SiteSink, SiteSinks};
use rtrace::marker::record::{self, Field, FieldType, Value};
use rtrace::ring_buffer::{
    reserve_on, Counters, CpuRing, HasRing, Platform, SubBuf, WriterContext,
};
use rtrace::ring_record::{Context, Records, HEADER_LEN};

/// Events per timed batch.
const BATCH: u32 = 1000;
/// Timed batches per case, after `WARMUP` untimed ones.
const BATCHES: u32 = 1000;
const WARMUP: u32 = 100;
/// The ring tracer's sub-buffer (sinks/ring/tracer.rs, `SUB_SIZE`).
const SUB_SIZE: usize = 4096;
/// The overwrite case's buffer, as bench/run.sh gives both tracers in the VM.
const WRAPPING_BYTES: usize = 4096 * 1024;
/// The non-wrapping case's buffer: room for every event of a case, the largest record included.
const NON_WRAPPING_BYTES: usize = 128 * 1024 * 1024;

/// The pid of the task that writes every record (the kernel's `current->pid`).
const PID: i32 = 4242;

/// Where the writer runs, as sinks/ring/tracer.rs's `Kernel` tells the ring: the clock (the TSC,
/// which the kernel's `local_clock` reads on x86_64) and the one task that writes.
struct Host;

impl WriterContext for Host {
    #[inline(always)]
    fn now(&self) -> u64 {
        clock()
    }

    #[inline(always)]
    fn task(&self) -> [u64; 2] {
        [1, PID as u64]
    }

    fn context(&self) -> Context {
        let mut comm = [0u8; 16];
        comm[..12].copy_from_slice(b"rtrace-bench");
        Context {
            pid: PID,
            tgid: PID,
            comm,
        }
    }
}

impl Platform for Host {
    /// The benchmark's thread is the CPU's only writer: nothing to disable.
    type NoPreempt = ();

    #[inline(always)]
    fn no_preempt(&self) {}

    #[inline(always)]
    fn cpu(&self) -> usize {
        0
    }
}

/// bench/bench.rs: `bench:ring_event { a: u32, b: u32, c: u32, comm: char[16] }`.
const BENCH_EVENT: [Field<'static>; 4] = [
    Field {
        name: "a",
        ty: FieldType::U32,
    },
    Field {
        name: "b",
        ty: FieldType::U32,
    },
    Field {
        name: "c",
        ty: FieldType::U32,
    },
    Field {
        name: "comm",
        ty: FieldType::Chars(16),
    },
];

/// probes/events/sched.rs: `sched:sched_switch`.
const SCHED_SWITCH: [Field<'static>; 7] = [
    Field {
        name: "prev_comm",
        ty: FieldType::Chars(16),
    },
    Field {
        name: "prev_pid",
        ty: FieldType::I32,
    },
    Field {
        name: "prev_prio",
        ty: FieldType::I32,
    },
    Field {
        name: "prev_state",
        ty: FieldType::U32,
    },
    Field {
        name: "next_comm",
        ty: FieldType::Chars(16),
    },
    Field {
        name: "next_pid",
        ty: FieldType::I32,
    },
    Field {
        name: "next_prio",
        ty: FieldType::I32,
    },
];

/// The comm of every `bench:ring_event`, as bench/bench.rs's.
const EVENT_COMM: &[u8; 16] = b"rtrace_bench\0\0\0\0";

/// The clock of the record headers: the TSC, which the kernel's `local_clock` reads on x86_64.
#[inline(always)]
fn clock() -> u64 {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `rdtsc` has no precondition; every x86_64 CPU has it.
    unsafe {
        core::arch::x86_64::_rdtsc()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        use std::sync::OnceLock;
        static START: OnceLock<Instant> = OnceLock::new();
        START.get_or_init(Instant::now).elapsed().as_nanos() as u64
    }
}

/// Memory for one CPU's ring, touched before any timing (no page fault in a timed batch).
struct Buffer {
    data: Vec<u64>,
    subs: Vec<SubBuf>,
}

impl Buffer {
    fn new(bytes: usize) -> Self {
        // Written with ones, then zeroes: every page is faulted in here, not while timing.
        let mut data = vec![1u64; bytes / 8];
        data.fill(0);
        let subs = (0..bytes / SUB_SIZE).map(|_| SubBuf::new()).collect();
        Self { data, subs }
    }

    /// A new, empty ring over this buffer, in overwrite mode or not.
    fn ring(&mut self, overwrite: bool) -> Ring<'_> {
        let nsub = self.subs.len();
        // New slots, as the kernel's buffers get (their counts are the ring's state).
        self.subs.iter_mut().for_each(|s| *s = SubBuf::new());
        // SAFETY: `data` is `SUB_SIZE * nsub` bytes of 8-byte words and `subs` `nsub` slots
        // (`new`); both are borrowed mutably for as long as the ring lives, so nothing else uses
        // them meanwhile, and they do not move. `SUB_SIZE` is a power of two between
        // `SUB_SIZE_MIN` and 65536, and `nsub >= 2` for the sizes used here.
        let ring = unsafe {
            CpuRing::new(
                self.data.as_mut_ptr().cast(),
                self.subs.as_ptr(),
                SUB_SIZE,
                nsub,
            )
        };
        ring.set_overwrite(overwrite);
        Ring {
            ring,
            _buffer: PhantomData,
        }
    }
}

/// A ring, which borrows its buffer.
struct Ring<'a> {
    ring: CpuRing,
    _buffer: PhantomData<&'a mut Buffer>,
}

/// A marker: its id in the ring's headers and its fields.
struct Marker {
    name: &'static str,
    id: u16,
    fields: &'static [Field<'static>],
}

const BENCH_MARKER: Marker = Marker {
    name: "bench:ring_event",
    id: 1,
    fields: &BENCH_EVENT,
};

const SWITCH_MARKER: Marker = Marker {
    name: "sched:sched_switch",
    id: 2,
    fields: &SCHED_SWITCH,
};

/// The ring tracer as a marker's only sink: sinks/ring/tracer.rs's `reserve` and `commit`, with
/// the shared [`reserve_on`] over this "CPU"'s ring (the host's one CPU, number 0).
struct RingSink<'a, 'b> {
    rings: &'a [Ring<'b>],
}

impl HasRing for Ring<'_> {
    #[inline(always)]
    fn ring(&self) -> &CpuRing {
        &self.ring
    }
}

// SAFETY: the ring's reservation (`CpuRing::reserve`: `len` bytes, ours until the commit); the
// handle is the `Ring` it was taken in, borrowed for as long as the sink.
unsafe impl SiteSink for RingSink<'_, '_> {
    #[inline(always)]
    unsafe fn reserve(&self, id: u32, len: usize) -> Option<(NonNull<u8>, usize)> {
        // SAFETY: one writer, which commits before it writes again (the caller's promise).
        let (at, ring) = unsafe { reserve_on(self.rings, &Host, id, len) }?;
        Some((at, ring as *const Ring<'_> as usize))
    }

    #[inline(always)]
    unsafe fn commit(&self, handle: usize) {
        // SAFETY: `handle` is a `Ring` of `rings` (reserve), alive as long as `self`.
        let ring = unsafe { &*(handle as *const Ring<'_>) };
        // SAFETY: its last reservation, not committed yet (the caller's promise).
        unsafe { ring.ring.commit() };
    }
}

/// A marker with the ring tracer as its only sink, as the kernel's site finds it.
struct Site<'a, 'b> {
    id: u32,
    sink: RingSink<'a, 'b>,
}

impl<'a, 'b> SiteSinks for Site<'a, 'b> {
    type Sink = RingSink<'a, 'b>;

    #[inline(always)]
    fn first(&self) -> Option<(&Self::Sink, bool)> {
        Some((&self.sink, false))
    }

    #[inline(always)]
    fn for_each<'s>(&'s self, mut f: impl FnMut(&'s Self::Sink)) {
        f(&self.sink)
    }

    #[inline(always)]
    fn id(&self) -> u32 {
        self.id
    }
}

/// What `marker!`'s `__do_emit_*` runs for a marker without a filter, with the host's
/// preemption guard: the record's length and encoder generated from the declaration
/// (`__marker_len!`, `__marker_encode!`) and the shared `write_record`.
macro_rules! emit_fn {
    ($name:ident; $($field:ident : $kind:ident $([$n:literal])?),*) => {
        #[allow(clippy::too_many_arguments)]
        #[inline(never)]
        fn $name(site: &Site<'_, '_>, $($field: emit_arg!($kind $([$n])?)),*) {
            let _no_preempt = Host.no_preempt();
            let Some(len) = rtrace::__marker_len!($($field: $kind $([$n])?),*) else {
                return;
            };
            encoder::write_record(site, len, |out| {
                rtrace::__marker_encode!(out; $($field: $kind $([$n])?),*)
            });
        }
    };
}

/// The argument types of the benchmark's `emit_*`: those of `marker!` (a `char[N]` as an array,
/// as bench/bench.rs and the bridge pass a comm).
macro_rules! emit_arg {
    (char [$n:literal]) => {
        &[u8; $n]
    };
    ($int:ident) => {
        $int
    };
}

// bench/bench.rs's `bench:ring_event` and probes/events/sched.rs's `sched:sched_switch`.
emit_fn!(emit_bench_event; a: u32, b: u32, c: u32, comm: char[16]);
emit_fn!(emit_sched_switch; prev_comm: char[16], prev_pid: i32, prev_prio: i32,
    prev_state: u32, next_comm: char[16], next_pid: i32, next_prio: i32);

/// Writes one event of `marker` with sequence number `seq` (the arguments go through
/// `black_box`, as a caller's would be unknown to the compiler).
fn write_one(ring: &Ring<'_>, marker: &Marker, seq: u32) {
    let site = Site {
        id: u32::from(marker.id),
        sink: RingSink {
            rings: core::slice::from_ref(ring),
        },
    };
    if marker.id == BENCH_MARKER.id {
        emit_bench_event(
            &site,
            black_box(seq),
            black_box(42),
            black_box(7),
            black_box(EVENT_COMM),
        );
    } else {
        emit_sched_switch(
            &site,
            black_box(b"kworker/0:1\0\0\0\0\0"),
            black_box(seq as i32 & 0xffff),
            black_box(120),
            black_box(1),
            black_box(b"swapper/0\0\0\0\0\0\0\0"),
            black_box(0),
            black_box(120),
        );
    }
}

/// What one case measured.
struct Figures {
    min: f64,
    median: f64,
    counters: Counters,
    /// Bytes of ring per event (the ring's committed position over the events, the sub-buffers'
    /// unused ends included), when it did not wrap.
    bytes_per_event: Option<f64>,
}

/// Times `marker`'s events into a new ring over `buffer`.
fn measure(buffer: &mut Buffer, marker: &Marker, overwrite: bool) -> Figures {
    let ring = &buffer.ring(overwrite);
    let mut seq = 0u32;
    for _ in 0..WARMUP * BATCH {
        write_one(ring, marker, seq);
        seq = seq.wrapping_add(1);
    }
    let mut per_event: Vec<f64> = Vec::with_capacity(BATCHES as usize);
    for _ in 0..BATCHES {
        let start = Instant::now();
        for _ in 0..BATCH {
            write_one(ring, marker, seq);
            seq = seq.wrapping_add(1);
        }
        per_event.push(start.elapsed().as_nanos() as f64 / f64::from(BATCH));
    }
    per_event.sort_by(f64::total_cmp);
    let counters = ring.ring.counters();
    let bytes_per_event = (counters.overrun == 0 && counters.dropped == 0)
        .then(|| ring.ring.committed() as f64 / counters.entries as f64);
    Figures {
        min: per_event[0],
        median: per_event[per_event.len() / 2],
        counters,
        bytes_per_event,
    }
}

/// Checks the first record of a non-wrapping ring of `marker`: its header, and its first field
/// decoded by rust/marker/record.rs (what the kernel's readers would show). Returns the record's length
/// in the ring (header, payload and padding).
fn check_first(buffer: &mut Buffer, marker: &Marker) -> Result<usize, String> {
    let ring = buffer.ring(false);
    write_one(&ring, marker, 7);
    // The sub-buffer starts with a context record, then the marker's record.
    let mut out = [0u8; 512];
    let mut at = 0;
    let mut len = 0;
    while let Some(found) = ring.ring.peek(at as u64, u64::MAX, &mut out[at..]) {
        if found.len == 0 || at + found.len > out.len() {
            break;
        }
        at += found.len;
        len = found.len;
    }
    let (header, payload) = Records::new(&out[..at])
        .next()
        .ok_or("no record in the ring")?;
    let first = record::decode(marker.fields, payload, 0).map_err(|e| format!("{e:?}"))?;
    let expected = if marker.id == BENCH_MARKER.id {
        Value::U(7)
    } else {
        Value::Chars(b"kworker/0:1")
    };
    if header.id != marker.id || header.pid != PID || first != expected || len == 0 {
        return Err(format!("record read back wrong: {header:?} {first:?}"));
    }
    Ok(len)
}

fn main() -> ExitCode {
    let mut wrapping = Buffer::new(WRAPPING_BYTES);
    let mut large = Buffer::new(NON_WRAPPING_BYTES);
    let events = u64::from((WARMUP + BATCHES) * BATCH);
    println!(
        "host (real CPU): the kernel's event path (marker! encoder, encoder::write_record, ring_buffer::reserve_on, CpuRing), ns per event"
    );
    println!(
        "({} batches of {} events after {} warm-up batches; min and median over the batches)",
        BATCHES, BATCH, WARMUP
    );
    println!(
        "{:<20} {:<28} {:>8} {:>8} {:>10} {:>8}",
        "marker", "ring", "min", "median", "overwritten", "dropped"
    );
    let mut ok = true;
    let mut bench_median = None;
    let mut bench_bytes = None;
    let mut bench_record = None;
    for marker in [&BENCH_MARKER, &SWITCH_MARKER] {
        // Both in overwrite mode, as in the VM: the first wraps, the second must not.
        for (buffer, label, wraps) in [
            (&mut wrapping, "4096 KiB, overwrite (wraps)", true),
            (&mut large, "128 MiB, non-wrapping", false),
        ] {
            let f = measure(buffer, marker, true);
            println!(
                "{:<20} {:<28} {:>8.2} {:>8.2} {:>10} {:>8}",
                marker.name, label, f.min, f.median, f.counters.overrun, f.counters.dropped
            );
            if f.counters.entries != events || f.counters.dropped != 0 {
                println!(
                    "  WRONG COUNTS: {:?}, {} events written",
                    f.counters, events
                );
                ok = false;
            }
            if wraps == (f.counters.overrun == 0) {
                println!(
                    "  the {} case overwrote {} events",
                    if wraps { "wrapping" } else { "non-wrapping" },
                    f.counters.overrun
                );
                ok = false;
            }
            if marker.id == BENCH_MARKER.id {
                if wraps {
                    bench_median = Some(f.median);
                } else {
                    bench_bytes = f.bytes_per_event;
                }
            }
        }
        match check_first(&mut large, marker) {
            Ok(len) if marker.id == BENCH_MARKER.id => bench_record = Some(len),
            Ok(_) => {}
            Err(e) => {
                println!("  {}: {}", marker.name, e);
                ok = false;
            }
        }
    }
    let (Some(median), Some(bytes), Some(record)) = (bench_median, bench_bytes, bench_record)
    else {
        println!("host: no figure for bench:ring_event");
        return ExitCode::FAILURE;
    };
    println!(
        "bench:ring_event: a record of {record} bytes (header {HEADER_LEN}); {bytes:.2} bytes of ring per event with the sub-buffers' unused ends"
    );
    println!("host: host_ns_per_event={median:.2} record_bytes={record} header_bytes={HEADER_LEN}");
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
