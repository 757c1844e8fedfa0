// SPDX-License-Identifier: GPL-2.0

//! One CPU's ring buffer of the tracer: lockless reserve and commit for the writers of that CPU
//! (a task and the interrupts that nest on it), consumption and reading from any CPU, and exact
//! loss accounting.
//!
//! The buffer is `nsub` sub-buffers of `sub_size` bytes (a power of two). Positions are absolute
//! byte counts since the buffer was reset (`u64`, never wrapping in practice): sub-buffer `s`
//! of the stream lives in slot `s % nsub`. Three positions describe the buffer:
//!
//! - `head`, where the next record is reserved (moved by `compare_exchange`, so an interrupt
//!   that reserves between a task's load and its update just makes the task retry);
//! - `committed`, the end of the records whose writers have all committed: writers nest
//!   last-in first-out on a CPU, so the outermost commit publishes everything reserved so far
//!   (the discipline of the kernel's ring buffer, kernel/trace/ring_buffer.c);
//! - `read`, the oldest record not consumed, moved by readers with `compare_exchange` (each
//!   record goes to exactly one consumer) and, in overwrite mode, pushed forward by the writer
//!   before it reuses a sub-buffer.
//!
//! A record never straddles two sub-buffers: when it does not fit, the writer moves to the next
//! sub-buffer and notes where the data of the one it leaves end (`data_end`). In discard mode it
//! refuses to move into a sub-buffer that the reader has not finished (the record is *dropped*);
//! in overwrite mode it pushes the reader past the oldest sub-buffer, counting the records it
//! held that nobody read (*overrun*), unless that sub-buffer still holds an uncommitted record
//! of an interrupted writer (then the new record is dropped).
//!
//! Every record given to [`CpuRing::reserve`] is counted in `entries`, every record consumed in
//! `read`, every record lost in `dropped` or `overrun`: at any time
//! `entries == read + dropped + overrun + in_buffer`, and once writers stop and readers drain,
//! `in_buffer == 0`.
//!
//! A record starts with the 16-byte header of rust/ring_record.rs, whose last two bytes are the
//! payload's length; records are 8-byte aligned.
//!
//! A reader copies a record out, then checks that the writer has not taken its sub-buffer back
//! meanwhile (the writer moves `read` past a sub-buffer before it writes into it again): a
//! consumer by the `compare_exchange` that consumes, a non-consuming reader by loading `read`
//! again, seqlock-style. A copy that fails the check is thrown away (its record was counted as
//! overrun).

use core::sync::atomic::{compiler_fence, fence, AtomicBool, AtomicU32, AtomicU64, Ordering};

use super::ring_record::{padded_len, HEADER_LEN};

/// Updates of what only one CPU's writers change (a task and the interrupts that nest on it):
/// one instruction without the `lock` prefix is atomic against interrupts of the same CPU, as the
/// kernel's `local_t` is; other CPUs only read these values. Elsewhere than on x86_64, atomic
/// operations.
mod local {
    #[cfg(not(target_arch = "x86_64"))]
    use core::sync::atomic::Ordering;
    use core::sync::atomic::{AtomicU32, AtomicU64};

    /// `*a += n`.
    #[inline(always)]
    pub(super) fn add(a: &AtomicU64, n: u64) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: one instruction on a valid, aligned `u64` that only this CPU writes; the asm is
        // a compiler barrier, as `local_add()` is.
        unsafe {
            core::arch::asm!("addq {n}, ({p})", p = in(reg) a.as_ptr(), n = in(reg) n,
                options(att_syntax, nostack))
        };
        #[cfg(not(target_arch = "x86_64"))]
        a.fetch_add(n, Ordering::Relaxed);
    }

    /// `*a += n` (wrapping; `n` may be `u32::MAX` for a decrement).
    #[inline(always)]
    pub(super) fn add32(a: &AtomicU32, n: u32) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as in `add`.
        unsafe {
            core::arch::asm!("addl {n:e}, ({p})", p = in(reg) a.as_ptr(), n = in(reg) n,
                options(att_syntax, nostack))
        };
        #[cfg(not(target_arch = "x86_64"))]
        a.fetch_add(n, Ordering::Relaxed);
    }

    /// Replaces `*a` by `new` if it is `old`; whether it was.
    #[inline(always)]
    pub(super) fn cmpxchg(a: &AtomicU64, old: u64, new: u64) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            let prev: u64;
            // SAFETY: as in `add`: `cmpxchg` without `lock` cannot be split by an interrupt.
            unsafe {
                core::arch::asm!("cmpxchgq {new}, ({p})", p = in(reg) a.as_ptr(),
                    new = in(reg) new, inout("rax") old => prev, options(att_syntax, nostack))
            };
            prev == old
        }
        #[cfg(not(target_arch = "x86_64"))]
        a.compare_exchange(old, new, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    }
}

