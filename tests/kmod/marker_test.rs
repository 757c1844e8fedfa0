// SPDX-License-Identifier: GPL-2.0

//! rtrace_marker_test: marker declarations for the in-VM tests (tests/vm/marker.t).
//!
//! Registers `test:sched_switch`, `test:all_types` (every field type) and `other:empty` (no
//! field) on load. `/sys/kernel/debug/rtrace_marker_test/control` takes `bad CASE`, which
//! registers a bad declaration and returns the core's answer as the write's error:
//! `name`, `fields` (33), `type` (unknown kind), `duplicate` (two fields of one name), `size`
//! (a `char[0]`), `large` (records over 64 KiB), `exists` (a second `test:sched_switch`),
//! `abi` (a caller of another marker ABI version). `emit max`, `emit min` and `emit switch` emit
//! `test:all_types` with every field at its maximum (arrays and strings over-long, to be
//! truncated) or minimum (empty), and `test:sched_switch` with fixed values; `emit forms` emits
//! that same record three times, its `char[16]` fields given as 16-byte arrays, as slices and as
//! shorter arrays. `emit switch N` emits `test:sched_switch` N times with
//! `prev_pid = next_pid = prev_state = i` and `prev_prio = next_prio = i % 140` for i in 0..N;
//! `emit prio P` once with `prev_prio` P.
//! `storm N` has four threads emit `test:sched_switch` N times each, concurrently
//! (`prev_comm = next_comm = "storm"`, `prev_pid = next_pid = prev_state` = the thread's
//! count, `prev_prio = next_prio` = the thread's number), and returns when they are done: every
//! field of a record read back agrees with the others, or the record was torn.
//! `connect SINK SUBSYSTEM EVENT` and `disconnect SINK SUBSYSTEM EVENT` connect any sink (the
//! core's answer is the write's error).

use core::ffi::c_char;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use kernel::bindings;
use kernel::prelude::*;

#[path = "../../rust/rtrace.rs"]
mod rtrace;

use rtrace::abi::{RawField, RawMarker, MARKER_ABI};
use rtrace::kernel::debugfs::{c_name, Dir};
use rtrace::kernel::kthread::{Current, Thread, ThreadMain};
use rtrace::marker::record::FieldType;
use rtrace::marker::Markers;
use rtrace::sink;

module! {
    type: MarkerTest,
    name: "rtrace_marker_test",
    author: "rtrace developers",
    description: "rtrace marker core test declarations",
    license: "GPL",
}

crate::marker! {
    /// A sched_switch-like event.
    pub test:sched_switch {
        prev_comm: char[16],
        prev_pid: i32,
        prev_prio: i32,
        prev_state: i64,
        next_comm: char[16],
        next_pid: i32,
        next_prio: i32,
    }

    /// One field of every type.
    pub test:all_types {
        a_u8: u8,
        a_u16: u16,
        a_u32: u32,
        a_u64: u64,
        a_i8: i8,
        a_i16: i16,
        a_i32: i32,
        a_i64: i64,
        a_bool: bool,
        a_chars: char[16],
        a_str: str[32],
        a_bytes: bytes[8],
    }

    /// No field at all.
    pub other:empty {}

    /// Refused: an empty array.
    pub test:zero_size { c: char[0] }

    /// Refused: worst-case records over 64 KiB.
    pub test:too_large {
        b0: bytes[4096], b1: bytes[4096], b2: bytes[4096], b3: bytes[4096],
        b4: bytes[4096], b5: bytes[4096], b6: bytes[4096], b7: bytes[4096],
        b8: bytes[4096], b9: bytes[4096], b10: bytes[4096], b11: bytes[4096],
        b12: bytes[4096], b13: bytes[4096], b14: bytes[4096], b15: bytes[4096],
    }
}

/// Refused: a name with a `-`.
// SAFETY: a static without any site: no record of it is ever written.
static BAD_NAME: RawMarker = unsafe { RawMarker::new(c"test", c"bad-name", &[]) };

/// Refused: 33 fields.
static MANY_FIELDS: [RawField; 33] = [const { RawField::new(c"f", FieldType::U8) }; 33];
// SAFETY: a static without any site: no record of it is ever written.
static TOO_MANY: RawMarker = unsafe { RawMarker::new(c"test", c"too_many", &MANY_FIELDS) };

