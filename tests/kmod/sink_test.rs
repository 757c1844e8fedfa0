// SPDX-License-Identifier: GPL-2.0

//! rtrace_sink_test: a sink that keeps the first 512 records it receives, for the in-VM tests
//! (tests/vm/marker.t).
//!
//! `/sys/kernel/debug/rtrace_sink_test/control` takes `connect SUBSYSTEM EVENT`,
//! `disconnect SUBSYSTEM EVENT` (the core's answer is the write's error), `clear`, and
//! `fileops PATH` (opens PATH non-blocking, reads 0 bytes, seeks to 1, and logs
//! `fileops PATH: read0=N llseek=N`: what a shell cannot do, for tests/vm/ring.t);
//! `records` shows one line per committed record, `ID LEN HEX`, then `dropped=N`.

use core::cell::UnsafeCell;
use core::ffi::{c_char, c_int, c_void};
use core::fmt::Write;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};

use kernel::bindings;
use kernel::prelude::*;

#[path = "../../rust/rtrace.rs"]
mod rtrace;

use rtrace::abi::RawSink;
use rtrace::kernel::debugfs::{c_name, Dir, SeqFile};
use rtrace::sink::{self, Registration, Reservation, Sink};

module! {
    type: SinkTest,
    name: "rtrace_sink_test",
    author: "rtrace developers",
    description: "rtrace test sink: keeps the records it receives",
    license: "GPL",
}

const SLOTS: usize = 512;
const SLOT_SIZE: usize = 256;

struct Slot {
    data: UnsafeCell<[u8; SLOT_SIZE]>,
    id: AtomicU32,
    reserved: AtomicUsize,
    /// The record's length once committed, 0 before.
    committed: AtomicUsize,
}

struct TestSink {
    next: AtomicUsize,
    slots: [Slot; SLOTS],
    dropped: AtomicU64,
}

// SAFETY: each slot's data is written only by the one `reserve` caller that got its index
// (`next` hands each index out once) and read only after `committed` is published.
unsafe impl Sync for TestSink {}

static SINK: TestSink = TestSink {
    next: AtomicUsize::new(0),
    slots: [const {
        Slot {
            data: UnsafeCell::new([0; SLOT_SIZE]),
            id: AtomicU32::new(0),
            reserved: AtomicUsize::new(0),
            committed: AtomicUsize::new(0),
        }
    }; SLOTS],
    dropped: AtomicU64::new(0),
};

// SAFETY: a reservation is a slot handed out once (`next`), `SLOT_SIZE >= len` bytes used by
// nothing else until `clear`, which the tests run only while no record is emitted.
unsafe impl Sink for TestSink {
    unsafe fn reserve(&self, id: u32, len: usize) -> Option<Reservation> {
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        let Some(slot) = self.slots.get(i).filter(|_| len <= SLOT_SIZE) else {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return None;
        };
        slot.id.store(id, Ordering::Relaxed);
        slot.reserved.store(len, Ordering::Relaxed);
        NonNull::new(slot.data.get().cast()).map(|record| Reservation::new(record, i))
    }

    unsafe fn commit(&self, handle: usize) {
        if let Some(slot) = self.slots.get(handle) {
            slot.committed
                .store(slot.reserved.load(Ordering::Relaxed), Ordering::Release);
        }
    }
}

static RAW: RawSink = sink::raw_sink(c"test", &SINK);

fn clear() {
    for slot in SINK.slots.iter() {
        slot.committed.store(0, Ordering::Relaxed);
    }
    SINK.dropped.store(0, Ordering::Relaxed);
    SINK.next.store(0, Ordering::Release);
}