/// Smallest sub-buffer.
pub const SUB_SIZE_MIN: usize = 256;

/// The payload length in a record header (its last two bytes).
fn header_payload_len(header: &[u8]) -> usize {
    u16::from_le_bytes([header[HEADER_LEN - 2], header[HEADER_LEN - 1]]) as usize
}

/// Counters of one CPU's buffer, as [`CpuRing::counters`] reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counters {
    /// Records offered to the buffer.
    pub entries: u64,
    /// Records consumed by readers.
    pub read: u64,
    /// Records refused when offered: buffer full in discard mode, record larger than a
    /// sub-buffer, or the oldest sub-buffer still being written by an interrupted writer.
    pub dropped: u64,
    /// Records overwritten before anyone read them (overwrite mode).
    pub overrun: u64,
}

impl Counters {
    /// Records lost: `dropped + overrun`.
    pub fn lost(&self) -> u64 {
        self.dropped + self.overrun
    }

    /// Records still in the buffer (or being written): `entries - read - lost`.
    pub fn in_buffer(&self) -> u64 {
        self.entries
            .saturating_sub(self.read)
            .saturating_sub(self.lost())
    }
}

/// Where a record was found by [`CpuRing::peek`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    /// Its position.
    pub pos: u64,
    /// Its length in the buffer (header, payload, padding).
    pub len: usize,
}

/// One CPU's buffer.
///
/// # Invariants
///
/// `data` points to `sub_size * nsub` bytes, 8-byte aligned, valid for as long as the ring;
/// `data_end` to `nsub` counters. Only writers of one CPU, which nest last-in first-out, call
/// `reserve` and `commit`.
pub struct CpuRing {
    data: *mut u8,
    data_end: *const AtomicU32,
    sub_size: usize,
    nsub: usize,
    overwrite: AtomicBool,
    head: AtomicU64,
    committed: AtomicU64,
    read: AtomicU64,
    nesting: AtomicU32,
    entries: AtomicU64,
    consumed: AtomicU64,
    dropped: AtomicU64,
    overrun: AtomicU64,
}

// SAFETY: the buffer is shared by design: writers own their reservations until they commit,
// readers only read committed records and validate their copies (see the module docs).
unsafe impl Sync for CpuRing {}
// SAFETY: as above; the pointers are to memory owned by whoever owns the ring.
unsafe impl Send for CpuRing {}

impl CpuRing {
    /// A ring over `data` (`sub_size * nsub` bytes) and `data_end` (`nsub` counters).
    ///
    /// # Safety
    ///
    /// `data` is 8-byte aligned, `sub_size * nsub` bytes long, and with `data_end` valid and used
    /// by nothing else for as long as the ring exists; `sub_size` is a power of two of at least
    /// [`SUB_SIZE_MIN`] and at most 65536; `nsub >= 2`.
    pub unsafe fn new(
        data: *mut u8,
        data_end: *const AtomicU32,
        sub_size: usize,
        nsub: usize,
    ) -> Self {
        Self {
            data,
            data_end,
            sub_size,
            nsub,
            overwrite: AtomicBool::new(false),
            head: AtomicU64::new(0),
            committed: AtomicU64::new(0),
            read: AtomicU64::new(0),
            nesting: AtomicU32::new(0),
            entries: AtomicU64::new(0),
            consumed: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            overrun: AtomicU64::new(0),
        }
    }

    /// Chooses overwrite (`true`) or discard mode for the next records.
    pub fn set_overwrite(&self, on: bool) {
        self.overwrite.store(on, Ordering::Relaxed);
    }

    /// Whether the buffer overwrites its oldest records when full.
    pub fn overwrite(&self) -> bool {
        self.overwrite.load(Ordering::Relaxed)
    }

    /// The largest record a sub-buffer takes (header included): a sub-buffer is never filled to
    /// its very end, so that only a writer moving to the next one ever starts a sub-buffer.
    pub fn max_record(&self) -> usize {
        self.sub_size - 8
    }