/// Refused: a type kind no core knows.
static UNKNOWN_FIELD: [RawField; 1] = [RawField::from_raw_parts(c"x", 99, 0)];
// SAFETY: a static without any site: no record of it is ever written.
static UNKNOWN_TYPE: RawMarker =
    unsafe { RawMarker::new(c"test", c"unknown_type", &UNKNOWN_FIELD) };

/// Refused: two fields with one name (`marker!` already refuses it at compile time).
static DUPLICATE_FIELDS: [RawField; 2] = [
    RawField::new(c"a", FieldType::U8),
    RawField::new(c"a", FieldType::U16),
];
// SAFETY: a static without any site: no record of it is ever written.
static DUPLICATE_FIELD: RawMarker =
    unsafe { RawMarker::new(c"test", c"duplicate", &DUPLICATE_FIELDS) };

/// Refused: a second marker named `test:sched_switch`.
// SAFETY: a static without any site: no record of it is ever written.
static SECOND: RawMarker = unsafe { RawMarker::new(c"test", c"sched_switch", &[]) };

fn bad(case: &str) -> Result {
    static NAME: &[&RawMarker] = &[&BAD_NAME];
    static FIELDS: &[&RawMarker] = &[&TOO_MANY];
    static TYPE: &[&RawMarker] = &[&UNKNOWN_TYPE];
    static DUPLICATE: &[&RawMarker] = &[&DUPLICATE_FIELD];
    static SIZE: &[&RawMarker] = &[&__marker_test_zero_size];
    static LARGE: &[&RawMarker] = &[&__marker_test_too_large];
    static EXISTS: &[&RawMarker] = &[&SECOND];
    let markers = match case {
        "name" => NAME,
        "fields" => FIELDS,
        "type" => TYPE,
        "duplicate" => DUPLICATE,
        "size" => SIZE,
        "large" => LARGE,
        "exists" => EXISTS,
        "abi" => {
            // SAFETY: a valid static marker of this module; the core refuses the call on its
            // version before reading it.
            let ret = unsafe {
                rtrace::abi::rtrace_marker_register(
                    MARKER_ABI + 1,
                    &SECOND,
                    crate::THIS_MODULE.as_ptr(),
                )
            };
            return kernel::error::to_result(ret).and(Err(EIO));
        }
        _ => return Err(EINVAL),
    };
    // Accepted would be wrong: say so with an unusual error, after removing it again.
    drop(Markers::new(markers, &crate::THIS_MODULE)?);
    Err(EIO)
}

/// A storm thread: emits `STORM_COUNT` records, then counts itself done.
struct Stormer {
    index: i32,
}

const STORM_THREADS: usize = 4;
static STORMERS: [Stormer; STORM_THREADS] = [
    Stormer { index: 0 },
    Stormer { index: 1 },
    Stormer { index: 2 },
    Stormer { index: 3 },
];
static STORM_COUNT: AtomicU32 = AtomicU32::new(0);
static STORM_DONE: AtomicU32 = AtomicU32::new(0);
static STORM_BUSY: AtomicBool = AtomicBool::new(false);

impl ThreadMain for Stormer {
    fn main(&self, _current: &Current) {
        for i in 0..STORM_COUNT.load(Ordering::Relaxed) as i32 {
            emit_test_sched_switch(b"storm", i, self.index, i as i64, b"storm", i, self.index);
        }
        STORM_DONE.fetch_add(1, Ordering::Release);
    }
}

