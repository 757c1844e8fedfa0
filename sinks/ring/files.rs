// SPDX-License-Identifier: GPL-2.0

//! The tracer's debugfs files, under `/sys/kernel/debug/rtrace/sinks/ring/` (see
//! Documentation/debugfs.rst):
//!
//! - `trace`: the buffers' records as text, not consumed, merged by timestamp, from what was
//!   committed when the file was opened;
//! - `trace_pipe`: the same text, consuming, blocking while empty (poll()able);
//! - `per_cpu/cpuN/trace_pipe_raw`: CPU N's records in binary (rust/ring_record.rs), consuming,
//!   blocking while empty (poll()able), whole records per read, with lost-events notices;
//! - `buffer_size_kb`, `overwrite`, `reset`, `stats`, `per_cpu/cpuN/stats`.

use core::ffi::{c_char, c_int, c_long, c_void, CStr};
use core::fmt::{self, Write};
use core::sync::atomic::Ordering;

use kernel::bindings;
use kernel::prelude::*;
use kernel::uaccess::UserSlice;

use crate::ring_buffer::{Counters, CpuRing, Found};
use crate::ring_record::{
    self, Decoder, Header, CONTEXT_ID, CONTEXT_RECORD, HEADER_LEN, LOST_RECORD,
};
use crate::rtrace::abi::{self, MARKER_ABI};
use crate::rtrace::kernel::debugfs::{self, Dir, SeqFile};
use crate::rtrace::marker::text;
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
    fn rtrace_ring_clock_pair(trace: *mut u64, real: *mut u64);
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
const CLOCK: usize = 8;
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
        create(&dir, c"clock", 0o400, CLOCK, false)?;
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

/// Tries before a reader gives up finding a record that writers keep overwriting (it says
/// there is nothing now; the next read tries again).
const TRIES: usize = 64;

/// What a reader keeps of one CPU's buffer.
struct CpuCursor {
    /// For `trace`, the next position; for the consumers, where `decoder` is valid (the reader
    /// compares it with the buffer's read position: another consumer or an overwrite moved it).
    pos: u64,
    /// For `trace`, the end (what was committed at open).
    end: u64,
    /// The decoder's state at `pos`; `None` until read again from the buffer.
    decoder: Option<Decoder>,
    /// The copy of its next record.
    copy: KVec<u8>,
}

/// What an open reader keeps.
struct Reader {
    kind: usize,
    /// Each CPU's cursor (the one CPU's for `trace_pipe_raw`).
    cpus: KVec<CpuCursor>,
    /// Text produced (`LINE_MAX` bytes, `text_len` used), read up to `text_at`.
    text: KVec<u8>,
    text_len: usize,
    text_at: usize,
    /// `trace` showed its header.
    started: bool,
    /// For `trace`: the buffer set its positions are in (after a reset or a resize, the file
    /// ends).
    generation: u64,
}

/// A marker's record found at the head of a CPU's buffer, decoded.
struct Next {
    cpu: usize,
    from: u64,
    found: Found,
    header: Header,
    /// The decoder's state after it.
    decoder: Decoder,
}

impl Reader {
    fn new(kind: usize, ncpu: usize) -> Result<KBox<Self>> {
        let n = if kind >= RAW { 1 } else { ncpu };
        let mut cpus = KVec::with_capacity(n, GFP_KERNEL)?;
        for _ in 0..n {
            cpus.push(
                CpuCursor {
                    pos: 0,
                    end: u64::MAX,
                    decoder: None,
                    copy: KVec::from_elem(0, SUB_SIZE, GFP_KERNEL)?,
                },
                GFP_KERNEL,
            )?;
        }
        let text = KVec::from_elem(0, LINE_MAX, GFP_KERNEL)?;
        Ok(KBox::new(
            Self {
                kind,
                cpus,
                text,
                text_len: 0,
                text_at: 0,
                started: false,
                generation: 0,
            },
            GFP_KERNEL,
        )?)
    }

