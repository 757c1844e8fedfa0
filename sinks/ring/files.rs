// SPDX-License-Identifier: GPL-2.0

//! The tracer's debugfs files, under `/sys/kernel/debug/rtrace/sinks/ring/` (see
//! Documentation/debugfs.rst):
//!
//! - `trace`: the buffers' records as text, not consumed, merged by timestamp, from what was
//!   committed when the file was opened;
//! - `trace_pipe`: the same text, consuming, blocking while empty (poll()able);
//! - `per_cpu/cpuN/trace_pipe_raw`: CPU N's records in binary (rust/ring_record.rs), consuming,
//!   blocking while empty (poll()able), whole records per read, with lost-events notices;
//! - `buffer_size_kb`, `overwrite`, `reset`, `stats`, `per_cpu/cpuN/stats`, `saved_cmdlines`.

use core::ffi::{c_char, c_int, c_long, c_void, CStr};
use core::fmt::{self, Write};
use core::sync::atomic::Ordering;

use kernel::bindings;
use kernel::prelude::*;
use kernel::uaccess::UserSlice;

use crate::rtrace::abi::{self, MARKER_ABI};
use crate::rtrace::debugfs::{self, Dir, SeqFile};
use crate::rtrace::ring_buffer::{Counters, CpuRing, Found};
use crate::rtrace::ring_record::{self, Header, HEADER_LEN};
use crate::rtrace::text;
use crate::tracer::{self, Buffers, SIZE_KB_MAX, SIZE_KB_MIN, SUB_SIZE, WAITING, WAKE_SEQ};

// The dentry and file pointers are opaque here, never dereferenced.
#[allow(improper_ctypes)]
extern "C" {
    fn rtrace_ring_create_file(
        name: *const c_char,
        mode: u16,
        dir: *mut bindings::dentry,
        kind: usize,
        reader: bool,
    ) -> *mut bindings::dentry;
    fn rtrace_ring_wait(
        cond: extern "C" fn(*mut c_void) -> bool,
        data: *mut c_void,
        timeout: c_long,
    ) -> c_long;
    fn rtrace_ring_poll_wait(file: *mut bindings::file, pt: *mut c_void);
    fn rtrace_ring_clock() -> u64;
}

/// `EPOLLIN` and `EPOLLRDNORM` (include/uapi/linux/eventpoll.h), not in the bindings.
const EPOLLIN: u32 = 0x001;
const EPOLLRDNORM: u32 = 0x040;

const TRACE: usize = 1;
const TRACE_PIPE: usize = 2;
const BUFFER_SIZE_KB: usize = 3;
const OVERWRITE: usize = 4;
const RESET: usize = 5;
const STATS: usize = 6;
const SAVED_CMDLINES: usize = 7;
/// `per_cpu/cpuN/trace_pipe_raw` is `RAW + N`.
const RAW: usize = 0x10000;
/// `per_cpu/cpuN/stats` is `CPU_STATS + N`.
const CPU_STATS: usize = 0x20000;

/// Creates file `name` of `kind` in `dir`.
fn create(dir: &Dir, name: &CStr, mode: u16, kind: usize, reader: bool) -> Result {
    // SAFETY: `dir` is a live debugfs directory; `name` is NUL-terminated; `kind` is data.
    let d = unsafe { rtrace_ring_create_file(name.as_ptr(), mode, dir.as_ptr(), kind, reader) };
    kernel::error::from_err_ptr(d).map(|_| ())
}

/// The tracer's directory: its files, and `per_cpu/` (kept so that they go with it).
pub(crate) struct Files {
    _cpus: KVec<Dir>,
    _per_cpu: Dir,
    _dir: Dir,
}