fn storm(count: u32) -> Result {
    if STORM_BUSY.swap(true, Ordering::Acquire) {
        return Err(EBUSY);
    }
    STORM_COUNT.store(count, Ordering::Relaxed);
    STORM_DONE.store(0, Ordering::Relaxed);
    let mut threads = KVec::with_capacity(STORM_THREADS, GFP_KERNEL)?;
    let mut result = Ok(());
    for s in STORMERS.iter() {
        // SAFETY: the thread goes into `threads`, dropped before this function returns.
        match unsafe { Thread::run(s, c"rtrace_storm") } {
            Ok(t) => threads.push(t, GFP_KERNEL)?,
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    // Threads that started run to their end (stopping one that has not started yet would skip
    // its work): wait for them.
    while (STORM_DONE.load(Ordering::Acquire) as usize) < threads.len() {
        // SAFETY: sleeping is allowed in a control write.
        unsafe { bindings::msleep(1) };
    }
    drop(threads);
    STORM_BUSY.store(false, Ordering::Release);
    result
}

fn emit(case: &str) -> Result {
    if let Some(n) = case.strip_prefix("switch ") {
        let n: i32 = n.trim().parse().map_err(|_| EINVAL)?;
        for i in 0..n {
            emit_test_sched_switch(b"rtrace", i, i % 140, i as i64, b"next", i, i % 140);
        }
        return Ok(());
    }
    match case {
        "max" => emit_test_all_types(
            u8::MAX,
            u16::MAX,
            u32::MAX,
            u64::MAX,
            i8::MAX,
            i16::MAX,
            i32::MAX,
            i64::MAX,
            true,
            b"0123456789abcdefXYZ",
            &[b'x'; 40],
            &[0xab; 10],
        ),
        "min" => emit_test_all_types(
            0,
            0,
            0,
            0,
            i8::MIN,
            i16::MIN,
            i32::MIN,
            i64::MIN,
            false,
            b"",
            b"",
            b"",
        ),
        "switch" => emit_test_sched_switch(b"rtrace", 42, 120, 1, b"swapper/0", 0, 120),
        "forms" => {
            // The record of `emit switch`, from each form a `char[16]` argument may take: an
            // array of 16 bytes (as a task's comm), a slice, and a shorter array.
            let (prev, next) = (*b"rtrace\0\0\0\0\0\0\0\0\0\0", *b"swapper/0\0\0\0\0\0\0\0");
            emit_test_sched_switch(&prev, 42, 120, 1, &next, 0, 120);
            emit_test_sched_switch(&prev[..], 42, 120, 1, &next[..], 0, 120);
            emit_test_sched_switch(b"rtrace", 42, 120, 1, b"swapper/0", 0, 120);
        }
        _ => match case.split_once(' ') {
            Some(("prio", prio)) => {
                let prio = prio.trim().parse::<i32>().map_err(|_| EINVAL)?;
                emit_test_sched_switch(b"rtrace", 42, prio, 1, b"swapper/0", 0, 120)
            }
            _ => return Err(EINVAL),
        },
    }
    Ok(())
}

/// `connect` (or not: `disconnect`) `SINK SUBSYSTEM EVENT`.
fn connection(connect: bool, args: &str) -> Result {
    let mut words = args.split_whitespace();
    let (Some(k), Some(s), Some(e), None) =
        (words.next(), words.next(), words.next(), words.next())
    else {
        return Err(EINVAL);
    };
    let (mut a, mut b, mut c) = ([0u8; 65], [0u8; 65], [0u8; 65]);
    let (k, s, e) = (c_name(k, &mut a)?, c_name(s, &mut b)?, c_name(e, &mut c)?);
    if connect {
        sink::connect(k, s, e)
    } else {
        sink::disconnect(k, s, e)
    }
}

#[no_mangle]
extern "C" fn rtrace_marker_test_control_write(
    _file: *mut bindings::file,
    buf: *const c_char,
    len: usize,
    _ppos: *mut bindings::loff_t,
) -> isize {
    rtrace::kernel::debugfs::control_write(buf, len, |text| match text.split_once(' ') {
        Some(("bad", case)) => bad(case),
        Some(("emit", case)) => emit(case),
        Some(("storm", n)) => storm(n.trim().parse().map_err(|_| EINVAL)?),
        Some(("connect", args)) => connection(true, args),
        Some(("disconnect", args)) => connection(false, args),
        _ => Err(EINVAL),
    })
}

// The dentry pointers are opaque here, never dereferenced.
#[allow(improper_ctypes)]
extern "C" {
    fn rtrace_marker_test_create_control(dir: *mut bindings::dentry) -> *mut bindings::dentry;
}

struct MarkerTest {
    _dir: Dir,
    _markers: Markers,
}

impl kernel::Module for MarkerTest {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let markers = crate::register_markers!(test:sched_switch, test:all_types, other:empty)?;
        let dir = Dir::new(c"rtrace_marker_test", None)?;
        // SAFETY: `dir` is a live debugfs directory; the file goes with it.
        kernel::error::from_err_ptr(unsafe { rtrace_marker_test_create_control(dir.as_ptr()) })?;
        Ok(Self {
            _dir: dir,
            _markers: markers,
        })
    }
}