    /// The next marker record of CPU `cpu` (its ring `ring`), copied into its cursor: the
    /// context and time records before it are taken in on the way (consumed by `trace_pipe`).
    fn next_of(&mut self, cpu: usize, ring: &CpuRing) -> Option<Next> {
        let consuming = self.kind != TRACE;
        let c = self.cpus.get_mut(cpu)?;
        for _ in 0..TRIES {
            let from = if consuming { ring.read_pos() } else { c.pos };
            if consuming && c.pos != from {
                c.decoder = None;
            }
            let decoder = match c.decoder {
                Some(d) => d,
                None => match ring.state_at(from) {
                    Some(d) => d,
                    None => {
                        // Overwritten while we looked: go on from the oldest record left.
                        c.pos = ring.read_pos().max(c.pos);
                        continue;
                    }
                },
            };
            c.pos = from;
            c.decoder = Some(decoder);
            let found = ring.peek(from, c.end, &mut c.copy)?;
            let raw = found.header;
            let payload = c.copy.get(HEADER_LEN..HEADER_LEN + raw.len as usize);
            let (Some(payload), false) = (payload, found.len == 0) else {
                c.decoder = None;
                c.pos = ring.read_pos().max(from + 4);
                continue;
            };
            let mut after = decoder;
            match after.apply(&raw, payload) {
                Ok(Some(header)) if raw.is_event() => {
                    return Some(Next {
                        cpu,
                        from,
                        found,
                        header,
                        decoder: after,
                    });
                }
                // A context or time record (or one this reader cannot use): taken in.
                _ => {
                    let taken = if consuming {
                        ring.consume(from, found)
                    } else {
                        ring.still_valid(found.pos)
                    };
                    if taken {
                        c.pos = found.pos + found.len as u64;
                        c.decoder = Some(after);
                    } else {
                        c.decoder = None;
                        c.pos = ring.read_pos().max(c.pos);
                    }
                }
            }
        }
        None
    }

