// SPDX-License-Identifier: GPL-2.0

//! The readers' file operations: `trace` and `trace_pipe` (text, text_reader.rs),
//! `per_cpu/cpuN/trace_pipe_raw` and `per_cpu/cpuN/snapshot_raw` (binary, raw_reader.rs).
//!
//! An open reader keeps a cursor per CPU it reads. The consumers (`trace_pipe`,
//! `trace_pipe_raw`) wait while there is nothing to read; the others (`trace`, `snapshot_raw`)
//! read what was committed when they were opened and then end. Readers are streams
//! (`debugfs::StreamFile`): `lseek()` and `pread()` are `ESPIPE`.

use core::cell::UnsafeCell;
use core::ffi::{c_char, c_long, c_void};
use core::sync::atomic::Ordering;

use kernel::bindings;
use kernel::prelude::*;
use kernel::uaccess::UserSlice;

use crate::files::Kind;
use crate::ring_buffer::CpuRing;
use crate::ring_record::Decoder;
use crate::rtrace::kernel::debugfs::{OpenFile, StreamFile};
use crate::text_reader::LINE_MAX;
use crate::tracer::{self, Buffers, SUB_SIZE, WAITING, WAKE_SEQ};

extern "C" {
    fn rtrace_ring_wait(
        cond: extern "C" fn(*mut c_void) -> bool,
        data: *mut c_void,
        timeout: c_long,
    ) -> c_long;
    // The file and the poll table are opaque here, never dereferenced.
    #[allow(improper_ctypes)]
    fn rtrace_ring_poll_wait(file: *mut bindings::file, pt: *mut bindings::poll_table_struct);
}

/// `EPOLLIN` and `EPOLLRDNORM` (include/uapi/linux/eventpoll.h), not in the bindings.
const EPOLLIN: u32 = 0x001;
const EPOLLRDNORM: u32 = 0x040;

/// Tries before a reader gives up finding a record that writers keep overwriting (it says
/// there is nothing now; the next read tries again).
pub(crate) const TRIES: usize = 64;

/// What a reader keeps of one CPU's buffer.
pub(crate) struct CpuCursor {
    /// For the readers that do not consume, the next position; for the consumers, where
    /// `decoder` is valid (the reader compares it with the buffer's read position: another
    /// consumer or an overwrite moved it).
    pub(crate) pos: u64,
    /// For the readers that do not consume, the end (what was committed at open).
    pub(crate) end: u64,
    /// The decoder's state at `pos`; `None` until read again from the buffer.
    pub(crate) decoder: Option<Decoder>,
    /// The copy of its next record.
    pub(crate) copy: KVec<u8>,
    /// For `snapshot_raw`: the marker records before `pos` in the buffer's stream (shown,
    /// overwritten or consumed by others), to count those it could not show.
    pub(crate) passed: u64,
    /// For `snapshot_raw`: records it could not show, not reported yet.
    pub(crate) missed: u64,
    /// For `snapshot_raw`: the marker records before `end` (those being written at open
    /// included, which lie after it: an overrun past `end` may count them as missed).
    pub(crate) passed_end: u64,
}

/// What an open reader keeps.
pub(crate) struct Reader {
    pub(crate) kind: Kind,
    /// Each CPU's cursor (the one CPU's for the binary readers).
    pub(crate) cpus: KVec<CpuCursor>,
    /// Text produced (`LINE_MAX` bytes for the text readers, `text_len` used), read up to
    /// `text_at`.
    pub(crate) text: KVec<u8>,
    pub(crate) text_len: usize,
    pub(crate) text_at: usize,
    /// `trace` showed its header.
    pub(crate) started: bool,
    /// For the readers that do not consume: the buffer set their positions are in (after a
    /// reset or a resize, the file ends).
    pub(crate) generation: u64,
}

impl Reader {
    /// A reader of `kind`, positioned at the records of `buffers` not consumed yet.
    fn new(kind: Kind, buffers: &Buffers) -> Result<Self> {
        let one_cpu = match kind {
            Kind::TracePipeRaw(cpu) | Kind::SnapshotRaw(cpu) => Some(cpu),
            _ => None,
        };
        let mut cpus = KVec::with_capacity(buffers.cpus.len(), GFP_KERNEL)?;
        for (cpu, buf) in buffers.cpus.iter().enumerate() {
            if one_cpu.is_some_and(|c| c != cpu) {
                continue;
            }
            let mut cursor = CpuCursor {
                pos: 0,
                end: u64::MAX,
                decoder: None,
                copy: KVec::from_elem(0, SUB_SIZE, GFP_KERNEL)?,
                passed: 0,
                missed: 0,
                passed_end: 0,
            };
            if !kind.consumes() {
                (cursor.pos, cursor.passed) = start(&buf.ring);
                cursor.end = buf.ring.committed();
                cursor.passed_end = cursor.passed + buf.ring.counters().in_buffer();
            }
            cpus.push(cursor, GFP_KERNEL)?;
        }
        if cpus.is_empty() {
            return Err(ENODEV);
        }
        let text_len = if matches!(kind, Kind::Trace | Kind::TracePipe) {
            LINE_MAX
        } else {
            0
        };
        Ok(Self {
            kind,
            cpus,
            text: KVec::from_elem(0, text_len, GFP_KERNEL)?,
            text_len: 0,
            text_at: 0,
            started: false,
            generation: buffers.generation,
        })
    }
}

/// The read position of `ring` and the marker records before it (overwritten or consumed),
/// taken together.
pub(crate) fn start(ring: &CpuRing) -> (u64, u64) {
    loop {
        let pos = ring.read_pos();
        let c = ring.counters();
        if ring.read_pos() == pos {
            return (pos, c.overrun + c.read);
        }
    }
}