    /// Bytes of data, all sub-buffers together.
    pub fn size(&self) -> usize {
        self.sub_size * self.nsub
    }

    fn sub(&self, pos: u64) -> u64 {
        pos / self.sub_size as u64
    }

    fn offset(&self, pos: u64) -> usize {
        (pos % self.sub_size as u64) as usize
    }

    fn data_end(&self, sub: u64) -> &AtomicU32 {
        // SAFETY: by the type invariant `data_end` has `nsub` entries; the index is below.
        unsafe { &*self.data_end.add((sub % self.nsub as u64) as usize) }
    }

    /// The address of position `pos`.
    fn at(&self, pos: u64) -> *mut u8 {
        let slot = (self.sub(pos) % self.nsub as u64) as usize;
        // SAFETY: `slot < nsub` and the offset is below `sub_size`: inside `data` (invariant).
        unsafe { self.data.add(slot * self.sub_size + self.offset(pos)) }
    }

    /// Copies `out.len()` bytes (a multiple of 8) at `pos`, which may be overwritten meanwhile:
    /// word by word with volatile loads, the copy being validated afterwards by the caller.
    fn copy_out(&self, pos: u64, out: &mut [u8]) {
        let from = self.at(pos).cast::<u64>();
        for (i, chunk) in out.chunks_exact_mut(8).enumerate() {
            // SAFETY: records are 8-byte aligned and inside one sub-buffer, so `from + i` is an
            // aligned word of `data`; a concurrent overwrite only makes the copy invalid, and
            // the caller discards it then.
            let word = unsafe { from.add(i).read_volatile() };
            chunk.copy_from_slice(&word.to_ne_bytes());
        }
    }

    /// Room for a record of `len` bytes (header included, at most [`Self::max_record`] once
    /// padded); the caller writes it there and then calls [`Self::commit`] on the same CPU,
    /// before an enclosing writer's commit. `None`: the record is counted as dropped, and there
    /// is nothing to commit.
    pub fn reserve(&self, len: usize) -> Option<*mut u8> {
        local::add(&self.entries, 1);
        let len = padded_len(len.saturating_sub(HEADER_LEN));
        local::add32(&self.nesting, 1);
        compiler_fence(Ordering::SeqCst);
        if len > self.max_record() {
            return self.drop_record();
        }
        let sub_size = self.sub_size as u64;
        loop {
            let head = self.head.load(Ordering::Relaxed);
            let off = self.offset(head);
            if off + len < self.sub_size {
                if local::cmpxchg(&self.head, head, head + len as u64) {
                    return Some(self.at(head));
                }
                continue;
            }
            // Move to the next sub-buffer, if the reader has left the one it reuses.
            let next = self.sub(head) + 1;
            let read = self.read.load(Ordering::Acquire);
            if next - self.sub(read) >= self.nsub as u64 {
                if !self.overwrite() {
                    return self.drop_record();
                }
                let victim = next - self.nsub as u64;
                // An interrupted writer's record may still be in the oldest sub-buffer.
                if self.committed.load(Ordering::Relaxed) < (victim + 1) * sub_size {
                    return self.drop_record();
                }
                let lost = self.count_records(read, self.data_end(victim).load(Ordering::Relaxed));
                // Acquire: the writes into the reused sub-buffer stay after this push.
                if self
                    .read
                    .compare_exchange(
                        read,
                        (victim + 1) * sub_size,
                        Ordering::AcqRel,
                        Ordering::Relaxed,
                    )
                    .is_err()
                {
                    // A reader consumed meanwhile: count again.
                    continue;
                }
                local::add(&self.overrun, lost);
                // The reused sub-buffer's new bytes stay after the push (`smp_wmb()`; a no-op
                // on x86).
                core::sync::atomic::fence(Ordering::Release);
            }
            if local::cmpxchg(&self.head, head, next * sub_size + len as u64) {
                // Published by this writer's commit, before which no reader passes `head`.
                self.data_end(next - 1).store(off as u32, Ordering::Relaxed);
                return Some(self.at(next * sub_size));
            }
        }
    }

