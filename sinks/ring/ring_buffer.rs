// SPDX-License-Identifier: GPL-2.0

//! One CPU's ring buffer of the tracer: lockless reserve and commit for the writers of that CPU
//! (a task and the interrupts that nest on it), consumption and reading from any CPU, and exact
//! loss accounting. Records are sinks/ring/ring_record.rs's; the writer adds the context and
//! time-extend records the format needs.
//!
//! The buffer is `nsub` sub-buffers of `sub_size` bytes, both powers of two, so that every
//! position is split with a shift and a mask. Positions are absolute byte counts since the
//! buffer was made (`u64`, never wrapping in practice): sub-buffer `q` of the stream lives in
//! slot `q & (nsub - 1)`. Three positions describe the buffer:
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
//! The writer reads the clock inside its reservation loop: an interrupt that reserves between
//! the clock read and the `compare_exchange` makes it retry, with a new time, so the times of a
//! CPU's records never decrease in buffer order, nested writers included. A reservation holds
//! the marker's record and, before it, a context record when the sub-buffer starts or the task
//! changed, or else a time-extend record when the time's high 32 bits changed.
//!
//! A reservation never straddles two sub-buffers: when it does not fit, the writer moves to the
//! next sub-buffer and notes where the data of the one it leaves end. In discard mode it refuses
//! to move into a sub-buffer that the reader has not finished (the record is *dropped*); in
//! overwrite mode it pushes the reader past the oldest sub-buffer (its records are *overrun*),
//! unless that sub-buffer still holds an uncommitted record of an interrupted writer (then the
//! new record is dropped). Moving costs the same whatever the sub-buffer holds: each sub-buffer
//! keeps the count of its marker records (kept by its writers) and, once committed, the count of
//! the records before it, from which the readers derive the overrun exactly.
//!
//! Every record given to [`CpuRing::reserve`] is counted in `entries`, every record consumed in
//! `read`, every record lost in `dropped` or `overrun`: at any time
//! `entries == read + dropped + overrun + in_buffer`, and once writers stop and readers drain,
//! `in_buffer == 0`.
//!
//! A reader copies a record out, then checks that the writer has not taken its sub-buffer back
//! meanwhile (the writer moves `read` past a sub-buffer before it writes into it again): a
//! consumer by the `compare_exchange` that consumes, a non-consuming reader by loading `read`
//! again, seqlock-style. A copy that fails the check is thrown away (its record was counted as
//! overrun). Consumers are serialised by their caller (the tracer's mutex).

use core::sync::atomic::compiler_fence;
// The loom model tests (rust/tests/loom_ring.rs) run this code with loom's atomics, which check
// every interleaving on the C11 memory model.
#[cfg(not(loom))]
use core::sync::atomic::{fence, AtomicBool, AtomicU32, AtomicU64, Ordering};
#[cfg(loom)]
use loom::sync::atomic::{fence, AtomicBool, AtomicU32, AtomicU64, Ordering};

use super::ring_record::{
    write_context, write_time, Context, Decoder, RawHeader, ALIGN, CONTEXT_ID, CONTEXT_RECORD,
    HEADER_LEN, ID_MAX, TIME_ID, TIME_RECORD,
};

/// Updates of what only one CPU's writers change (a task and the interrupts that nest on it):
/// one instruction without the `lock` prefix is atomic against interrupts of the same CPU, as the
/// kernel's `local_t` is; other CPUs only read these values. Elsewhere than on x86_64, atomic
/// operations (and under loom, which models them as such).
mod local {
    #[cfg(loom)]
    use loom::sync::atomic::{AtomicU32, AtomicU64, Ordering};

    #[cfg(all(not(loom), not(target_arch = "x86_64")))]
    use core::sync::atomic::Ordering;
    #[cfg(not(loom))]
    use core::sync::atomic::{AtomicU32, AtomicU64};

    /// `*a += 1`.
    #[inline(always)]
    pub(super) fn inc(a: &AtomicU64) {
        #[cfg(all(not(loom), target_arch = "x86_64"))]
        // SAFETY: one instruction on a valid, aligned `u64` that only this CPU writes; the asm is
        // a compiler barrier, as `local_inc()` is.
        unsafe {
            core::arch::asm!("incq ({p})", p = in(reg) a.as_ptr(), options(att_syntax, nostack))
        };
        #[cfg(any(loom, not(target_arch = "x86_64")))]
        a.fetch_add(1, Ordering::Relaxed);
    }

    /// `*a += n` (wrapping; `n` may be `u32::MAX` for a decrement).
    #[inline(always)]
    pub(super) fn add32(a: &AtomicU32, n: u32) {
        #[cfg(all(not(loom), target_arch = "x86_64"))]
        // SAFETY: as in `inc`.
        unsafe {
            core::arch::asm!("addl {n:e}, ({p})", p = in(reg) a.as_ptr(), n = in(reg) n,
                options(att_syntax, nostack))
        };
        #[cfg(any(loom, not(target_arch = "x86_64")))]
        a.fetch_add(n, Ordering::Relaxed);
    }

    /// Replaces `*a` by `new` if it is `old`; whether it was.
    #[inline(always)]
    pub(super) fn cmpxchg(a: &AtomicU64, old: u64, new: u64) -> bool {
        #[cfg(all(not(loom), target_arch = "x86_64"))]
        {
            let prev: u64;
            // SAFETY: as in `inc`: `cmpxchg` without `lock` cannot be split by an interrupt.
            unsafe {
                core::arch::asm!("cmpxchgq {new}, ({p})", p = in(reg) a.as_ptr(),
                    new = in(reg) new, inout("rax") old => prev, options(att_syntax, nostack))
            };
            prev == old
        }
        #[cfg(any(loom, not(target_arch = "x86_64")))]
        a.compare_exchange(old, new, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    }
}

/// Smallest sub-buffer.
#[allow(
    dead_code,
    reason = "a bound CpuRing::new documents; tracer.rs's one size is inside"
)]
pub const SUB_SIZE_MIN: usize = 256;

/// Largest sub-buffer (offsets are kept in 32 bits, record lengths in 16).
#[allow(
    dead_code,
    reason = "a bound CpuRing::new documents; tracer.rs's one size is inside"
)]
pub const SUB_SIZE_MAX: usize = 65536;

/// What the writer needs from where it runs: the clock and the current task. The kernel's is
/// `local_clock()` and `current`; host tests give their own.
pub trait WriterContext {
    /// The time, in nanoseconds; never decreasing on one CPU.
    fn now(&self) -> u64;
    /// An identity of the running task (e.g. its address, and its pid mixed with the start of
    /// its name), compared to the last writer's: a change writes a context record.
    fn task(&self) -> [u64; 2];
    /// What a context record says of the running task.
    fn context(&self) -> Context;
}

/// Where the ring tracer's sink runs, besides the writer's context: the CPU and a guard that
/// keeps preemption off. The kernel's is `smp_processor_id()` and the RCU-sched read guard
/// (sinks/ring/tracer.rs); the host benchmark (bench/host) gives its own, so that it runs the
/// kernel's write path on the real CPU.
pub trait Platform: WriterContext {
    /// Keeps preemption off while it lives.
    type NoPreempt;
    /// Disables preemption until the guard goes.
    #[allow(
        dead_code,
        reason = "called by the host benchmark; in the kernel the marker site's RCU-sched read \
                  side already keeps preemption off around the sink"
    )]
    fn no_preempt(&self) -> Self::NoPreempt;
    /// This CPU's number (preemption is off).
    fn cpu(&self) -> usize;
}

