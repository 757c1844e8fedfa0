// SPDX-License-Identifier: GPL-2.0

//! `make bench` on the host: the ring tracer's write path on the real CPU.
//!
//! Inside QEMU only ratios mean something (TCG emulates the CPU); the real CPU is reachable from
//! the host alone. The host crate compiles the same rust/marker/record.rs and sinks/ring/ring_buffer.rs as the
//! kernel modules, so this binary times, per event, what an enabled marker with the ring tracer
//! connected runs of that shared code: `record::encoded_len`, `CpuRing::reserve`, the record
//! header (`ring_record::Header`), `record::encode_sized` and `CpuRing::commit`.
//!
//! The glue around them is a transcription of rust/marker/marker.rs's `emit` and of
//! sinks/ring/tracer.rs's `reserve` and `commit` (`emit` below), kept in this one file so that it
//! can follow the kernel's changes. Its kernel-only parts are left out or replaced: no RCU guard,
//! filter check or walk of the sink array with indirect calls, no cmdline cache, a fixed pid for
//! `current`, and the TSC (on x86_64) for `local_clock`, which reads it too.
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

use std::time::Instant;

use rtrace::marker::record::{self, Field, FieldType, Value};
use rtrace::ring_buffer::{Counters, CpuRing, SubBuf, WriterContext};
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

/// One record of `marker` with `values`, written into `ring` as rust/marker/marker.rs's `emit` and
/// sinks/ring/tracer.rs's `reserve` and `commit` write it for a marker whose only sink is the
/// ring tracer.
#[inline(never)]
fn emit(ring: &CpuRing, marker: &Marker, values: &[Value<'_>]) {
    // marker.rs: the record's length, measured once.
    let Ok(len) = record::encoded_len(marker.fields, values) else {
        return;
    };
    // tracer.rs, reserve(): payloads past the 16-bit length are not written.
    // SAFETY: this thread is the ring's only writer, and commits right below.
    let Some(at) = (unsafe { ring.reserve(marker.id, len, &Host) }) else {
        return;
    };
    // SAFETY: `reserve` gave `len` payload bytes at `at`, ours until `commit`; nothing else
    // refers to them meanwhile.
    let out = unsafe { std::slice::from_raw_parts_mut(at, len) };
    // marker.rs: cannot fail, `len` is the record's length, checked above.
    let _ = record::encode_sized(marker.fields, values, out, len);
    // SAFETY: the reservation above, the last one taken.
    unsafe { ring.commit() };
}

/// bench/bench.rs's `emit_bench_ring_event(seq, 42, 7, EVENT_COMM)`: the `Value`s built from the
/// arguments, as the `emit_*` functions of `marker!` build them.
#[inline(never)]
fn emit_bench_event(ring: &CpuRing, a: u32, b: u32, c: u32, comm: &[u8]) {
    let values = [
        Value::U(u64::from(a)),
        Value::U(u64::from(b)),
        Value::U(u64::from(c)),
        Value::Chars(comm),
    ];
    emit(ring, &BENCH_MARKER, &values);
}

/// probes/events/sched.rs's `emit_sched_sched_switch`, as `emit_bench_event`.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn emit_sched_switch(
    ring: &CpuRing,
    prev_comm: &[u8],
    prev_pid: i32,
    prev_prio: i32,
    prev_state: u32,
    next_comm: &[u8],
    next_pid: i32,
    next_prio: i32,
) {
    let values = [
        Value::Chars(prev_comm),
        Value::I(i64::from(prev_pid)),
        Value::I(i64::from(prev_prio)),
        Value::U(u64::from(prev_state)),
        Value::Chars(next_comm),
        Value::I(i64::from(next_pid)),
        Value::I(i64::from(next_prio)),
    ];
    emit(ring, &SWITCH_MARKER, &values);
}

/// Writes one event of `marker` with sequence number `seq` (the arguments go through
/// `black_box`, as a caller's would be unknown to the compiler).
fn write_one(ring: &CpuRing, marker: &Marker, seq: u32) {
    if marker.id == BENCH_MARKER.id {
        emit_bench_event(
            ring,
            black_box(seq),
            black_box(42),
            black_box(7),
            black_box(EVENT_COMM),
        );
    } else {
        emit_sched_switch(
            ring,
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
    let ring = buffer.ring(overwrite);
    let ring = &ring.ring;
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
    let counters = ring.counters();
    let bytes_per_event = (counters.overrun == 0 && counters.dropped == 0)
        .then(|| ring.committed() as f64 / counters.entries as f64);
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
    write_one(&ring.ring, marker, 7);
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
        "host (real CPU): the ring tracer's write path (rust/marker/record.rs, sinks/ring/ring_buffer.rs), ns per event"
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