    /// The oldest marker record at the head of any CPU's buffer.
    fn oldest(&mut self, buffers: &Buffers) -> Option<Next> {
        let mut best: Option<Next> = None;
        for (cpu, buf) in buffers.cpus.iter().enumerate() {
            let Some(next) = self.next_of(cpu, &buf.ring) else {
                continue;
            };
            if best.as_ref().map_or(true, |b| next.header.ts < b.header.ts) {
                best = Some(next);
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
                    if let Some(due) = buf.losses.due(&buf.ring) {
                        buf.losses.mark(&buf.ring, &due);
                        let _ = text::write_lost(&mut line, cpu as u32, due.count);
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
                ring.still_valid(next.found.pos)
            } else {
                ring.consume(next.from, next.found)
            };
            let cursor = &mut self.cpus[next.cpu];
            if !valid {
                // Overwritten while we looked: go on from the oldest record left.
                cursor.decoder = None;
                cursor.pos = ring.read_pos().max(cursor.pos);
                continue;
            }
            cursor.pos = next.found.pos + next.found.len as u64;
            cursor.decoder = Some(next.decoder);
            let record = &cursor.copy;
            let mut line = Buf::new(&mut self.text);
            let h = &next.header;
            // Pid 0 is every CPU's idle task, shown as `<idle>` as ftrace does.
            let comm: &[u8] = match (h.pid, h.comm()) {
                (0, _) => b"<idle>",
                (_, b"") => b"<...>",
                (_, comm) => comm,
            };
            let _ = text::write_line_prefix(&mut line, comm, h.pid, next.cpu as u32, h.ts);
            let payload = record
                .get(HEADER_LEN..HEADER_LEN + h.len as usize)
                .unwrap_or(&[]);
            print_record(&mut line, h.id, payload);
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
        buffers
            .cpus
            .get(kind - RAW)
            .is_some_and(|b| ready(&b.ring) || b.losses.due(&b.ring).is_some())
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
        for (c, buf) in reader.cpus.iter_mut().zip(buffers.cpus.iter()) {
            c.pos = buf.ring.read_pos();
            c.end = buf.ring.committed();
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
    // Nothing asked, nothing to wait for (nor to consume).
    if len == 0 {
        return 0;
    }
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

/// The time of the record `found` (copied in `copy`): a context record's own, or its decoded one.
fn time_of(ring: &CpuRing, found: &Found, copy: &[u8]) -> Option<u64> {
    if found.header.id == CONTEXT_ID {
        let ts = copy.get(HEADER_LEN..HEADER_LEN + 8)?;
        return Some(u64::from_le_bytes(ts.try_into().ok()?));
    }
    Some(ring.state_at(found.pos)?.time_of(&found.header))
}

fn read_raw(reader: &mut Reader, buffers: &Buffers, buf: *mut c_char, len: usize) -> Result<usize> {
    let cpu = reader.kind - RAW;
    let cpu_buf = buffers.cpus.get(cpu).ok_or(ENODEV)?;
    let ring = &cpu_buf.ring;
    let copy = &mut reader.cpus.get_mut(0).ok_or(EINVAL)?.copy;
    let mut copied = 0;
    let mut state = [0u8; CONTEXT_RECORD];
    let mut notice = [0u8; LOST_RECORD];
    let mut first = true;
    for _ in 0..TRIES {
        loop {
            let from = ring.read_pos();
            let found = ring.peek(from, u64::MAX, copy);
            // Losses go where they happened: overruns before the oldest record left, drops
            // after the records before them. A notice that does not fit waits for the next
            // read (unless the buffer could never take one).
            if let Some(due) = cpu_buf.losses.due(ring) {
                if len - copied >= LOST_RECORD {
                    let ts = due
                        .ts
                        .or_else(|| found.as_ref().and_then(|f| time_of(ring, f, copy)))
                        // SAFETY: no precondition.
                        .unwrap_or_else(|| unsafe { rtrace_ring_clock() });
                    let n = ring_record::write_lost(&mut notice, ts, due.count).unwrap_or(0);
                    if let Err(e) = to_user(buf, copied, &notice[..n]) {
                        // Not delivered: it stays due.
                        return if copied > 0 { Ok(copied) } else { Err(e) };
                    }
                    cpu_buf.losses.mark(ring, &due);
                    copied += n;
                    // The records after it decode without what came before.
                    first = true;
                } else if copied > 0 {
                    return Ok(copied);
                }
            }
            let Some(found) = found else {
                return Ok(copied);
            };
            if found.len == 0 {
                // Overwritten while we looked.
                break;
            }
            // A read starts with the decoder's state (a context record) where the stream does
            // not give it, so that what it returns decodes on its own.
            let extra = if first && found.header.id != CONTEXT_ID {
                let Some(d) = ring.state_at(found.pos) else {
                    break;
                };
                ring_record::write_state(&mut state, &d)
            } else {
                0
            };
            // A context or time record goes with the record after it (in the same reservation).
            let mut need = found.len + extra;
            if !found.header.is_event() && found.header.id != ring_record::LOST_ID {
                let mut none = [0u8; 0];
                if let Some(next) = ring.peek(found.pos + found.len as u64, u64::MAX, &mut none) {
                    need += next.len;
                }
            }
            if need > len - copied {
                if copied == 0 {
                    // The caller's buffer cannot take one record.
                    return Err(EINVAL);
                }
                return Ok(copied);
            }
            if let Err(e) = to_user(buf, copied, &state[..extra])
                .and_then(|()| to_user(buf, copied + extra, &copy[..found.len]))
            {
                // Not consumed: what was copied before is returned.
                return if copied > 0 { Ok(copied) } else { Err(e) };
            }
            // Only a record consumed intact counts; otherwise its bytes are overwritten in the
            // caller's buffer by the next.
            if !ring.consume(from, found) {
                break;
            }
            copied += extra + found.len;
            first = false;
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
            if !(SIZE_KB_MIN..=SIZE_KB_MAX).contains(&kb) || !kb.is_power_of_two() {
                pr_err!(
                    "buffer_size_kb: {} KiB: the size per CPU is a power of two from {} to {}\n",
                    kb,
                    SIZE_KB_MIN,
                    SIZE_KB_MAX
                );
                return Err(EINVAL);
            }
            // SAFETY: the sink's name is a NUL-terminated static string.
            let connected = unsafe {
                abi::rtrace_sink_connections(MARKER_ABI, crate::RAW_SINK.name().as_ptr())
            };
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
            state.reset()
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
    // Read-only files (root may still open them for writing): every write is refused the same
    // way, an empty one too.
    if kind == STATS || kind == CLOCK || kind >= CPU_STATS {
        return EPERM.to_errno() as isize;
    }
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
        (CLOCK, _) => {
            let (mut trace, mut real) = (0u64, 0u64);
            // SAFETY: two `u64`s to write.
            unsafe { rtrace_ring_clock_pair(&mut trace, &mut real) };
            let _ = writeln!(out, "{trace} {real}");
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