/// A tracer's buffer of one CPU, as [`reserve_on`] finds its ring.
pub trait HasRing {
    /// The ring.
    fn ring(&self) -> &CpuRing;
}

/// The ring tracer sink's reservation: a marker record of `id` with `len` bytes of payload in
/// this CPU's ring among `bufs` (indexed by CPU), and the buffer it is in (whose ring commits
/// it). An id past 16 bits becomes 0, which the ring refuses (and counts as dropped), as it does
/// a payload too large. `None` if this CPU has no buffer or the ring refused the record.
///
/// # Safety
///
/// As [`CpuRing::reserve`]: preemption is off until the commit, which goes to the returned
/// buffer's ring, commits last in, first out on this CPU. And, since `Platform` and `HasRing` are
/// safe traits whose answers this relies on: `p.cpu()` is the CPU running the caller, and
/// `bufs[cpu].ring()` is the ring of CPU `cpu`, written by no other CPU's writers.
#[inline(always)]
pub unsafe fn reserve_on<'a, B: HasRing>(
    bufs: &'a [B],
    p: &impl Platform,
    id: u32,
    len: usize,
) -> Option<(core::ptr::NonNull<u8>, &'a B)> {
    let buf = bufs.get(p.cpu())?;
    let id = u16::try_from(id).unwrap_or(0);
    // SAFETY: this CPU's ring, written only by this CPU's writers (preemption is off, so the CPU
    // stays), whose reservations they commit last in, first out: the caller's promises.
    let at = unsafe { buf.ring().reserve(id, len, p) }?;
    Some((core::ptr::NonNull::new(at)?, buf))
}

/// The shape of a buffer: `nsub` sub-buffers of `1 << sub_shift` bytes, both powers of two, and
/// the masks that split a position, computed once so that the writer's arithmetic is shifts and
/// masks without a check (shifts by `sub_shift < 64` and masks cannot overflow).
#[derive(Clone, Copy)]
struct Geometry {
    sub_shift: u32,
    /// `sub_size - 1`: a position's offset in its sub-buffer.
    sub_mask: u64,
    /// The number of sub-buffers.
    nsub: u64,
    /// `nsub - 1`: a sub-buffer's slot.
    nsub_mask: u64,
    /// `size - 1`: a position's offset in the data (its slot's start plus its offset).
    data_mask: u64,
    /// The largest payload of a marker's record.
    max_payload: usize,
}

impl Geometry {
    #[inline(always)]
    fn sub_size(self) -> usize {
        self.sub_mask as usize + 1
    }

    /// The sub-buffer of the stream that holds `pos`.
    #[inline(always)]
    fn sub(self, pos: u64) -> u64 {
        pos.wrapping_shr(self.sub_shift)
    }

    /// The start of sub-buffer `sub` of the stream.
    #[inline(always)]
    fn start(self, sub: u64) -> u64 {
        sub.wrapping_shl(self.sub_shift)
    }

    /// `pos`'s offset in its sub-buffer.
    #[inline(always)]
    fn offset(self, pos: u64) -> usize {
        (pos & self.sub_mask) as usize
    }

    /// The slot of sub-buffer `sub`.
    #[inline(always)]
    fn slot(self, sub: u64) -> usize {
        (sub & self.nsub_mask) as usize
    }
}

/// What one sub-buffer keeps besides its data (one per slot, given to [`CpuRing::new`]).
pub struct SubBuf {
    /// Where its data end, noted by the writer that leaves it.
    data_end: AtomicU32,
    /// The marker records in it: the sub-buffer's number (low 32 bits) in the high 32 bits, the
    /// count in the low 32, so that a writer entering the slot again starts from 0.
    events: AtomicU64,
    /// The marker records before it in the stream; set by the outermost commit after it starts.
    base: AtomicU64,
}

impl SubBuf {
    /// A slot of a new buffer.
    pub fn new() -> Self {
        Self {
            data_end: AtomicU32::new(0),
            events: AtomicU64::new(0),
            base: AtomicU64::new(0),
        }
    }
}

impl Default for SubBuf {
    fn default() -> Self {
        Self::new()
    }
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
    /// Its length in the buffer (header, payload, padding); 0 if it was being overwritten.
    pub len: usize,
    /// Its header.
    pub header: RawHeader,
}

/// One CPU's buffer.
///
/// # Invariants
///
/// `data` points to `sub_size * nsub` bytes, 8-byte aligned, and `subs` to `nsub` [`SubBuf`]s,
/// both valid for as long as the ring; `g` describes them: `sub_size` and `nsub` are powers of
/// two, `SUB_SIZE_MIN <= sub_size <= SUB_SIZE_MAX`, `nsub >= 2`. Only writers of one CPU, which nest last-in first-out, call `reserve` and
/// `commit` (their contract), so the fields marked writer-local are changed by one CPU only.
pub struct CpuRing {
    data: *mut u8,
    subs: *const SubBuf,
    g: Geometry,
    overwrite: AtomicBool,
    head: AtomicU64,
    committed: AtomicU64,
    read: AtomicU64,
    /// Marker records consumed in `read`'s sub-buffer before `read` (changed by consumers).
    read_in_sub: AtomicU64,
    /// Writer-local: writers inside `reserve`..`commit`.
    nesting: AtomicU32,
    /// Writer-local: the time and the task of the last reservation.
    last_ts: AtomicU64,
    last_task: [AtomicU64; 2],
    entries: AtomicU64,
    consumed: AtomicU64,
    dropped: AtomicU64,
    /// The first drop not reported yet: its position and time (set by the writer when
    /// `loss_open` is clear, cleared by the reader that reports it).
    loss_open: AtomicBool,
    loss_pos: AtomicU64,
    loss_ts: AtomicU64,
}

// SAFETY: the buffer is shared by design: writers own their reservations until they commit,
// readers only read committed records and validate their copies (see the module docs).
unsafe impl Sync for CpuRing {}
// SAFETY: as above; the pointers are to memory owned by whoever owns the ring.
unsafe impl Send for CpuRing {}

impl CpuRing {
    /// A ring over `data` (`sub_size * nsub` bytes) and `subs` (`nsub` slots).
    ///
    /// # Safety
    ///
    /// `data` is 8-byte aligned, `sub_size * nsub` bytes long, and with `subs` valid and used
    /// by nothing else for as long as the ring exists; `sub_size` is a power of two from
    /// [`SUB_SIZE_MIN`] to [`SUB_SIZE_MAX`]; `nsub` is a power of two of at least 2.
    pub unsafe fn new(data: *mut u8, subs: *const SubBuf, sub_size: usize, nsub: usize) -> Self {
        Self {
            data,
            subs,
            g: Geometry {
                sub_shift: sub_size.trailing_zeros(),
                sub_mask: sub_size as u64 - 1,
                nsub: nsub as u64,
                nsub_mask: nsub as u64 - 1,
                data_mask: (sub_size * nsub) as u64 - 1,
                max_payload: sub_size - 8 - CONTEXT_RECORD - HEADER_LEN,
            },
            overwrite: AtomicBool::new(false),
            head: AtomicU64::new(0),
            committed: AtomicU64::new(0),
            read: AtomicU64::new(0),
            read_in_sub: AtomicU64::new(0),
            nesting: AtomicU32::new(0),
            last_ts: AtomicU64::new(0),
            last_task: [AtomicU64::new(0), AtomicU64::new(0)],
            entries: AtomicU64::new(0),
            consumed: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            loss_open: AtomicBool::new(false),
            loss_pos: AtomicU64::new(0),
            loss_ts: AtomicU64::new(0),
        }
    }