fn command(text: &str) -> Result {
    let mut words = text.split_whitespace();
    let (mut a, mut b) = ([0u8; 65], [0u8; 65]);
    match (words.next(), words.next(), words.next()) {
        (Some("connect"), Some(s), Some(e)) => {
            sink::connect(c"test", c_name(s, &mut a)?, c_name(e, &mut b)?)
        }
        (Some("disconnect"), Some(s), Some(e)) => {
            sink::disconnect(c"test", c_name(s, &mut a)?, c_name(e, &mut b)?)
        }
        (Some("clear"), None, None) => {
            clear();
            Ok(())
        }
        (Some("fileops"), Some(path), None) => file_ops(path, c_name(path, &mut a)?),
        _ => Err(EINVAL),
    }
}

/// Opens `cpath` non-blocking, reads 0 bytes from it, seeks it to 1, and logs what each returned.
fn file_ops(path: &str, cpath: &core::ffi::CStr) -> Result {
    let flags = (bindings::O_RDONLY | bindings::O_NONBLOCK) as c_int;
    // SAFETY: a NUL-terminated path; the file is closed below.
    let file = kernel::error::from_err_ptr(unsafe {
        bindings::filp_open(cpath.as_ptr().cast(), flags, 0)
    })?;
    let mut pos: bindings::loff_t = 0;
    // A 0-byte read as read(2) makes it (`kernel_read` wants `read_iter`, which debugfs files
    // without it do not have): the file's own `read`, with no buffer.
    // SAFETY: an open file, whose `f_op` stays valid while it is open.
    let read0 = match unsafe { (*(*file).f_op).read } {
        // SAFETY: the file's `read`, given the file, 0 bytes and a position.
        Some(read) => unsafe { read(file, core::ptr::null_mut(), 0, &mut pos) },
        None => EINVAL.to_errno() as isize,
    };
    // SAFETY: an open file.
    let seek = unsafe { bindings::vfs_llseek(file, 1, 0) };
    // SAFETY: opened above, not used after.
    unsafe { bindings::filp_close(file, core::ptr::null_mut()) };
    pr_info!("fileops {}: read0={} llseek={}\n", path, read0, seek);
    Ok(())
}

#[no_mangle]
extern "C" fn rtrace_sink_test_control_write(
    _file: *mut bindings::file,
    buf: *const c_char,
    len: usize,
    _ppos: *mut bindings::loff_t,
) -> isize {
    rtrace::kernel::debugfs::control_write(buf, len, command)
}

#[no_mangle]
extern "C" fn rtrace_sink_test_records_show(m: *mut bindings::seq_file, _v: *mut c_void) -> c_int {
    // SAFETY: `m` is the seq_file of this show callback, used only during it.
    let mut out = unsafe { SeqFile::from_raw(m) };
    for slot in SINK.slots.iter() {
        let len = slot.committed.load(Ordering::Acquire);
        if len == 0 {
            continue;
        }
        // SAFETY: a committed slot is no longer written (until `clear`, which tests do not run
        // while reading), and `len <= SLOT_SIZE`.
        let data = unsafe { &(&*slot.data.get())[..len] };
        let _ = write!(out, "{} {} ", slot.id.load(Ordering::Relaxed), len);
        for byte in data {
            let _ = write!(out, "{byte:02x}");
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(out, "dropped={}", SINK.dropped.load(Ordering::Relaxed));
    0
}

// The dentry pointers are opaque here, never dereferenced.
#[allow(improper_ctypes)]
extern "C" {
    fn rtrace_sink_test_create_files(dir: *mut bindings::dentry) -> *mut bindings::dentry;
}

struct SinkTest {
    _dir: Dir,
    _sink: Registration,
}

impl kernel::Module for SinkTest {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let sink = Registration::new(&RAW, &crate::THIS_MODULE)?;
        let dir = Dir::new(c"rtrace_sink_test", None)?;
        // SAFETY: `dir` is a live debugfs directory; the files go with it.
        kernel::error::from_err_ptr(unsafe { rtrace_sink_test_create_files(dir.as_ptr()) })?;
        Ok(Self {
            _dir: dir,
            _sink: sink,
        })
    }
}