    /// Counts the records from `pos` to offset `end` of its sub-buffer (all committed).
    fn count_records(&self, mut pos: u64, end: u32) -> u64 {
        let mut n = 0;
        let mut header = [0u8; HEADER_LEN];
        while self.offset(pos) < end as usize {
            self.copy_out(pos, &mut header);
            pos += padded_len(header_payload_len(&header)) as u64;
            n += 1;
        }
        n
    }

    fn drop_record(&self) -> Option<*mut u8> {
        local::add(&self.dropped, 1);
        self.finish();
        None
    }

    /// Publishes the record written at what [`Self::reserve`] returned last on this CPU (and,
    /// if this is the outermost writer, every record reserved before).
    pub fn commit(&self) {
        self.finish();
    }

    /// Ends a writer: an inner one only leaves; the outermost publishes everything reserved,
    /// again if an interrupt reserved and committed between its load of `head` and its leaving.
    fn finish(&self) {
        compiler_fence(Ordering::SeqCst);
        loop {
            if self.nesting.load(Ordering::Relaxed) != 1 {
                local::add32(&self.nesting, u32::MAX);
                return;
            }
            let head = self.head.load(Ordering::Relaxed);
            // Release: the records' bytes are visible before their publication.
            self.committed.store(head, Ordering::Release);
            local::add32(&self.nesting, u32::MAX);
            compiler_fence(Ordering::SeqCst);
            if self.head.load(Ordering::Relaxed) == head {
                return;
            }
            local::add32(&self.nesting, 1);
            compiler_fence(Ordering::SeqCst);
        }
    }

    /// The position of the oldest record not consumed.
    pub fn read_pos(&self) -> u64 {
        self.read.load(Ordering::Acquire)
    }

    /// The end of the committed records.
    pub fn committed(&self) -> u64 {
        self.committed.load(Ordering::Acquire)
    }

    /// Copies the record at `pos` (or the first after it, if `pos` is the end of a sub-buffer's
    /// data) into `out`, without consuming it, if it is committed and before `end`. Returns
    /// where it was and its length, which may be more than `out` (then nothing is copied, and
    /// the caller may skip it). The copy is not validated yet: see [`Self::consume`] and
    /// [`Self::still_valid`].
    pub fn peek(&self, mut pos: u64, end: u64, out: &mut [u8]) -> Option<Found> {
        let committed = self.committed().min(end);
        loop {
            if pos >= committed {
                return None;
            }
            let sub = self.sub(pos);
            let sub_end = (sub + 1) * self.sub_size as u64;
            // The writer left this sub-buffer: its data end where it noted.
            if sub_end <= committed
                && self.offset(pos) >= self.data_end(sub).load(Ordering::Relaxed) as usize
            {
                pos = sub_end;
                continue;
            }
            let mut header = [0u8; HEADER_LEN];
            self.copy_out(pos, &mut header);
            let len = padded_len(header_payload_len(&header));
            if len > self.max_record() || self.offset(pos) + len > self.sub_size {
                // Overwritten while we looked: the caller validates and retries.
                return Some(Found { pos, len: 0 });
            }
            if let Some(out) = out.get_mut(..len) {
                self.copy_out(pos, out);
            }
            return Some(Found { pos, len });
        }
    }

    /// Whether a copy made by [`Self::peek`] at `pos` is intact: the writer has not taken its
    /// sub-buffer back since (for readers that do not consume).
    pub fn still_valid(&self, pos: u64) -> bool {
        fence(Ordering::Acquire);
        self.read.load(Ordering::Relaxed) <= pos
    }

    /// Consumes the record `found` that [`Self::peek`] copied from `from` (the position the
    /// reader asked for): true if the copy is intact and now consumed, false if the writer
    /// took the sub-buffer back (the record was counted as overrun; read again from
    /// [`Self::read_pos`]) or another reader consumed it first.
    pub fn consume(&self, from: u64, found: Found) -> bool {
        if found.len == 0 {
            return false;
        }
        // Release: the copy is made before the record is given up.
        let ok = self
            .read
            .compare_exchange(
                from,
                found.pos + found.len as u64,
                Ordering::AcqRel,
                Ordering::Relaxed,
            )
            .is_ok();
        if ok {
            self.consumed.fetch_add(1, Ordering::Relaxed);
        }
        ok
    }