    /// Empties the buffer in place: no record, every counter at 0, the mode kept. The data are
    /// left as they are (readers never look past `committed`, and writers clear the padding
    /// they leave). `&mut`: no writer or reader may be inside the ring meanwhile (the tracer
    /// unpublishes its buffers and waits for a grace period first).
    pub fn reset(&mut self) {
        for a in [
            &self.head,
            &self.committed,
            &self.read,
            &self.read_in_sub,
            &self.last_ts,
            &self.last_task[0],
            &self.last_task[1],
            &self.entries,
            &self.consumed,
            &self.dropped,
            &self.loss_pos,
            &self.loss_ts,
        ] {
            a.store(0, Ordering::Relaxed);
        }
        self.nesting.store(0, Ordering::Relaxed);
        self.loss_open.store(false, Ordering::Relaxed);
        for i in 0..self.g.nsub {
            let slot = self.slot(i);
            slot.data_end.store(0, Ordering::Relaxed);
            slot.events.store(0, Ordering::Relaxed);
            slot.base.store(0, Ordering::Relaxed);
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

    #[inline(always)]
    fn sub_size(&self) -> usize {
        self.g.sub_size()
    }

    /// The largest reservation a sub-buffer takes (context record included): a sub-buffer is
    /// never filled to its very end, so that only a writer moving to the next one ever starts a
    /// sub-buffer.
    pub fn max_record(&self) -> usize {
        self.sub_size() - 8
    }

    /// The largest payload a marker's record may have here.
    #[allow(
        dead_code,
        reason = "for the host's tests and loom model (rust/tests/loom_ring.rs)"
    )]
    pub fn max_payload(&self) -> usize {
        self.g.max_payload
    }

    /// Bytes of data, all sub-buffers together.
    #[allow(dead_code, reason = "the tracer sizes its buffers itself")]
    pub fn size(&self) -> usize {
        self.g.data_mask as usize + 1
    }

    #[inline(always)]
    fn sub(&self, pos: u64) -> u64 {
        self.g.sub(pos)
    }

    #[inline(always)]
    fn offset(&self, pos: u64) -> usize {
        self.g.offset(pos)
    }

    #[inline(always)]
    fn slot(&self, sub: u64) -> &SubBuf {
        // SAFETY: by the type invariant `subs` has `nsub` entries; the slot is below `nsub`.
        unsafe { &*self.subs.add(self.g.slot(sub)) }
    }

    /// The address of position `pos`: its slot's start plus its offset, `pos` modulo the size.
    #[inline(always)]
    fn at(&self, pos: u64) -> *mut u8 {
        // SAFETY: below the size of `data` (type invariant).
        unsafe { self.data.add((pos & self.g.data_mask) as usize) }
    }

    /// Copies `out.len()` bytes (a multiple of 4) at `pos` (4-byte aligned, the bytes inside
    /// one sub-buffer), which may be overwritten meanwhile: word by word with volatile loads,
    /// the copy being validated afterwards by the caller.
    fn copy_out(&self, pos: u64, out: &mut [u8]) {
        debug_assert!(pos & 3 == 0 && self.offset(pos) + out.len() <= self.sub_size());
        let from = self.at(pos).cast::<u32>();
        for (i, chunk) in out.chunks_exact_mut(4).enumerate() {
            // SAFETY: `pos` is 4-byte aligned and the words are inside one sub-buffer (checked
            // by every caller), so `from + i` is an aligned word of `data`; a concurrent
            // overwrite only makes the copy invalid, and the caller discards it then.
            let word = unsafe { from.add(i).read_volatile() };
            chunk.copy_from_slice(&word.to_ne_bytes());
        }
    }

    /// Adds a marker record to sub-buffer `q`'s count (writer-local).
    #[inline(always)]
    fn count_event(&self, q: u64) {
        let events = &self.slot(q).events;
        let tag = (q as u32 as u64) << 32;
        loop {
            let v = events.load(Ordering::Relaxed);
            // The tag of the sub-buffer of a reservation not committed yet cannot change under
            // its writer: the slot is reused only after `committed` passed it.
            if v & !0xffff_ffff == tag {
                local::inc(events);
                return;
            }
            // First record of this sub-buffer: the count starts again.
            if local::cmpxchg(events, v, tag | 1) {
                return;
            }
        }
    }

    /// Marker records in sub-buffer `q`, if its slot still holds it.
    fn events_in(&self, q: u64) -> u64 {
        let v = self.slot(q).events.load(Ordering::Relaxed);
        if v >> 32 == q as u32 as u64 {
            v & 0xffff_ffff
        } else {
            0
        }
    }