/// Whether any CPU that `kind` reads has a committed record not consumed yet (or, for
/// `trace_pipe_raw`, a loss to report).
fn has_data(buffers: &Buffers, kind: Kind) -> bool {
    let ready = |ring: &CpuRing| ring.read_pos() < ring.committed();
    match kind {
        Kind::TracePipeRaw(cpu) => buffers
            .cpus
            .get(cpu)
            .is_some_and(|b| ready(&b.ring) || b.losses.due(&b.ring).is_some()),
        _ => buffers.cpus.iter().any(|b| ready(&b.ring)),
    }
}

extern "C" fn woken(seq: *mut c_void) -> bool {
    // SAFETY: `seq` is the `u64` of `wait_for_data`, alive during the wait.
    WAKE_SEQ.load(Ordering::Acquire) != unsafe { *seq.cast::<u64>() }
}

/// Announces a reader about to wait for data, before it looks for any: a commit after this
/// wakes it. Returns the wake-up count to wait on.
fn announce() -> u64 {
    let seq = WAKE_SEQ.load(Ordering::Acquire);
    WAITING.store(true, Ordering::Relaxed);
    // The flag is visible before the reader loads the buffers' positions (the writer side
    // publishes a record, then loads the flag without a barrier of its own: a commit that
    // crosses this check exactly wakes nobody, and the next commit, or the read's timeout, does).
    core::sync::atomic::fence(Ordering::SeqCst);
    seq
}

/// Sleeps until a commit after `seq` (or a tenth of a second: a crossed wake-up is caught then).
/// `Err` on a signal.
fn wait_for_data(mut seq: u64) -> Result {
    // SAFETY: `woken` reads `seq`, which outlives the wait; HZ / 10 jiffies.
    let r = unsafe {
        rtrace_ring_wait(
            woken,
            (&mut seq as *mut u64).cast(),
            (bindings::HZ / 10) as c_long,
        )
    };
    if r < 0 {
        return Err(ERESTARTSYS);
    }
    Ok(())
}

/// Copies `bytes` to user address `buf + at`.
pub(crate) fn to_user(buf: *mut c_char, at: usize, bytes: &[u8]) -> Result {
    UserSlice::new(buf as usize + at, bytes.len())
        .writer()
        .write_slice(bytes)
}

/// Copies `bytes` to user address `buf + at` as far as it is mapped and writable: the number of
/// bytes copied (from the start of `bytes`).
pub(crate) fn to_user_partly(buf: *mut c_char, at: usize, bytes: &[u8]) -> usize {
    // SAFETY: `copy_to_user` checks the user range and stops at the first fault; `bytes` is
    // readable for its length.
    let left = unsafe {
        bindings::copy_to_user(
            (buf as usize + at) as *mut c_void,
            bytes.as_ptr().cast(),
            bytes.len() as _,
        )
    };
    bytes.len() - (left as usize).min(bytes.len())
}

/// The readers' file operations (`debugfs::FileOps::<Readers>::STREAM`).
pub(crate) struct Readers;

/// An open reader.
///
/// # Invariants
///
/// `reader` is reached only with the tracer's mutex held, by one `&mut` at a time.
pub(crate) struct Open {
    /// Its file's kind, also `reader.kind`: read without the mutex (by `poll`).
    kind: Kind,
    reader: UnsafeCell<Reader>,
}

// SAFETY: the reader is reached only under the tracer's mutex (the type invariant), which
// serialises the file's reads on every CPU; `kind` is never written.
unsafe impl Sync for Open {}

impl StreamFile for Readers {
    type Open = Open;

    fn open(data: *mut c_void) -> Result<KBox<Open>> {
        let kind = Kind::decode(data).ok_or(EINVAL)?;
        let state = tracer::state();
        let buffers = state.buffers().ok_or(ENODEV)?;
        let reader = UnsafeCell::new(Reader::new(kind, buffers)?);
        Ok(KBox::new(Open { kind, reader }, GFP_KERNEL)?)
    }

    fn read(open: &Open, file: &OpenFile, buf: *mut c_char, len: usize) -> isize {
        // Nothing asked, nothing to wait for (nor to consume).
        if len == 0 {
            return 0;
        }
        loop {
            let seq = announce();
            let result = {
                let state = tracer::state();
                let Some(buffers) = state.buffers() else {
                    return 0;
                };
                // SAFETY: the tracer's mutex is held until `state` goes, after the last use of
                // this `&mut`, the only one (the type invariant).
                let reader = unsafe { &mut *open.reader.get() };
                match open.kind {
                    Kind::TracePipeRaw(cpu) => reader.read_raw(buffers, cpu, buf, len),
                    Kind::SnapshotRaw(cpu) => reader.read_snapshot(buffers, cpu, buf, len),
                    _ => reader.read_text(buffers, buf, len),
                }
            };
            match result {
                Ok(0) if open.kind.consumes() => {
                    if file.nonblocking() {
                        return EAGAIN.to_errno() as isize;
                    }
                    if let Err(e) = wait_for_data(seq) {
                        return e.to_errno() as isize;
                    }
                }
                Ok(n) => return n as isize,
                Err(e) => return e.to_errno() as isize,
            }
        }
    }

    fn poll(open: &Open, file: &OpenFile, table: *mut bindings::poll_table_struct) -> u32 {
        // SAFETY: the file being polled and its poll table, during the poll.
        unsafe { rtrace_ring_poll_wait(file.as_ptr(), table) };
        announce();
        let state = tracer::state();
        let ready = state
            .buffers()
            .is_some_and(|b| !open.kind.consumes() || has_data(b, open.kind));
        if ready {
            EPOLLIN | EPOLLRDNORM
        } else {
            0
        }
    }
}