    /// The counters, read one after the other (exact once writers and readers are idle).
    pub fn counters(&self) -> Counters {
        Counters {
            entries: self.entries.load(Ordering::Relaxed),
            read: self.consumed.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
            overrun: self.overrun.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ring_record::Header;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;

    struct Owned {
        _data: Vec<u64>,
        _ends: Vec<AtomicU32>,
        ring: CpuRing,
    }

    fn ring(sub_size: usize, nsub: usize, overwrite: bool) -> Arc<Owned> {
        let mut data = vec![0u64; sub_size * nsub / 8];
        let ends: Vec<AtomicU32> = (0..nsub).map(|_| AtomicU32::new(0)).collect();
        // SAFETY: both vectors live in `Owned` with the ring and are not moved (heap storage).
        let ring = unsafe { CpuRing::new(data.as_mut_ptr().cast(), ends.as_ptr(), sub_size, nsub) };
        ring.set_overwrite(overwrite);
        Arc::new(Owned {
            _data: data,
            _ends: ends,
            ring,
        })
    }

    /// Writes a record of marker `id` whose payload is `payload_len` bytes of `seq`'s bytes.
    fn write(ring: &CpuRing, id: u16, seq: u64, payload_len: usize) -> bool {
        let Some(at) = ring.reserve(HEADER_LEN + payload_len) else {
            return false;
        };
        let header = Header {
            ts: seq,
            pid: 7,
            id,
            len: payload_len as u16,
        };
        let mut bytes = [0u8; HEADER_LEN];
        header.encode(&mut bytes);
        // SAFETY: `reserve` gave room for the header and payload, ours until `commit`.
        let out = unsafe { core::slice::from_raw_parts_mut(at, HEADER_LEN + payload_len) };
        out[..HEADER_LEN].copy_from_slice(&bytes);
        for (i, b) in out[HEADER_LEN..].iter_mut().enumerate() {
            *b = seq.to_le_bytes()[i % 8];
        }
        ring.commit();
        true
    }

    /// Consumes one record: its header and payload, checked to be intact.
    fn consume(ring: &CpuRing) -> Option<(Header, Vec<u8>)> {
        let mut buf = vec![0u8; 4096];
        loop {
            let from = ring.read_pos();
            let found = ring.peek(from, u64::MAX, &mut buf)?;
            if !ring.consume(from, found) {
                continue;
            }
            let header = Header::decode(&buf[..HEADER_LEN]).unwrap();
            let payload = buf[HEADER_LEN..HEADER_LEN + header.len as usize].to_vec();
            for (i, b) in payload.iter().enumerate() {
                assert_eq!(*b, header.ts.to_le_bytes()[i % 8], "torn record {header:?}");
            }
            return Some((header, payload));
        }
    }

    #[test]
    fn records_come_back_in_order_across_sub_buffers() {
        let o = ring(256, 4, false);
        let mut written = 0;
        for seq in 0..20u64 {
            if write(&o.ring, 1, seq, 20) {
                written += 1;
            }
        }
        // 40-byte records, 6 per 256-byte sub-buffer (never filled to the end), 4 sub-buffers.
        assert_eq!(written, 20);
        for seq in 0..20u64 {
            let (h, p) = consume(&o.ring).unwrap();
            assert_eq!((h.ts, h.id, h.pid, p.len()), (seq, 1, 7, 20));
        }
        assert!(consume(&o.ring).is_none());
        let c = o.ring.counters();
        assert_eq!((c.entries, c.read, c.lost(), c.in_buffer()), (20, 20, 0, 0));
    }

    #[test]
    fn discard_mode_drops_the_newest_and_counts_them() {
        let o = ring(256, 4, false);
        let ok = (0..100u64).filter(|&s| write(&o.ring, 1, s, 20)).count();
        // Six records per sub-buffer, four sub-buffers.
        assert_eq!(ok, 24);
        let c = o.ring.counters();
        assert_eq!(
            (c.entries, c.dropped, c.overrun, c.in_buffer()),
            (100, 76, 0, 24)
        );
        for seq in 0..24u64 {
            assert_eq!(consume(&o.ring).unwrap().0.ts, seq);
        }
        // Room again once read.
        assert!(write(&o.ring, 1, 100, 20));
        assert_eq!(consume(&o.ring).unwrap().0.ts, 100);
    }

    #[test]
    fn overwrite_mode_keeps_the_newest_and_counts_the_overrun() {
        let o = ring(256, 4, true);
        assert_eq!(
            (0..100u64).filter(|&s| write(&o.ring, 1, s, 20)).count(),
            100
        );
        let c = o.ring.counters();
        let mut seen = Vec::new();
        while let Some((h, _)) = consume(&o.ring) {
            seen.push(h.ts);
        }
        // The newest records survive, in order and without a gap.
        assert!(!seen.is_empty());
        assert_eq!(*seen.last().unwrap(), 99);
        assert!(seen.windows(2).all(|w| w[1] == w[0] + 1));
        let c2 = o.ring.counters();
        assert_eq!(c.overrun, 100 - seen.len() as u64);
        assert_eq!(c2.entries, c2.read + c2.lost());
    }

    #[test]
    fn too_large_records_are_dropped() {
        let o = ring(256, 4, false);
        assert!(!write(&o.ring, 1, 0, 256));
        assert!(write(&o.ring, 1, 0, 256 - 8 - HEADER_LEN));
        assert_eq!(o.ring.counters().dropped, 1);
        assert_eq!(consume(&o.ring).unwrap().1.len(), 256 - 8 - HEADER_LEN);
    }

    #[test]
    fn nested_writers_publish_when_the_outermost_commits() {
        let o = ring(256, 4, false);
        let r = &o.ring;
        // A task reserves, an "interrupt" writes a whole record, then the task commits.
        let outer = r.reserve(HEADER_LEN + 8).unwrap();
        assert!(write(r, 2, 50, 8));
        assert!(
            consume(r).is_none(),
            "published before the outer writer committed"
        );
        let header = Header {
            ts: 49,
            pid: 7,
            id: 1,
            len: 8,
        };
        let mut bytes = [0u8; HEADER_LEN];
        header.encode(&mut bytes);
        // SAFETY: reserved above.
        let out = unsafe { core::slice::from_raw_parts_mut(outer, HEADER_LEN + 8) };
        out[..HEADER_LEN].copy_from_slice(&bytes);
        out[HEADER_LEN..].copy_from_slice(&49u64.to_le_bytes());
        r.commit();
        assert_eq!(consume(r).unwrap().0.ts, 49);
        assert_eq!(consume(r).unwrap().0.ts, 50);
    }

    #[test]
    fn peek_does_not_consume_and_stops_at_end() {
        let o = ring(256, 4, false);
        for s in 0..10 {
            write(&o.ring, 1, s, 20);
        }
        let end = o.ring.committed();
        let mut pos = o.ring.read_pos();
        let mut buf = [0u8; 256];
        let mut n = 0;
        while let Some(f) = o.ring.peek(pos, end, &mut buf) {
            assert!(o.ring.still_valid(f.pos));
            pos = f.pos + f.len as u64;
            n += 1;
        }
        assert_eq!(n, 10);
        assert_eq!(o.ring.counters().in_buffer(), 10);
    }

    /// A writer thread and a consuming reader race on a small buffer: every record read is
    /// intact and in order, and entries == read + lost once drained.
    fn race(overwrite: bool) {
        let o = ring(512, 4, overwrite);
        let done = Arc::new(AtomicBool::new(false));
        let reader = {
            let (o, done) = (o.clone(), done.clone());
            std::thread::spawn(move || {
                let mut last = None;
                let mut n = 0u64;
                loop {
                    let finished = done.load(Ordering::Acquire);
                    match consume(&o.ring) {
                        Some((h, _)) => {
                            assert!(last.is_none_or(|l| h.ts > l), "out of order");
                            last = Some(h.ts);
                            n += 1;
                        }
                        None if finished => return n,
                        None => std::hint::spin_loop(),
                    }
                }
            })
        };
        let sizes = AtomicUsize::new(0);
        for seq in 0..200_000u64 {
            let len = 8 * (1 + sizes.fetch_add(1, Ordering::Relaxed) % 7);
            write(&o.ring, 1, seq, len);
        }
        done.store(true, Ordering::Release);
        let read = reader.join().unwrap();
        let c = o.ring.counters();
        assert_eq!(c.read, read);
        assert_eq!(c.entries, 200_000);
        assert_eq!(c.entries, c.read + c.lost(), "{c:?}");
        if overwrite {
            assert_eq!(c.dropped, 0);
        } else {
            assert_eq!(c.overrun, 0);
        }
    }

    #[test]
    fn racing_reader_discard() {
        race(false);
    }

    #[test]
    fn racing_reader_overwrite() {
        race(true);
    }
}