impl Files {
    /// Creates every file in `dir` for `ncpu` CPUs.
    pub(crate) fn new(dir: Dir, ncpu: usize) -> Result<Self> {
        create(&dir, c"trace", 0o400, TRACE, true)?;
        create(&dir, c"trace_pipe", 0o400, TRACE_PIPE, true)?;
        create(&dir, c"buffer_size_kb", 0o600, BUFFER_SIZE_KB, false)?;
        create(&dir, c"overwrite", 0o600, OVERWRITE, false)?;
        create(&dir, c"reset", 0o200, RESET, false)?;
        create(&dir, c"stats", 0o400, STATS, false)?;
        create(&dir, c"saved_cmdlines", 0o400, SAVED_CMDLINES, false)?;
        let per_cpu = Dir::new(c"per_cpu", Some(&dir))?;
        let mut cpus = KVec::with_capacity(ncpu, GFP_KERNEL)?;
        for cpu in 0..ncpu {
            let mut name = [0u8; 16];
            let mut w = Buf::new(&mut name);
            let _ = write!(w, "cpu{cpu}");
            let len = w.len;
            let d = Dir::with_name(
                core::str::from_utf8(&name[..len]).map_err(|_| EINVAL)?,
                &per_cpu,
            )?;
            create(&d, c"trace_pipe_raw", 0o400, RAW + cpu, true)?;
            create(&d, c"stats", 0o400, CPU_STATS + cpu, false)?;
            cpus.push(d, GFP_KERNEL)?;
        }
        Ok(Self {
            _cpus: cpus,
            _per_cpu: per_cpu,
            _dir: dir,
        })
    }
}

/// A `fmt::Write` into a byte buffer; what does not fit is cut.
struct Buf<'a> {
    out: &'a mut [u8],
    len: usize,
}

impl<'a> Buf<'a> {
    fn new(out: &'a mut [u8]) -> Self {
        Self { out, len: 0 }
    }
}

impl Write for Buf<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = self.out.len() - self.len;
        let n = s.len().min(room);
        self.out[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        if n < s.len() {
            return Err(fmt::Error);
        }
        Ok(())
    }
}

/// Longest text line: a record of a sub-buffer, every byte escaped, and the prefix.
const LINE_MAX: usize = 4 * SUB_SIZE + 256;

/// What an open reader keeps.
struct Reader {
    kind: usize,
    /// For `trace`: each CPU's next position and end; unused by the consuming readers.
    cursors: KVec<(u64, u64)>,
    /// Text produced (`LINE_MAX` bytes, `text_len` used), read up to `text_at`.
    text: KVec<u8>,
    text_len: usize,
    text_at: usize,
    /// Each CPU's copy of its next record.
    records: KVec<KVec<u8>>,
    /// `trace` showed its header.
    started: bool,
    /// For `trace`: the buffer set its positions are in (after a reset or a resize, the file
    /// ends).
    generation: u64,
}

/// A record found at the head of a CPU's buffer.
struct Next {
    cpu: usize,
    from: u64,
    found: Found,
    header: Header,
}

impl Reader {
    fn new(kind: usize, ncpu: usize) -> Result<KBox<Self>> {
        let mut records = KVec::with_capacity(ncpu, GFP_KERNEL)?;
        let copies = if kind >= RAW { 1 } else { ncpu };
        for _ in 0..copies {
            records.push(KVec::from_elem(0, SUB_SIZE, GFP_KERNEL)?, GFP_KERNEL)?;
        }
        let text = KVec::from_elem(0, LINE_MAX, GFP_KERNEL)?;
        Ok(KBox::new(
            Self {
                kind,
                cursors: KVec::new(),
                text,
                text_len: 0,
                text_at: 0,
                records,
                started: false,
                generation: 0,
            },
            GFP_KERNEL,
        )?)
    }

    /// The oldest record at the head of any CPU's buffer, copied into `self.records[cpu]`.
    fn oldest(&mut self, buffers: &Buffers) -> Option<Next> {
        let mut best: Option<Next> = None;
        for (cpu, buf) in buffers.cpus.iter().enumerate() {
            let Some(copy) = self.records.get_mut(cpu) else {
                break;
            };
            let (from, end) = if self.kind == TRACE {
                self.cursors.get(cpu).copied().unwrap_or((0, 0))
            } else {
                (buf.ring.read_pos(), u64::MAX)
            };
            let Some(found) = buf.ring.peek(from, end, copy) else {
                continue;
            };
            let header = Header::decode(copy).unwrap_or(Header {
                ts: 0,
                pid: 0,
                id: 0,
                len: 0,
            });
            if best.as_ref().map_or(true, |b| header.ts < b.header.ts) {
                best = Some(Next {
                    cpu,
                    from,
                    found,
                    header,
                });
            }
        }
        best
    }

