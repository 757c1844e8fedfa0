// SPDX-License-Identifier: GPL-2.0

//! Host micro-benchmark of record encoding on the real CPU: the encoders `marker!` generates
//! (rust/marker/encoder.rs) against what marker sites did before them, building a `Value` per field and
//! running the reference `record::encoded_len` then `record::encode_sized`. Prints ns per record,
//! minimum and median over runs, for the bench's ring event (3 x u32 + char[16]), sched_switch's
//! record and an event with a string.
//!
//! Run with `cargo bench -p rtrace --bench encode`.

use std::hint::black_box;
use std::time::Instant;

use rtrace::marker::record::{self, Field, FieldType, Value};

const RECORDS: u32 = 2_000_000;
const RUNS: usize = 11;

/// Minimum and median ns per record of `run` (which writes `RECORDS` records).
fn measure(mut run: impl FnMut()) -> (f64, f64) {
    let mut ns: Vec<f64> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed().as_nanos() as f64 / f64::from(RECORDS)
        })
        .collect();
    ns.sort_by(f64::total_cmp);
    (ns[0], ns[RUNS / 2])
}

fn report(name: &str, generated: (f64, f64), reference: (f64, f64)) {
    println!(
        "{name:<14} generated {:6.2} ns (median {:6.2})   reference {:6.2} ns (median {:6.2})   \
         reference/generated {:.1}x",
        generated.0,
        generated.1,
        reference.0,
        reference.1,
        reference.1 / generated.1
    );
}

const fn f(name: &'static str, ty: FieldType) -> Field<'static> {
    Field { name, ty }
}

fn ring_event(out: &mut [u8]) {
    const FIELDS: [Field<'static>; 4] = [
        f("a", FieldType::U32),
        f("b", FieldType::U32),
        f("c", FieldType::U32),
        f("comm", FieldType::Chars(16)),
    ];
    let comm: &[u8; 16] = b"rtrace_bench\0\0\0\0";
    let generated = measure(|| {
        for i in 0..RECORDS {
            let (a, b, c, comm) = black_box((i, 42u32, 7u32, comm));
            let len = rtrace::__marker_len!(a: u32, b: u32, c: u32, comm: char[16]).unwrap();
            let out = black_box(&mut out[..len]);
            rtrace::__marker_encode!(out; a: u32, b: u32, c: u32, comm: char[16]);
        }
    });
    let reference = measure(|| {
        for i in 0..RECORDS {
            let (a, b, c, comm) = black_box((i, 42u32, 7u32, comm));
            let values = [
                Value::U(a.into()),
                Value::U(b.into()),
                Value::U(c.into()),
                Value::Chars(comm),
            ];
            let len = record::encoded_len(&FIELDS, &values).unwrap();
            let out = black_box(&mut out[..len]);
            record::encode_sized(&FIELDS, &values, out, len).unwrap();
        }
    });
    report("ring_event", generated, reference);
}

fn sched_switch(out: &mut [u8]) {
    const FIELDS: [Field<'static>; 7] = [
        f("prev_comm", FieldType::Chars(16)),
        f("prev_pid", FieldType::I32),
        f("prev_prio", FieldType::I32),
        f("prev_state", FieldType::I64),
        f("next_comm", FieldType::Chars(16)),
        f("next_pid", FieldType::I32),
        f("next_prio", FieldType::I32),
    ];
    let prev: &[u8; 16] = b"kworker/0:1\0\0\0\0\0";
    let next: &[u8; 16] = b"swapper/0\0\0\0\0\0\0\0";
    let generated = measure(|| {
        for i in 0..RECORDS {
            let (prev_comm, prev_pid, prev_prio, prev_state) =
                black_box((prev, i as i32, 120i32, 1i64));
            let (next_comm, next_pid, next_prio) = black_box((next, 0i32, 120i32));
            let len = rtrace::__marker_len!(prev_comm: char[16], prev_pid: i32, prev_prio: i32,
                prev_state: i64, next_comm: char[16], next_pid: i32, next_prio: i32)
            .unwrap();
            let out = black_box(&mut out[..len]);
            rtrace::__marker_encode!(out; prev_comm: char[16], prev_pid: i32, prev_prio: i32,
                prev_state: i64, next_comm: char[16], next_pid: i32, next_prio: i32);
        }
    });
    let reference = measure(|| {
        for i in 0..RECORDS {
            let (prev_comm, prev_pid, prev_prio, prev_state) =
                black_box((prev, i as i32, 120i32, 1i64));
            let (next_comm, next_pid, next_prio) = black_box((next, 0i32, 120i32));
            let values = [
                Value::Chars(prev_comm),
                Value::I(prev_pid.into()),
                Value::I(prev_prio.into()),
                Value::I(prev_state),
                Value::Chars(next_comm),
                Value::I(next_pid.into()),
                Value::I(next_prio.into()),
            ];
            let len = record::encoded_len(&FIELDS, &values).unwrap();
            let out = black_box(&mut out[..len]);
            record::encode_sized(&FIELDS, &values, out, len).unwrap();
        }
    });
    report("sched_switch", generated, reference);
}

fn with_string(out: &mut [u8]) {
    const FIELDS: [Field<'static>; 3] = [
        f("pid", FieldType::I32),
        f("path", FieldType::Str(64)),
        f("flags", FieldType::U32),
    ];
    let path: &[u8] = b"/usr/lib/x86_64-linux-gnu/libc.so.6";
    let generated = measure(|| {
        for i in 0..RECORDS {
            let (pid, path, flags) = black_box((i as i32, path, 0o100u32));
            let len = rtrace::__marker_len!(pid: i32, path: str[64], flags: u32).unwrap();
            let out = black_box(&mut out[..len]);
            rtrace::__marker_encode!(out; pid: i32, path: str[64], flags: u32);
        }
    });
    let reference = measure(|| {
        for i in 0..RECORDS {
            let (pid, path, flags) = black_box((i as i32, path, 0o100u32));
            let values = [
                Value::I(pid.into()),
                Value::Str(path),
                Value::U(flags.into()),
            ];
            let len = record::encoded_len(&FIELDS, &values).unwrap();
            let out = black_box(&mut out[..len]);
            record::encode_sized(&FIELDS, &values, out, len).unwrap();
        }
    });
    report("str_event", generated, reference);
}

fn main() {
    let mut out = vec![0u8; 256];
    ring_event(&mut out);
    sched_switch(&mut out);
    with_string(&mut out);
}