    /// Room for a marker's record of `id` with `payload_len` bytes, stamped with the time and
    /// task of `w`: the header is written, the payload is the caller's to write, then it calls
    /// [`Self::commit`]. `None`: the record is counted as dropped, and there is nothing to
    /// commit.
    ///
    /// # Safety
    ///
    /// Only writers of the CPU this ring belongs to call it, with preemption disabled until
    /// their commit; they commit last reserved, first committed (an interrupt's reservation
    /// before the one it interrupted). The pointer returned is `payload_len` writable bytes,
    /// the caller's until it commits.
    pub unsafe fn reserve(
        &self,
        id: u16,
        payload_len: usize,
        w: &impl WriterContext,
    ) -> Option<*mut u8> {
        // Read once: the asm of the writer-local updates is a compiler barrier, after which the
        // fields of `self` would be loaded again.
        let g = self.g;
        local::inc(&self.entries);
        local::add32(&self.nesting, 1);
        compiler_fence(Ordering::SeqCst);
        if payload_len > g.max_payload || id == 0 || id > ID_MAX {
            return self.drop_record(self.head.load(Ordering::Relaxed), w.now());
        }
        // `max_payload < SUB_SIZE_MAX`: the length fits 16 bits, and none of the sums of
        // lengths and offsets below a sub-buffer's size overflows.
        let len = payload_len as u16;
        let rec = payload_len.wrapping_add(HEADER_LEN + ALIGN - 1) & !(ALIGN - 1);
        let with_context = rec.wrapping_add(CONTEXT_RECORD);
        let task = w.task();
        loop {
            let head = self.head.load(Ordering::Relaxed);
            // Read inside the loop: a writer that reserves after this read makes the
            // `compare_exchange` below fail, so times follow buffer order.
            let ts = w.now();
            let off = g.offset(head);
            // An interrupt between the two stores below sees half of the identity changed:
            // it writes a context record more, never one less.
            let new_task = self.last_task[0].load(Ordering::Relaxed) != task[0]
                || self.last_task[1].load(Ordering::Relaxed) != task[1];
            let new_high = (self.last_ts.load(Ordering::Relaxed) ^ ts) >> 32 != 0;
            let mut prefix = if off == 0 || new_task {
                CONTEXT_RECORD
            } else if new_high {
                TIME_RECORD
            } else {
                0
            };
            // Positions are byte counts that never wrap in practice (2^64 bytes).
            let start;
            let total = prefix.wrapping_add(rec);
            if off.wrapping_add(total) < g.sub_size() {
                if !local::cmpxchg(&self.head, head, head.wrapping_add(total as u64)) {
                    continue;
                }
                start = head;
            } else {
                // Move to the next sub-buffer, if the reader has left the one it reuses; it
                // starts with a context record.
                prefix = CONTEXT_RECORD;
                let next = g.sub(head).wrapping_add(1);
                let read = self.read.load(Ordering::Acquire);
                if next.wrapping_sub(g.sub(read)) >= g.nsub {
                    if !self.overwrite() {
                        return self.drop_record(head, ts);
                    }
                    let victim_end = g.start(next.wrapping_sub(g.nsub).wrapping_add(1));
                    // An interrupted writer's record may still be in the oldest sub-buffer.
                    if self.committed.load(Ordering::Relaxed) < victim_end {
                        return self.drop_record(head, ts);
                    }
                    // Acquire: the writes into the reused sub-buffer stay after this push.
                    if self
                        .read
                        .compare_exchange(read, victim_end, Ordering::AcqRel, Ordering::Relaxed)
                        .is_err()
                    {
                        // A reader consumed meanwhile: look again.
                        continue;
                    }
                    // The reused sub-buffer's new bytes stay after the push (`smp_wmb()`; a
                    // no-op on x86).
                    fence(Ordering::Release);
                }
                start = g.start(next);
                if !local::cmpxchg(&self.head, head, start.wrapping_add(with_context as u64)) {
                    continue;
                }
                // Published by this writer's commit, before which no reader passes `head`.
                self.slot(next.wrapping_sub(1))
                    .data_end
                    .store(off as u32, Ordering::Relaxed);
            }
            self.last_ts.store(ts, Ordering::Relaxed);
            self.last_task[0].store(task[0], Ordering::Relaxed);
            self.last_task[1].store(task[1], Ordering::Relaxed);
            self.count_event(g.sub(start));
            let at = self.at(start);
            if prefix == CONTEXT_RECORD {
                // SAFETY: the reservation is `prefix + rec` bytes at `at`, ours until commit.
                let out = unsafe { &mut *at.cast::<[u8; CONTEXT_RECORD]>() };
                write_context(out, ts, &w.context());
            } else if prefix == TIME_RECORD {
                // SAFETY: as above.
                let out = unsafe { &mut *at.cast::<[u8; TIME_RECORD]>() };
                write_time(out, ts);
            }
            // SAFETY: inside the reservation, 4-byte aligned (positions and lengths are).
            let record = unsafe { at.add(prefix) };
            // The padding is zero whatever the slot held before: the last word is cleared, then
            // the payload written over its first bytes.
            // SAFETY: `rec >= HEADER_LEN`: the record's last word, aligned.
            unsafe { record.add(rec.wrapping_sub(4)).cast::<u32>().write(0) };
            // SAFETY: the header's 8 bytes, at the record's start.
            unsafe {
                record
                    .cast::<[u8; HEADER_LEN]>()
                    .write(RawHeader::new(id, len, ts).to_bytes())
            };
            // SAFETY: the payload follows the header, inside the reservation.
            return Some(unsafe { record.add(HEADER_LEN) });
        }
    }

    /// Drops a record that would have gone at `head` at time `ts`: the first drop not reported
    /// yet is noted there, for readers to report the loss where it happened.
    fn drop_record(&self, head: u64, ts: u64) -> Option<*mut u8> {
        local::inc(&self.dropped);
        if !self.loss_open.load(Ordering::Relaxed) {
            self.loss_pos.store(head, Ordering::Relaxed);
            self.loss_ts.store(ts, Ordering::Relaxed);
            // Release: the position and time are visible before the flag.
            self.loss_open.store(true, Ordering::Release);
        }
        self.finish();
        None
    }

    /// The first drop not reported yet, if noted: the position the record would have had (the
    /// records before it came before the loss) and the time.
    pub fn loss(&self) -> Option<(u64, u64)> {
        if !self.loss_open.load(Ordering::Acquire) {
            return None;
        }
        Some((
            self.loss_pos.load(Ordering::Relaxed),
            self.loss_ts.load(Ordering::Relaxed),
        ))
    }

    /// The drops noted are reported: the next drop is noted again.
    pub fn clear_loss(&self) {
        self.loss_open.store(false, Ordering::Release);
    }

    /// Publishes the record written at what [`Self::reserve`] returned last on this CPU (and,
    /// if this is the outermost writer, every record reserved before).
    ///
    /// # Safety
    ///
    /// A writer of this ring's CPU, preemption still disabled, whose [`Self::reserve`] returned
    /// a record not committed yet, every reservation taken after it on this CPU committed.
    #[inline(always)]
    pub unsafe fn commit(&self) {
        self.finish();
    }