    /// Produces the next line of text into `self.text` (from offset 0); false when there is
    /// nothing to show now.
    fn next_line(&mut self, buffers: &Buffers) -> bool {
        loop {
            let mut line = Buf::new(&mut self.text);
            if self.kind == TRACE && !self.started {
                self.started = true;
                let c = buffers.counters();
                let _ = writeln!(line, "# tracer: rtrace ring buffer");
                let _ = writeln!(
                    line,
                    "# entries-in-buffer/entries-written: {}/{}   #P:{}",
                    c.in_buffer(),
                    c.entries,
                    buffers.cpus.len()
                );
                let _ = writeln!(
                    line,
                    "# lost: {} (dropped {}, overrun {})",
                    c.lost(),
                    c.dropped,
                    c.overrun
                );
                let _ = writeln!(line, "#");
                let _ = writeln!(line, "#           TASK-PID     CPU#     TIMESTAMP  EVENT");
                let len = line.len;
                self.set_text(len);
                return true;
            }
            if self.kind == TRACE_PIPE {
                for (cpu, buf) in buffers.cpus.iter().enumerate() {
                    if let Some(count) = take_lost(buf) {
                        let _ = text::write_lost(&mut line, cpu as u32, count);
                        let _ = writeln!(line);
                        let len = line.len;
                        self.set_text(len);
                        return true;
                    }
                }
            }
            let Some(next) = self.oldest(buffers) else {
                return false;
            };
            let ring = &buffers.cpus[next.cpu].ring;
            let valid = if self.kind == TRACE {
                let ok = ring.still_valid(next.found.pos) && next.found.len != 0;
                let cursor = &mut self.cursors[next.cpu];
                cursor.0 = if ok {
                    next.found.pos + next.found.len as u64
                } else {
                    // Overwritten while we looked: go on from the oldest record left.
                    ring.read_pos().max(cursor.0 + 8)
                };
                ok
            } else {
                ring.consume(next.from, next.found)
            };
            if !valid {
                continue;
            }
            let record = &self.records[next.cpu];
            let mut line = Buf::new(&mut self.text);
            let comm = find_comm(buffers, next.cpu, next.header.pid);
            let _ = text::write_line_prefix(
                &mut line,
                comm_bytes(&comm),
                next.header.pid,
                next.cpu as u32,
                next.header.ts,
            );
            let payload = record
                .get(HEADER_LEN..HEADER_LEN + next.header.len as usize)
                .unwrap_or(&[]);
            print_record(&mut line, next.header.id, payload);
            let _ = writeln!(line);
            let len = line.len;
            // A line cut short still ends with its newline.
            if len == LINE_MAX {
                self.text[LINE_MAX - 1] = b'\n';
            }
            self.set_text(len);
            return true;
        }
    }

    fn set_text(&mut self, len: usize) {
        self.text_len = len;
        self.text_at = 0;
    }

    fn pending(&self) -> &[u8] {
        &self.text[self.text_at..self.text_len]
    }

    fn drain(&mut self, n: usize) {
        self.text_at += n;
    }
}

/// Lost records of `buf` not reported yet, now reported.
fn take_lost(buf: &tracer::CpuBuf) -> Option<u64> {
    let lost = buf.ring.counters().lost();
    let reported = buf.lost_reported.load(Ordering::Relaxed);
    if lost > reported
        && buf
            .lost_reported
            .compare_exchange(reported, lost, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    {
        return Some(lost - reported);
    }
    None
}

/// The name of `pid`, looked up first in the table of the CPU that wrote its record.
fn find_comm(buffers: &Buffers, cpu: usize, pid: i32) -> [u8; 16] {
    if pid == 0 {
        let mut idle = [0u8; 16];
        idle[..9].copy_from_slice(b"<idle>\0\0\0");
        return idle;
    }
    Iterator::chain(core::iter::once(cpu), 0..buffers.cpus.len())
        .find_map(|c| buffers.cpus.get(c).and_then(|b| b.cmdlines.find(pid)))
        .unwrap_or(*b"<...>\0\0\0\0\0\0\0\0\0\0\0")
}

fn comm_bytes(comm: &[u8; 16]) -> &[u8] {
    let end = comm.iter().position(|&b| b == 0).unwrap_or(16);
    &comm[..end]
}

/// `subsystem:event: field=value ...`, as the marker core prints the record.
fn print_record(out: &mut Buf<'_>, id: u16, payload: &[u8]) {
    let room = &mut out.out[out.len..];
    // SAFETY: `payload` and `room` are valid for their lengths for the call.
    let n = unsafe {
        abi::rtrace_marker_print(
            MARKER_ABI,
            id as u32,
            payload.as_ptr(),
            payload.len(),
            room.as_mut_ptr().cast(),
            room.len(),
        )
    };
    if n >= 0 {
        out.len += (n as usize).min(room.len());
    } else {
        let _ = write!(out, "id {id}: {} bytes", payload.len());
    }
}

/// Whether any CPU has a committed record not consumed yet.
fn has_data(buffers: &Buffers, kind: usize) -> bool {
    let ready = |ring: &CpuRing| ring.read_pos() < ring.committed();
    if kind >= RAW {
        buffers.cpus.get(kind - RAW).is_some_and(|b| {
            ready(&b.ring) || b.ring.counters().lost() > b.lost_reported.load(Ordering::Relaxed)
        })
    } else {
        buffers.cpus.iter().any(|b| ready(&b.ring))
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

/// The reader `open` stored in `file`, as a raw pointer: a `&mut` to it is made only while the
/// tracer's mutex is held (two reads of one file may run at once).
fn reader_of(file: *mut bindings::file) -> *mut Reader {
    // SAFETY: `file` is open; `private_data` is the `Reader` that `open` put there, freed only by
    // `release`, which runs after every read and poll of the file.
    unsafe { (*file).private_data.cast::<Reader>() }
}

#[no_mangle]
extern "C" fn rtrace_ring_open(inode: *mut bindings::inode, file: *mut bindings::file) -> c_int {
    // SAFETY: the inode of an open debugfs file; `i_private` is the kind given at creation.
    let kind = unsafe { (*inode).i_private } as usize;
    let state = tracer::state();
    let Some(buffers) = state.buffers.as_deref() else {
        return ENODEV.to_errno();
    };
    let mut reader = match Reader::new(kind, buffers.cpus.len()) {
        Ok(r) => r,
        Err(e) => return e.to_errno(),
    };
    if kind == TRACE {
        reader.generation = buffers.generation;
        for buf in buffers.cpus.iter() {
            if reader
                .cursors
                .push((buf.ring.read_pos(), buf.ring.committed()), GFP_KERNEL)
                .is_err()
            {
                return ENOMEM.to_errno();
            }
        }
    }
    // SAFETY: the file being opened; `release` frees what is stored here.
    unsafe { (*file).private_data = KBox::into_raw(reader).cast() };
    0
}

#[no_mangle]
extern "C" fn rtrace_ring_release(
    _inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    // SAFETY: `private_data` is the `Reader` `open` stored; nothing uses it after release.
    drop(unsafe { KBox::from_raw((*file).private_data.cast::<Reader>()) });
    0
}

/// Copies `bytes` to user address `buf + at`.
fn to_user(buf: *mut c_char, at: usize, bytes: &[u8]) -> Result {
    UserSlice::new(buf as usize + at, bytes.len())
        .writer()
        .write_slice(bytes)
}

fn nonblocking(file: *mut bindings::file) -> bool {
    // SAFETY: an open file.
    let flags = unsafe { (*file).f_flags };
    flags & bindings::O_NONBLOCK != 0
}

#[no_mangle]
extern "C" fn rtrace_ring_read(
    file: *mut bindings::file,
    buf: *mut c_char,
    len: usize,
    _ppos: *mut bindings::loff_t,
) -> isize {
    let reader = reader_of(file);
    loop {
        let seq = announce();
        let (result, kind) = {
            let state = tracer::state();
            let Some(buffers) = state.buffers.as_deref() else {
                return 0;
            };
            // SAFETY: the reader is alive while the file is open (`reader_of`), and the
            // tracer's mutex, held, makes this the only `&mut` to it.
            let reader = unsafe { &mut *reader };
            let result = if reader.kind >= RAW {
                read_raw(reader, buffers, buf, len)
            } else {
                read_text(reader, buffers, buf, len)
            };
            (result, reader.kind)
        };
        match result {
            Ok(0) if kind != TRACE => {
                if nonblocking(file) {
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

fn read_text(
    reader: &mut Reader,
    buffers: &Buffers,
    buf: *mut c_char,
    len: usize,
) -> Result<usize> {
    if reader.kind == TRACE && reader.generation != buffers.generation {
        return Ok(0);
    }
    let mut copied = 0;
    while copied < len {
        if reader.pending().is_empty() && !reader.next_line(buffers) {
            break;
        }
        let n = reader.pending().len().min(len - copied);
        if let Err(e) = to_user(buf, copied, &reader.pending()[..n]) {
            // What was copied is returned; the line stays pending for the next read.
            return if copied > 0 { Ok(copied) } else { Err(e) };
        }
        reader.drain(n);
        copied += n;
    }
    Ok(copied)
}

fn read_raw(reader: &mut Reader, buffers: &Buffers, buf: *mut c_char, len: usize) -> Result<usize> {
    let cpu = reader.kind - RAW;
    let cpu_buf = buffers.cpus.get(cpu).ok_or(ENODEV)?;
    let ring = &cpu_buf.ring;
    let copy = &mut reader.records[0];
    let mut copied = 0;
    // Lost records first: they happened before the oldest record still there.
    if len >= ring_record::padded_len(8) {
        if let Some(count) = take_lost(cpu_buf) {
            let mut notice = [0u8; 24];
            // SAFETY: no precondition.
            let ts = unsafe { rtrace_ring_clock() };
            let n = ring_record::write_lost(&mut notice, ts, count).unwrap_or(0);
            if let Err(e) = to_user(buf, 0, &notice[..n]) {
                // Not delivered: report it again next time.
                cpu_buf.lost_reported.fetch_sub(count, Ordering::Relaxed);
                return Err(e);
            }
            copied = n;
        }
    }
    loop {
        let from = ring.read_pos();
        let Some(found) = ring.peek(from, u64::MAX, copy) else {
            break;
        };
        if found.len > len - copied {
            if copied == 0 {
                // The caller's buffer cannot take one record.
                return Err(EINVAL);
            }
            break;
        }
        if found.len == 0 {
            continue;
        }
        if let Err(e) = to_user(buf, copied, &copy[..found.len]) {
            // Not consumed: what was copied before is returned.
            return if copied > 0 { Ok(copied) } else { Err(e) };
        }
        // Only a record consumed intact counts; otherwise its bytes are overwritten in the
        // caller's buffer by the next.
        if ring.consume(from, found) {
            copied += found.len;
        }
    }
    Ok(copied)
}

#[no_mangle]
extern "C" fn rtrace_ring_poll(file: *mut bindings::file, pt: *mut c_void) -> u32 {
    // SAFETY: the reader is alive while the file is open (`reader_of`); `kind` is never written
    // after `open`.
    let kind = unsafe { (*reader_of(file)).kind };
    // SAFETY: the file being polled and its poll table.
    unsafe { rtrace_ring_poll_wait(file, pt) };
    announce();
    let state = tracer::state();
    let ready = state
        .buffers
        .as_deref()
        .is_some_and(|b| kind == TRACE || has_data(b, kind));
    if ready {
        EPOLLIN | EPOLLRDNORM
    } else {
        0
    }
}

/// Parses a decimal number.
fn number(text: &str) -> Result<usize> {
    text.trim().parse::<usize>().map_err(|_| EINVAL)
}

fn control(kind: usize, text: &str) -> Result {
    let mut state = tracer::state();
    match kind {
        BUFFER_SIZE_KB => {
            let Ok(kb) = number(text) else {
                let shown = text::Escaped(text.trim().as_bytes());
                pr_err!("buffer_size_kb: '{}' is not a number of KiB\n", shown);
                return Err(EINVAL);
            };
            if !(SIZE_KB_MIN..=SIZE_KB_MAX).contains(&kb) || kb % (SUB_SIZE / 1024) != 0 {
                pr_err!(
                    "buffer_size_kb: {} KiB: the size per CPU is a multiple of 4 from {} to {}\n",
                    kb,
                    SIZE_KB_MIN,
                    SIZE_KB_MAX
                );
                return Err(EINVAL);
            }
            // SAFETY: the sink's name is a NUL-terminated static string.
            let connected =
                unsafe { abi::rtrace_sink_connections(MARKER_ABI, crate::RAW_SINK.name) };
            if connected != 0 {
                pr_err!(
                    "buffer_size_kb: the tracer is connected to {} marker(s): disconnect it first\n",
                    connected
                );
                return Err(EBUSY);
            }
            let new = Buffers::new(kb, state.overwrite)?;
            state.replace(Some(new));
            Ok(())
        }
        OVERWRITE => {
            let on = match text.trim() {
                "0" => false,
                "1" => true,
                other => {
                    let shown = text::Escaped(other.as_bytes());
                    pr_err!("overwrite: '{}' is neither 0 nor 1\n", shown);
                    return Err(EINVAL);
                }
            };
            state.overwrite = on;
            if let Some(b) = state.buffers.as_deref() {
                for c in b.cpus.iter() {
                    c.ring.set_overwrite(on);
                }
            }
            Ok(())
        }
        RESET => {
            if text.trim() != "1" {
                pr_err!("reset: write 1 to empty the buffers\n");
                return Err(EINVAL);
            }
            let kb = state
                .buffers
                .as_deref()
                .map_or(tracer::SIZE_KB_DEFAULT, |b| b.size_kb);
            let new = Buffers::new(kb, state.overwrite)?;
            state.replace(Some(new));
            Ok(())
        }
        _ => Err(EPERM),
    }
}

#[no_mangle]
extern "C" fn rtrace_ring_control_write(
    file: *mut bindings::file,
    buf: *const c_char,
    len: usize,
    _ppos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: a control file is a seq_file (single_open), whose private data is the kind.
    let kind = unsafe { (*(*file).private_data.cast::<bindings::seq_file>()).private } as usize;
    let name = match kind {
        BUFFER_SIZE_KB => "buffer_size_kb",
        OVERWRITE => "overwrite",
        RESET => "reset",
        _ => "ring",
    };
    debugfs::command_write::<160>(name, buf, len, |text| control(kind, text))
}

fn write_counters(out: &mut SeqFile, c: &Counters) {
    let _ = writeln!(out, "entries: {}", c.entries);
    let _ = writeln!(out, "read: {}", c.read);
    let _ = writeln!(out, "lost: {}", c.lost());
    let _ = writeln!(out, "dropped: {}", c.dropped);
    let _ = writeln!(out, "overrun: {}", c.overrun);
    let _ = writeln!(out, "in_buffer: {}", c.in_buffer());
}

#[no_mangle]
extern "C" fn rtrace_ring_control_show(m: *mut bindings::seq_file, _v: *mut c_void) -> c_int {
    // SAFETY: `m` is the seq_file of this show callback; its private data is the file's kind.
    let (mut out, kind) = unsafe { (SeqFile::from_raw(m), (*m).private as usize) };
    let state = tracer::state();
    let buffers = state.buffers.as_deref();
    match (kind, buffers) {
        (BUFFER_SIZE_KB, Some(b)) => {
            let _ = writeln!(out, "{}", b.size_kb);
        }
        (OVERWRITE, _) => {
            let _ = writeln!(out, "{}", state.overwrite as u8);
        }
        (STATS, Some(b)) => write_counters(&mut out, &b.counters()),
        (SAVED_CMDLINES, Some(b)) => {
            for (cpu, buf) in b.cpus.iter().enumerate() {
                buf.cmdlines.each(|pid, comm| {
                    // Pid 0 is every CPU's idle task (shown as `<idle>`, as ftrace does).
                    if pid == 0 {
                        return;
                    }
                    // Shown once: by the first CPU that has it.
                    if b.cpus[..cpu].iter().any(|o| o.cmdlines.find(pid).is_some()) {
                        return;
                    }
                    let name = comm_bytes(&comm);
                    let _ = writeln!(out, "{} {}", pid, core::str::from_utf8(name).unwrap_or("?"));
                });
            }
        }
        (k, Some(b)) if k >= CPU_STATS => {
            if let Some(c) = b.cpus.get(k - CPU_STATS) {
                write_counters(&mut out, &c.ring.counters());
            }
        }
        _ => {}
    }
    0
}