    /// Ends a writer: an inner one only leaves; the outermost publishes everything reserved,
    /// again if an interrupt reserved and committed between its load of `head` and its leaving.
    #[inline(always)]
    fn finish(&self) {
        let g = self.g;
        compiler_fence(Ordering::SeqCst);
        loop {
            if self.nesting.load(Ordering::Relaxed) != 1 {
                local::add32(&self.nesting, u32::MAX);
                return;
            }
            let head = self.head.load(Ordering::Relaxed);
            // No writer is inside a reservation now: the counts of the sub-buffers entered
            // since the last publication are final, and give each its records before.
            let old = self.committed.load(Ordering::Relaxed);
            let mut q = g.sub(old);
            while q < g.sub(head) {
                let base = self.slot(q).base.load(Ordering::Relaxed) + self.events_in(q);
                q = q.wrapping_add(1);
                self.slot(q).base.store(base, Ordering::Relaxed);
            }
            // Release: the records' bytes (and the counts) are visible before their
            // publication.
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
    /// where it was, its length (which may be more than `out`: then nothing is copied, and the
    /// caller may skip it) and its header. The copy is not validated yet: see
    /// [`Self::consume`] and [`Self::still_valid`]. A `pos` that is not a record's is read as
    /// one, harmlessly: its copy is garbage, not out of bounds.
    pub fn peek(&self, mut pos: u64, end: u64, out: &mut [u8]) -> Option<Found> {
        let committed = self.committed().min(end);
        loop {
            if pos >= committed || pos & 3 != 0 {
                return None;
            }
            let sub = self.sub(pos);
            let sub_end = self.g.start(sub + 1);
            // The writer left this sub-buffer: its data end where it noted.
            if sub_end <= committed
                && self.offset(pos) >= self.slot(sub).data_end.load(Ordering::Relaxed) as usize
            {
                pos = sub_end;
                continue;
            }
            let mut bytes = [0u8; HEADER_LEN];
            if self.offset(pos) + HEADER_LEN > self.sub_size() {
                return Some(Found {
                    pos,
                    len: 0,
                    header: RawHeader::new(0, 0, 0),
                });
            }
            self.copy_out(pos, &mut bytes);
            let header = RawHeader::new(0, 0, 0);
            let header = RawHeader::decode(&bytes).unwrap_or(header);
            let len = header.record_len();
            if len > self.max_record() || self.offset(pos) + len > self.sub_size() {
                // Overwritten while we looked: the caller validates and retries.
                return Some(Found {
                    pos,
                    len: 0,
                    header,
                });
            }
            if let Some(out) = out.get_mut(..len) {
                self.copy_out(pos, out);
            }
            return Some(Found { pos, len, header });
        }
    }

    /// Whether a copy made by [`Self::peek`] at `pos` is intact: the writer has not taken its
    /// sub-buffer back since (for readers that do not consume).
    pub fn still_valid(&self, pos: u64) -> bool {
        fence(Ordering::Acquire);
        self.read.load(Ordering::Relaxed) <= pos
    }

    /// What a decoder knows at `pos`, a record's position: the context and time records of its
    /// sub-buffer before it, taken in from the sub-buffer's start (which is a context record).
    /// `None` if the sub-buffer was overwritten meanwhile: read again from [`Self::read_pos`].
    pub fn state_at(&self, pos: u64) -> Option<Decoder> {
        let mut decoder = Decoder::new();
        let mut at = pos & !(self.sub_size() as u64 - 1);
        let mut buf = [0u8; CONTEXT_RECORD];
        while at < pos {
            let found = self.peek(at, pos, &mut buf)?;
            if found.len == 0 || found.pos != at {
                return None;
            }
            let h = found.header;
            if h.id == CONTEXT_ID || h.id == TIME_ID {
                let payload = buf.get(HEADER_LEN..HEADER_LEN + h.len as usize)?;
                decoder.apply(&h, payload).ok()?;
            } else if h.is_event() {
                decoder.ts = decoder.time_of(&h);
            }
            at += found.len as u64;
        }
        // The sub-buffer is reused only once `read` passed its end.
        let sub_last = self.g.start(self.sub(pos)) + self.sub_size() as u64 - 1;
        self.still_valid(sub_last).then_some(decoder)
    }

    /// Consumes the record `found` that [`Self::peek`] copied from `from` (the position the
    /// reader asked for): true if the copy is intact and now consumed, false if the writer
    /// took the sub-buffer back (the record was counted as overrun; read again from
    /// [`Self::read_pos`]) or another reader consumed it first. Consumers are serialised by
    /// their caller.
    pub fn consume(&self, from: u64, found: Found) -> bool {
        if found.len == 0 {
            return false;
        }
        let to = found.pos + found.len as u64;
        // Records consumed in `to`'s sub-buffer before `to`, as `counters` needs them.
        let event = u64::from(found.header.is_event());
        let before = if self.offset(found.pos) == 0 || self.sub(from) != self.sub(found.pos) {
            0
        } else {
            self.read_in_sub.load(Ordering::Relaxed)
        };
        // Release: the copy is made before the record is given up.
        let ok = self
            .read
            .compare_exchange(from, to, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok();
        if ok {
            self.read_in_sub.store(before + event, Ordering::Relaxed);
            self.consumed.fetch_add(event, Ordering::Relaxed);
        }
        ok
    }

    /// The counters. `overrun` is derived from the positions: the marker records before
    /// `read` that no reader consumed. Exact when no consumer runs meanwhile (consumers and
    /// this are serialised by the caller); `in_buffer` includes records being written.
    pub fn counters(&self) -> Counters {
        loop {
            let read = self.read.load(Ordering::Acquire);
            let sub = self.sub(read);
            let in_sub = if self.offset(read) == 0 {
                0
            } else {
                self.read_in_sub.load(Ordering::Relaxed)
            };
            let before = self.slot(sub).base.load(Ordering::Relaxed) + in_sub;
            let consumed = self.consumed.load(Ordering::Relaxed);
            fence(Ordering::Acquire);
            // The slot's count belongs to `sub` while `read` has not moved past it.
            if self.read.load(Ordering::Relaxed) != read {
                continue;
            }
            return Counters {
                entries: self.entries.load(Ordering::Relaxed),
                read: consumed,
                dropped: self.dropped.load(Ordering::Relaxed),
                overrun: before.saturating_sub(consumed),
            };
        }
    }
}

/// What the readers of one CPU's buffer reported of its losses (kept by the caller beside the
/// ring; used by consumers, which the caller serialises).
#[derive(Debug, Default)]
pub struct LossReports {
    dropped: AtomicU64,
    overrun: AtomicU64,
}

/// Losses to report, as [`LossReports::due`] finds them; reported once [`LossReports::mark`]ed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueLoss {
    /// Records lost.
    pub count: u64,
    /// When, for drops (the first one's time); `None` for overruns only.
    pub ts: Option<u64>,
    dropped: u64,
    overrun: u64,
    clear: bool,
}

impl LossReports {
    /// Nothing reported yet.
    pub fn new() -> Self {
        Self {
            dropped: AtomicU64::new(0),
            overrun: AtomicU64::new(0),
        }
    }

    /// The losses of `ring` to report before its next record (at its read position): every
    /// overrun not reported yet (the overwritten records were before it), and the drops not
    /// reported yet once every record before the first of them is consumed (the records before
    /// a drop in the buffer came before it).
    pub fn due(&self, ring: &CpuRing) -> Option<DueLoss> {
        let c = ring.counters();
        let overrun = c
            .overrun
            .saturating_sub(self.overrun.load(Ordering::Relaxed));
        let drops = c
            .dropped
            .saturating_sub(self.dropped.load(Ordering::Relaxed));
        let loss = ring.loss();
        let drops_due = drops > 0
            && match loss {
                None => true,
                Some((pos, _)) => pos <= ring.read_pos(),
            };
        let count = overrun + if drops_due { drops } else { 0 };
        (count > 0).then(|| DueLoss {
            count,
            ts: if drops_due {
                loss.map(|(_, ts)| ts)
            } else {
                None
            },
            dropped: if drops_due {
                c.dropped
            } else {
                self.dropped.load(Ordering::Relaxed)
            },
            overrun: c.overrun,
            clear: drops_due && loss.is_some(),
        })
    }

    /// `due` was reported (to a reader that got it).
    pub fn mark(&self, ring: &CpuRing, due: &DueLoss) {
        self.dropped.store(due.dropped, Ordering::Relaxed);
        self.overrun.store(due.overrun, Ordering::Relaxed);
        if due.clear {
            ring.clear_loss();
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::ring_record::{Header, Records, LOST_ID};
    use std::cell::Cell;
    use std::sync::Arc;

    struct Owned {
        data: Vec<u64>,
        _subs: Vec<SubBuf>,
        ring: CpuRing,
    }

    fn ring(sub_size: usize, nsub: usize, overwrite: bool) -> Arc<Owned> {
        // Stale bytes everywhere, as after a wrap: padding must still come out zero.
        let mut data = vec![0xaaaa_aaaa_aaaa_aaaau64; sub_size * nsub / 8];
        let subs: Vec<SubBuf> = (0..nsub).map(|_| SubBuf::new()).collect();
        // SAFETY: both vectors live in `Owned` with the ring and are not moved (heap storage).
        let ring = unsafe { CpuRing::new(data.as_mut_ptr().cast(), subs.as_ptr(), sub_size, nsub) };
        ring.set_overwrite(overwrite);
        Arc::new(Owned {
            data,
            _subs: subs,
            ring,
        })
    }

    /// A writer's clock and task, set by the test.
    struct W {
        ts: Cell<u64>,
        /// Added to the clock after each read.
        step: Cell<u64>,
        pid: Cell<i32>,
        /// Called on the next clock read (once): an interrupt between the clock read and the
        /// reservation.
        nested: Cell<Option<Box<dyn FnOnce()>>>,
    }

    impl W {
        fn new(ts: u64, pid: i32) -> Self {
            Self {
                ts: Cell::new(ts),
                step: Cell::new(0),
                pid: Cell::new(pid),
                nested: Cell::new(None),
            }
        }
    }

    fn comm_of(pid: i32) -> [u8; 16] {
        let mut comm = [0u8; 16];
        let name = format!("task{pid}");
        comm[..name.len()].copy_from_slice(name.as_bytes());
        comm
    }

    impl WriterContext for W {
        fn now(&self) -> u64 {
            let ts = self.ts.get();
            self.ts.set(ts + self.step.get());
            if let Some(f) = self.nested.take() {
                f();
            }
            ts
        }
        fn task(&self) -> [u64; 2] {
            [1, self.pid.get() as u64]
        }
        fn context(&self) -> Context {
            Context {
                pid: self.pid.get(),
                tgid: self.pid.get() + 1,
                comm: comm_of(self.pid.get()),
            }
        }
    }

    /// Writes a record of marker `id` whose payload is `payload_len` bytes of `seq`'s bytes, at
    /// the writer's time.
    fn write(ring: &CpuRing, w: &W, id: u16, seq: u64, payload_len: usize) -> bool {
        // SAFETY: one writer (this thread), committing right after.
        let Some(at) = (unsafe { ring.reserve(id, payload_len, w) }) else {
            return false;
        };
        // SAFETY: `reserve` gave room for the payload, ours until `commit`.
        let out = unsafe { core::slice::from_raw_parts_mut(at, payload_len) };
        for (i, b) in out.iter_mut().enumerate() {
            *b = seq.to_le_bytes()[i % 8];
        }
        // SAFETY: the reservation above, the last one.
        unsafe { ring.commit() };
        true
    }

    /// A consuming reader with its decoder.
    struct Reader {
        decoder: Option<Decoder>,
        buf: Vec<u8>,
    }

    impl Reader {
        fn new() -> Self {
            Self {
                decoder: None,
                buf: vec![0u8; 65536],
            }
        }

        /// Consumes up to the next marker record or notice: its header and payload, checked
        /// to be intact (the payload repeats the bytes of its sequence number, which is its
        /// first 8 bytes).
        fn next(&mut self, ring: &CpuRing) -> Option<(Header, Vec<u8>)> {
            loop {
                let from = ring.read_pos();
                let mut decoder = match self.decoder {
                    Some(d) => d,
                    None => match ring.state_at(from) {
                        Some(d) => d,
                        None => continue,
                    },
                };
                let found = ring.peek(from, u64::MAX, &mut self.buf)?;
                if !ring.consume(from, found) {
                    // Overwritten: start again from the oldest record left.
                    self.decoder = None;
                    continue;
                }
                let raw = found.header;
                let payload = &self.buf[HEADER_LEN..HEADER_LEN + raw.len as usize];
                let got = decoder.apply(&raw, payload).expect("malformed record");
                self.decoder = Some(decoder);
                if let Some(h) = got {
                    if h.len >= 8 {
                        let seq = &payload[..8];
                        for (i, b) in payload.iter().enumerate() {
                            assert_eq!(*b, seq[i % 8], "torn record {h:?}");
                        }
                    }
                    let padding = &self.buf[HEADER_LEN + raw.len as usize..found.len];
                    assert!(padding.iter().all(|&b| b == 0), "padding {padding:?}");
                    return Some((h, payload.to_vec()));
                }
            }
        }
    }

    fn seq_of(payload: &[u8]) -> u64 {
        u64::from_le_bytes(payload[..8].try_into().unwrap())
    }

    #[test]
    fn records_come_back_in_order_with_time_and_task() {
        let o = ring(256, 4, false);
        let w = W::new(1000, 7);
        for seq in 0..20u64 {
            w.ts.set(1000 + seq);
            w.pid.set(7 + (seq / 5) as i32);
            assert!(write(&o.ring, &w, 1, seq, 20));
        }
        let mut r = Reader::new();
        for seq in 0..20u64 {
            let (h, p) = r.next(&o.ring).unwrap();
            let pid = 7 + (seq / 5) as i32;
            assert_eq!(
                (h.ts, h.pid, h.tgid, h.comm, h.id, p.len(), seq_of(&p)),
                (1000 + seq, pid, pid + 1, comm_of(pid), 1, 20, seq)
            );
        }
        assert!(r.next(&o.ring).is_none());
        let c = o.ring.counters();
        assert_eq!((c.entries, c.read, c.lost(), c.in_buffer()), (20, 20, 0, 0));
    }

    /// Every sub-buffer starts with a context record; the bench event (28 payload bytes) takes
    /// 36 bytes.
    #[test]
    fn sub_buffers_start_with_context_and_records_are_compact() {
        let o = ring(256, 4, false);
        let w = W::new(5, 3);
        for seq in 0..15u64 {
            assert!(write(&o.ring, &w, 2, seq, 28));
        }
        // 256-byte sub-buffers: a 40-byte context record, then 36-byte records while one more
        // leaves a byte free: 5 of them (220 < 256, 256 would be its very end).
        let bytes: Vec<u8> = o.data.iter().flat_map(|w| w.to_ne_bytes()).collect();
        for sub in 0..3 {
            let s = &bytes[sub * 256..];
            let h = RawHeader::decode(s).unwrap();
            assert_eq!((h.id, h.len), (CONTEXT_ID, 32), "sub-buffer {sub}");
            let e = RawHeader::decode(&s[40..]).unwrap();
            assert_eq!((e.id, e.len, e.record_len()), (2, 28, 36));
            assert_eq!(RawHeader::decode(&s[40 + 4 * 36..]).unwrap().id, 2);
        }
        assert_eq!(o.ring.slot(0).data_end.load(Ordering::Relaxed), 40 + 5 * 36);
        let mut r = Reader::new();
        for seq in 0..15u64 {
            let (h, p) = r.next(&o.ring).unwrap();
            assert_eq!((h.ts, h.pid, seq_of(&p)), (5, 3, seq));
        }
    }

    #[test]
    fn time_extend_when_the_high_bits_change() {
        let o = ring(4096, 2, false);
        let w = W::new((1 << 32) - 10, 1);
        let times = [
            (1u64 << 32) - 10,
            (1 << 32) - 1,
            1 << 32,
            (1 << 32) + 5,
            3 << 32,
        ];
        for (seq, &t) in times.iter().enumerate() {
            w.ts.set(t);
            assert!(write(&o.ring, &w, 1, seq as u64, 8));
        }
        let bytes: Vec<u8> = o.data.iter().flat_map(|w| w.to_ne_bytes()).collect();
        let mut records = Records::new(&bytes[..o.ring.committed() as usize]);
        let got: Vec<u64> = records.by_ref().map(|(h, _)| h.ts).collect();
        assert_eq!(records.error(), None);
        assert_eq!(got, times);
        // Context, two records, extend, two records, extend, one record.
        let ids: Vec<u16> = {
            let mut at = 0;
            let mut ids = Vec::new();
            while (at as u64) < o.ring.committed() {
                let h = RawHeader::decode(&bytes[at..]).unwrap();
                ids.push(h.id);
                at += h.record_len();
            }
            ids
        };
        assert_eq!(ids, [CONTEXT_ID, 1, 1, TIME_ID, 1, 1, TIME_ID, 1]);
    }

    #[test]
    fn discard_mode_drops_the_newest_and_counts_them() {
        let o = ring(256, 4, false);
        let w = W::new(1, 1);
        let ok = (0..100u64)
            .filter(|&s| write(&o.ring, &w, 1, s, 20))
            .count();
        // 40-byte context, then 28-byte records: 7 per sub-buffer, 4 sub-buffers.
        assert_eq!(ok, 28);
        let c = o.ring.counters();
        assert_eq!(
            (c.entries, c.dropped, c.overrun, c.in_buffer()),
            (100, 72, 0, 28)
        );
        let mut r = Reader::new();
        for seq in 0..28u64 {
            assert_eq!(seq_of(&r.next(&o.ring).unwrap().1), seq);
        }
        // Room again once read.
        assert!(write(&o.ring, &w, 1, 100, 20));
        assert_eq!(seq_of(&r.next(&o.ring).unwrap().1), 100);
        let c = o.ring.counters();
        assert_eq!((c.entries, c.read + c.lost(), c.in_buffer()), (101, 101, 0));
    }

    /// In discard mode, a loss is reported after the records that came before it, with its
    /// time; in overwrite mode, before the records that survived it.
    #[test]
    fn losses_are_reported_where_they_happened() {
        let o = ring(256, 4, false);
        let w = W::new(1, 1);
        for s in 0..28u64 {
            w.ts.set(10 + s);
            assert!(write(&o.ring, &w, 1, s, 20));
        }
        for s in 0..10u64 {
            w.ts.set(100 + s);
            assert!(!write(&o.ring, &w, 1, s, 20));
        }
        let reports = LossReports::new();
        let mut r = Reader::new();
        for s in 0..28u64 {
            assert_eq!(reports.due(&o.ring), None, "before record {s}");
            assert_eq!(seq_of(&r.next(&o.ring).unwrap().1), s);
        }
        let due = reports.due(&o.ring).unwrap();
        assert_eq!((due.count, due.ts), (10, Some(100)));
        reports.mark(&o.ring, &due);
        assert_eq!(reports.due(&o.ring), None);
        // The next drop is noted again (three sub-buffers are free: the reader's is not).
        for s in 0..21u64 {
            w.ts.set(200 + s);
            assert!(write(&o.ring, &w, 1, s, 20));
        }
        w.ts.set(300);
        assert!(!write(&o.ring, &w, 1, 99, 20));
        while r.next(&o.ring).is_some() {}
        let due = reports.due(&o.ring).unwrap();
        assert_eq!((due.count, due.ts), (1, Some(300)));
        reports.mark(&o.ring, &due);

        // Overwrite: the overrun is due at once, before the oldest record left.
        let o = ring(256, 4, true);
        for s in 0..100u64 {
            assert!(write(&o.ring, &w, 1, s, 20));
        }
        let due = reports_for(&o.ring);
        let c = o.ring.counters();
        assert_eq!((due.count, due.ts), (c.overrun, None));
    }

    fn reports_for(ring: &CpuRing) -> DueLoss {
        LossReports::new().due(ring).unwrap()
    }

    #[test]
    fn overwrite_mode_keeps_the_newest_and_counts_the_overrun_exactly() {
        let o = ring(256, 4, true);
        let w = W::new(1, 1);
        for s in 0..100u64 {
            w.ts.set(10 + s);
            w.pid.set(1 + (s % 3) as i32);
            assert!(write(&o.ring, &w, 1, s, 20));
        }
        let c = o.ring.counters();
        assert_eq!(c.dropped, 0);
        // A reader that starts in an overwritten buffer: every record decodes, with its time
        // and task.
        let mut r = Reader::new();
        let mut seen = Vec::new();
        while let Some((h, p)) = r.next(&o.ring) {
            let s = seq_of(&p);
            assert_eq!((h.ts, h.pid), (10 + s, 1 + (s % 3) as i32));
            seen.push(s);
        }
        assert_eq!(*seen.last().unwrap(), 99);
        assert!(seen.windows(2).all(|w| w[1] == w[0] + 1));
        assert_eq!(c.overrun, 100 - seen.len() as u64);
        assert_eq!(c.in_buffer(), seen.len() as u64);
        let c2 = o.ring.counters();
        assert_eq!(
            (c2.entries, c2.read + c2.lost(), c2.in_buffer()),
            (100, 100, 0)
        );
    }

    /// A consumer stops in the middle of a sub-buffer; the writer then overwrites it: the
    /// overrun counts only what was not read.
    #[test]
    fn overrun_after_a_partial_read() {
        let o = ring(256, 4, true);
        let w = W::new(1, 1);
        let mut r = Reader::new();
        for s in 0..20u64 {
            write(&o.ring, &w, 1, s, 20);
        }
        for s in 0..3u64 {
            assert_eq!(seq_of(&r.next(&o.ring).unwrap().1), s);
        }
        assert_eq!(o.ring.counters().overrun, 0);
        for s in 20..60u64 {
            write(&o.ring, &w, 1, s, 20);
        }
        let c = o.ring.counters();
        assert!(c.overrun > 0);
        assert_eq!(c.entries, c.read + c.lost() + c.in_buffer());
        let mut left = 0;
        while r.next(&o.ring).is_some() {
            left += 1;
        }
        assert_eq!(left, c.in_buffer());
        let c = o.ring.counters();
        assert_eq!((c.entries, c.read + c.lost()), (60, 60));
    }

    #[test]
    fn too_large_records_and_bad_ids_are_dropped() {
        let o = ring(256, 4, false);
        let w = W::new(1, 1);
        let max = o.ring.max_payload();
        assert_eq!(max, 256 - 8 - 40 - 8);
        assert!(!write(&o.ring, &w, 1, 0, max + 1));
        assert!(!write(&o.ring, &w, 1, 0, 70000));
        assert!(!write(&o.ring, &w, 0, 0, 8));
        assert!(!write(&o.ring, &w, LOST_ID, 0, 8));
        assert!(!write(&o.ring, &w, CONTEXT_ID, 0, 8));
        assert!(write(&o.ring, &w, 1, 0, max));
        assert!(write(&o.ring, &w, 1, 1, max - 3));
        assert_eq!(o.ring.counters().dropped, 5);
        let mut r = Reader::new();
        assert_eq!(r.next(&o.ring).unwrap().1.len(), max);
        assert_eq!(r.next(&o.ring).unwrap().1.len(), max - 3);
    }

    #[test]
    fn nested_writers_publish_when_the_outermost_commits() {
        let o = ring(256, 4, false);
        let r = &o.ring;
        let w = W::new(49, 1);
        // A task reserves, an "interrupt" writes a whole record, then the task commits.
        // SAFETY: one writer; the nested one commits first.
        let outer = unsafe { r.reserve(1, 8, &w) }.unwrap();
        w.ts.set(50);
        assert!(write(r, &w, 2, 50, 8));
        let mut reader = Reader::new();
        assert!(
            reader.next(r).is_none(),
            "published before the outer writer committed"
        );
        // SAFETY: reserved above.
        unsafe { core::slice::from_raw_parts_mut(outer, 8) }.copy_from_slice(&49u64.to_le_bytes());
        // SAFETY: the outer reservation, the last not committed.
        unsafe { r.commit() };
        assert_eq!(reader.next(r).unwrap().0.ts, 49);
        assert_eq!(reader.next(r).unwrap().0.ts, 50);
    }

    /// An interrupt that writes between a writer's clock read and its reservation makes the
    /// writer read the clock again: times follow buffer order, the interrupt's first.
    #[test]
    fn times_are_monotonic_in_buffer_order_with_nesting() {
        let o = ring(256, 4, false);
        let w = W::new(100, 1);
        w.step.set(100);
        let inner = o.clone();
        w.nested.set(Some(Box::new(move || {
            let w2 = W::new(150, 2);
            assert!(write(&inner.ring, &w2, 2, 150, 8));
        })));
        // The clock reads 100, the interrupt writes at 150, the writer's reservation fails and
        // it reads the clock again: 200.
        assert!(write(&o.ring, &w, 1, 200, 8));
        let mut r = Reader::new();
        let (a, _) = r.next(&o.ring).unwrap();
        let (b, _) = r.next(&o.ring).unwrap();
        assert_eq!((a.id, a.ts, a.pid), (2, 150, 2));
        assert_eq!((b.id, b.ts, b.pid), (1, 200, 1));
        assert!(r.next(&o.ring).is_none());
    }

    #[test]
    fn peek_does_not_consume_and_stops_at_end() {
        let o = ring(256, 4, false);
        let w = W::new(1, 1);
        for s in 0..10 {
            write(&o.ring, &w, 1, s, 20);
        }
        let end = o.ring.committed();
        let mut pos = o.ring.read_pos();
        let mut buf = [0u8; 256];
        let mut n = 0;
        while let Some(f) = o.ring.peek(pos, end, &mut buf) {
            assert!(o.ring.still_valid(f.pos));
            pos = f.pos + f.len as u64;
            n += u32::from(f.header.is_event());
        }
        assert_eq!(n, 10);
        assert_eq!(o.ring.counters().in_buffer(), 10);
        // Any position is harmless: unaligned is refused, others read garbage in bounds.
        assert_eq!(o.ring.peek(2, end, &mut buf), None);
        for p in (0..end).step_by(4) {
            let _ = o.ring.peek(p, end, &mut buf);
        }
        // The state in the middle of a sub-buffer.
        let mid = 40 + 28 * 3;
        let d = o.ring.state_at(mid).unwrap();
        assert_eq!((d.ts, d.ctx.pid), (1, 1));
    }

    /// A writer thread and a consuming reader race on a small buffer: every record read is
    /// intact and in order, and entries == read + lost once drained.
    fn race(overwrite: bool) {
        let o = ring(512, 4, overwrite);
        let done = Arc::new(AtomicBool::new(false));
        let reader = {
            let (o, done) = (o.clone(), done.clone());
            std::thread::spawn(move || {
                let mut r = Reader::new();
                let mut last = None;
                let mut n = 0u64;
                loop {
                    let finished = done.load(Ordering::Acquire);
                    match r.next(&o.ring) {
                        Some((h, p)) => {
                            let s = seq_of(&p);
                            assert!(last.is_none_or(|l| s > l), "out of order");
                            assert_eq!((h.ts, h.pid), (s, 1 + (s % 5) as i32));
                            last = Some(s);
                            n += 1;
                        }
                        None if finished => return n,
                        None => std::hint::spin_loop(),
                    }
                }
            })
        };
        let w = W::new(0, 1);
        for seq in 0..200_000u64 {
            w.ts.set(seq);
            w.pid.set(1 + (seq % 5) as i32);
            let len = 8 * (1 + seq as usize % 7) + seq as usize % 4;
            write(&o.ring, &w, 1, seq, len);
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

    /// The writer's cost on the host's CPU, the kernel's code with a host clock (a counter:
    /// this machine's `clock_gettime` is a system call, where the kernel's `local_clock()` reads
    /// the TSC) and task: a 28-byte payload (the bench event) into a 1 MiB overwriting buffer.
    /// Run with `cargo test --release -p rtrace ring_writer_cost -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn ring_writer_cost() {
        static CLOCK: AtomicU64 = AtomicU64::new(0);
        struct Host;
        impl WriterContext for Host {
            fn now(&self) -> u64 {
                CLOCK.fetch_add(3, Ordering::Relaxed)
            }
            fn task(&self) -> [u64; 2] {
                [1, 2]
            }
            fn context(&self) -> Context {
                Context {
                    pid: 2,
                    tgid: 2,
                    comm: comm_of(2),
                }
            }
        }
        let o = ring(4096, 256, true);
        let w = Host;
        let payload = [7u8; 28];
        let mut best = f64::MAX;
        for _ in 0..5 {
            let n = 2_000_000;
            let start = std::time::Instant::now();
            for _ in 0..n {
                // SAFETY: one writer, committing right after.
                if let Some(at) = unsafe { o.ring.reserve(1, 28, &w) } {
                    // SAFETY: 28 bytes reserved.
                    unsafe { core::ptr::copy_nonoverlapping(payload.as_ptr(), at, 28) };
                    // SAFETY: the reservation above.
                    unsafe { o.ring.commit() };
                }
            }
            best = best.min(start.elapsed().as_nanos() as f64 / n as f64);
        }
        println!("ring writer: {best:.1} ns per 36-byte record (best of 5 x 2,000,000)");
    }

    /// A reset empties the ring in place: counters at 0, the next record at the start, with
    /// its context record, readable; the mode is kept.
    #[test]
    fn reset_empties_in_place() {
        for overwrite in [false, true] {
            let mut o = ring(256, 4, overwrite);
            let w = W::new(7, 3);
            for s in 0..100u64 {
                write(&o.ring, &w, 1, s, 20);
            }
            let mut r = Reader::new();
            r.next(&o.ring).unwrap();
            let owned = Arc::get_mut(&mut o).unwrap();
            let data = owned.data.as_ptr();
            owned.ring.reset();
            assert_eq!(owned.ring.counters(), Counters::default());
            assert_eq!((owned.ring.read_pos(), owned.ring.committed()), (0, 0));
            assert_eq!(owned.ring.overwrite(), overwrite);
            assert_eq!(owned.data.as_ptr(), data);
            for s in 0..3u64 {
                assert!(write(&o.ring, &w, 1, 500 + s, 20));
            }
            let mut r = Reader::new();
            for s in 0..3u64 {
                let (h, p) = r.next(&o.ring).unwrap();
                assert_eq!((h.ts, h.pid, seq_of(&p)), (7, 3, 500 + s));
            }
            assert!(r.next(&o.ring).is_none());
            let c = o.ring.counters();
            assert_eq!((c.entries, c.read, c.lost()), (3, 3, 0));
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
