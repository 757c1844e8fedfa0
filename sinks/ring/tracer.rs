// SPDX-License-Identifier: GPL-2.0

//! The tracer's buffers (one `CpuRing` per CPU, sinks/ring/ring_buffer.rs) and the sink that writes
//! into them.
//!
//! Writers find the buffers through [`ACTIVE`] (an `rcu::Pointer`), inside the marker site's
//! RCU-sched read side. Resizing publishes a new set and frees the old one after a grace period;
//! a record reserved in the old set is committed there (its reservation's handle is its
//! `CpuBuf`), so a writer never straddles two sets. Resetting unpublishes the set, waits for a
//! grace period, empties it in place and publishes it again. Readers and control files hold the
//! tracer's mutex ([`state`]) while they use the buffers, which is what keeps a set alive under
//! them.

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use kernel::bindings;
use kernel::prelude::*;

use crate::ring_buffer::{
    reserve_on, Counters, CpuRing, HasRing, LossReports, Platform, SubBuf, WriterContext,
};
use crate::ring_record::Context;
use crate::rtrace::kernel::global_lock::{GlobalLock, Guard};
use crate::rtrace::kernel::rcu::Pointer;
use crate::rtrace::sink::{Reservation, Sink};

/// Bytes of one sub-buffer: a page, as ftrace's.
pub(crate) const SUB_SIZE: usize = 4096;
/// Smallest per-CPU size, KiB: four sub-buffers. Sizes are powers of two (so is the number of
/// sub-buffers: the ring splits positions with shifts and masks).
pub(crate) const SIZE_KB_MIN: usize = 16;
/// Largest per-CPU size, KiB.
pub(crate) const SIZE_KB_MAX: usize = 65536;
/// Default per-CPU size, KiB.
pub(crate) const SIZE_KB_DEFAULT: usize = 1024;

extern "C" {
    #[cfg(not(target_arch = "x86_64"))]
    fn rtrace_ring_clock() -> u64;
    fn rtrace_ring_wake();
}

#[cfg(target_arch = "x86_64")]
extern "C" {
    /// The scheduler's clock, kernel/sched/clock.c (exported on x86_64).
    fn local_clock() -> u64;
}

/// One CPU's buffer and what readers keep about it.
pub(crate) struct CpuBuf {
    pub(crate) ring: CpuRing,
    /// Lost records already reported to a reader (in a `LOST` line or notice).
    pub(crate) losses: LossReports,
    _data: VVec<u64>,
    _subs: KVec<SubBuf>,
}

impl CpuBuf {
    fn new(size: usize, overwrite: bool) -> Result<KBox<Self>> {
        let nsub = size / SUB_SIZE;
        let mut data = VVec::from_elem(0u64, size / 8, GFP_KERNEL)?;
        let mut subs = KVec::with_capacity(nsub, GFP_KERNEL)?;
        for _ in 0..nsub {
            subs.push(SubBuf::new(), GFP_KERNEL)?;
        }
        // SAFETY: `data` is `size` bytes of 8-byte words and `subs` `nsub` slots, both kept in
        // the same `CpuBuf` as the ring and never resized; their heap storage does not move
        // with the `CpuBuf`. `SUB_SIZE` is a power of two within the ring's bounds; `nsub` is a
        // power of two of at least 4 (`size` is, in KiB, from `SIZE_KB_MIN`: checked by the
        // callers).
        let ring = unsafe { CpuRing::new(data.as_mut_ptr().cast(), subs.as_ptr(), SUB_SIZE, nsub) };
        ring.set_overwrite(overwrite);
        Ok(KBox::new(
            Self {
                ring,
                losses: LossReports::new(),
                _data: data,
                _subs: subs,
            },
            GFP_KERNEL,
        )?)
    }
}

/// The buffers of every CPU.
pub(crate) struct Buffers {
    pub(crate) cpus: KVec<KBox<CpuBuf>>,
    /// Per-CPU size, KiB.
    pub(crate) size_kb: usize,
    /// This set's number, different from every earlier set's.
    pub(crate) generation: u64,
}

impl Buffers {
    /// Buffers of `size_kb` KiB for each possible CPU.
    pub(crate) fn new(size_kb: usize, overwrite: bool) -> Result<KBox<Self>> {
        // SAFETY: `nr_cpu_ids` is set before modules load and never changes afterwards.
        let ncpu = unsafe { bindings::nr_cpu_ids } as usize;
        let mut cpus = KVec::with_capacity(ncpu, GFP_KERNEL)?;
        for _ in 0..ncpu {
            cpus.push(CpuBuf::new(size_kb * 1024, overwrite)?, GFP_KERNEL)?;
        }
        let generation = GENERATION.fetch_add(1, Ordering::Relaxed) + 1;
        Ok(KBox::new(
            Self {
                cpus,
                size_kb,
                generation,
            },
            GFP_KERNEL,
        )?)
    }

    /// The counters of every CPU, summed.
    pub(crate) fn counters(&self) -> Counters {
        self.cpus
            .iter()
            .map(|c| c.ring.counters())
            .fold(Counters::default(), |a, c| Counters {
                entries: a.entries + c.entries,
                read: a.read + c.read,
                dropped: a.dropped + c.dropped,
                overrun: a.overrun + c.overrun,
            })
    }
}

/// What the control files set; the current buffers are [`ACTIVE`]'s (see [`State::buffers`]).
pub(crate) struct State {
    pub(crate) overwrite: bool,
    /// Private: the one `State` is [`STATE`]'s, so that a `&State` is always the mutex's (what
    /// [`State::buffers`] relies on).
    _locked: (),
}

static STATE: GlobalLock<State> = {
    extern "C" {
        /// `DEFINE_MUTEX` in sinks/ring/ring_shim.c.
        static rtrace_ring_mutex: kernel::types::Opaque<bindings::mutex>;
    }
    // SAFETY: rtrace_ring_mutex is defined by `DEFINE_MUTEX` and used for nothing else.
    unsafe {
        GlobalLock::new(
            State {
                overwrite: false,
                _locked: (),
            },
            &rtrace_ring_mutex,
        )
    }
};

/// The buffers (none only before init and after exit), replaced under the tracer's mutex.
static ACTIVE: Pointer<Buffers> = Pointer::null();
/// A reader sleeps, or is about to: the next commit wakes the readers.
pub(crate) static WAITING: AtomicBool = AtomicBool::new(false);
/// Counts the wake-ups: a reader sleeps until it changes, so that a reader that sets `WAITING`
/// again does not make another miss the wake-up it was given.
pub(crate) static WAKE_SEQ: AtomicU64 = AtomicU64::new(0);
/// Numbers the buffer sets, so that a reader holding positions in an old set notices.
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// Takes the tracer's mutex (sleeps).
pub(crate) fn state() -> Guard<'static, State> {
    STATE.lock()
}

impl State {
    /// The current buffers, for as long as the mutex is held.
    pub(crate) fn buffers(&self) -> Option<&Buffers> {
        // SAFETY: a `State` is reached only through the mutex's guard, which `&self` borrows,
        // and every `ACTIVE.replace` runs under the mutex (`replace`, `reset`).
        unsafe { ACTIVE.get_protected() }
    }

    /// Replaces the buffers with `new` (or none), once no writer uses the old ones.
    pub(crate) fn replace(&mut self, new: Option<KBox<Buffers>>) {
        // Every writer that found the old set has committed after a grace period: writers run
        // inside a marker site's RCU-sched read side.
        if let Some(old) = ACTIVE.replace(new) {
            old.free();
        }
    }
}

impl State {
    /// Empties the buffers in place, without allocating (or makes the first set, if there is
    /// none): they are unpublished, so that writers find none and record nothing meanwhile (as
    /// ftrace's writers while its buffers are reset), then emptied once a grace period has
    /// passed, when no writer is inside a reservation, and published again. Readers and
    /// control files are held off by the mutex, which the caller holds through `self`.
    pub(crate) fn reset(&mut self) -> Result {
        let Some(retired) = ACTIVE.replace(None) else {
            let new = Buffers::new(SIZE_KB_DEFAULT, self.overwrite)?;
            self.replace(Some(new));
            return Ok(());
        };
        // Every writer that found the set has committed after a grace period: writers run
        // inside a marker site's RCU-sched read side.
        // SAFETY: a control file's write, in process context, outside any read-side section.
        let mut buffers = unsafe { retired.into_inner() };
        for buf in buffers.cpus.iter_mut() {
            buf.ring.reset();
            buf.losses = LossReports::new();
        }
        // Readers of `trace` that hold positions in the emptied set start again.
        buffers.generation = GENERATION.fetch_add(1, Ordering::Relaxed) + 1;
        // Unpublished above: nothing to retire.
        let _ = ACTIVE.replace(Some(buffers));
        Ok(())
    }
}

/// This CPU's number; the caller has preemption disabled.
#[inline(always)]
fn this_cpu() -> usize {
    crate::rtrace::kernel::percpu::this_cpu() as usize
}

/// The writer's clock and task: `local_clock()` and `current`; its CPU and preemption guard.
struct Kernel;

impl Platform for Kernel {
    type NoPreempt = crate::rtrace::kernel::rcu::ReadGuard;

    #[inline(always)]
    fn no_preempt(&self) -> Self::NoPreempt {
        crate::rtrace::kernel::rcu::ReadGuard::new()
    }

    #[inline(always)]
    fn cpu(&self) -> usize {
        this_cpu()
    }
}

impl HasRing for KBox<CpuBuf> {
    #[inline(always)]
    fn ring(&self) -> &CpuRing {
        &self.ring
    }
}

impl Kernel {
    fn task() -> &'static bindings::task_struct {
        // SAFETY: `current` is the running task, alive while it runs the writer, which uses the
        // reference only meanwhile.
        unsafe { &*crate::rtrace::kernel::percpu::current() }
    }

    /// The first 8 bytes of `comm` as one word: one load where `comm` is 8-byte aligned (it is
    /// in x86_64's and arm64's `task_struct`), byte loads elsewhere. Read as `comm` reads it.
    #[inline(always)]
    fn name_start(task: &bindings::task_struct) -> u64 {
        let at = core::ptr::addr_of!(task.comm).cast::<u64>();
        if core::mem::offset_of!(bindings::task_struct, comm) % 8 == 0
            && core::mem::align_of::<bindings::task_struct>() >= 8
        {
            // SAFETY: 8 of `comm`'s 16 bytes, in a live task, at an 8-byte-aligned address (the
            // offset and the struct's alignment are, checked above).
            unsafe { core::ptr::read_volatile(at) }
        } else {
            // SAFETY: as above, byte by byte (no alignment needed).
            u64::from_ne_bytes(unsafe { core::ptr::read_volatile(at.cast::<[u8; 8]>()) })
        }
    }

    /// `comm`, which `set_task_comm()` may rewrite meanwhile: a volatile copy gets the old name,
    /// the new one, or a mix, as ftrace's `memcpy()` does.
    fn comm(task: &bindings::task_struct) -> [u8; 16] {
        // SAFETY: `comm` is 16 bytes inside a live task.
        unsafe { core::ptr::read_volatile(core::ptr::addr_of!(task.comm)) }
    }
}

impl WriterContext for Kernel {
    #[inline(always)]
    fn now(&self) -> u64 {
        // x86_64 selects HAVE_UNSTABLE_SCHED_CLOCK, where `local_clock()` is an exported
        // function: called directly, not through the shim (elsewhere it may be an inline).
        #[cfg(target_arch = "x86_64")]
        // SAFETY: no precondition.
        return unsafe { local_clock() };
        #[cfg(not(target_arch = "x86_64"))]
        // SAFETY: no precondition.
        return unsafe { rtrace_ring_clock() };
    }

    #[inline(always)]
    fn task(&self) -> [u64; 2] {
        let task = Self::task();
        // The task's address, then its pid (a freed task's memory may hold the next) with the
        // start of its name (`exec` renames): a change of any writes a context record.
        let name = Self::name_start(task);
        [
            task as *const bindings::task_struct as u64,
            ((task.pid as u32 as u64) << 32) ^ name,
        ]
    }

    fn context(&self) -> Context {
        let task = Self::task();
        Context {
            pid: task.pid,
            tgid: task.tgid,
            comm: Self::comm(task),
        }
    }
}

/// The ring-buffer sink.
pub(crate) struct Tracer;

// SAFETY: a reservation is the ring's (`CpuRing::reserve`: `len` bytes of payload, the writer's
// until its commit, commits nesting last in, first out, on this CPU's ring); its handle is the
// `CpuBuf` it was taken in, which stays alive until a grace period after its set is replaced,
// so until the commit, which runs in the same RCU-sched read side.
unsafe impl Sink for Tracer {
    unsafe fn reserve(&self, id: u32, len: usize) -> Option<Reservation> {
        // SAFETY: sinks run inside the marker site's RCU-sched read side, which keeps a published
        // set alive until after its reservation is committed (in the same read side).
        let cpus = &unsafe { ACTIVE.dereference() }?.cpus;
        // SAFETY: preemption is off (the caller's contract) until the commit, which goes to the
        // buffer returned, last in, first out (`commit`).
        let (at, buf) = unsafe { reserve_on(cpus, &Kernel, id, len) }?;
        Some(Reservation::new(at, &**buf as *const CpuBuf as usize))
    }

    unsafe fn commit(&self, handle: usize) {
        // SAFETY: `handle` is the `CpuBuf` of a reservation not committed yet (the caller's
        // promise), alive until a grace period after its set was replaced, which the marker
        // site's read side, still held, holds off.
        let buf = unsafe { &*(handle as *const CpuBuf) };
        // SAFETY: the ring of this CPU's last reservation not committed (the caller's promise).
        unsafe { buf.ring.commit() };
        // One wake-up per wait: the first commit after a reader waits clears the flag (a plain
        // load first, so that commits nobody waits for do not write the shared line).
        if WAITING.load(Ordering::Relaxed) && WAITING.swap(false, Ordering::Relaxed) {
            WAKE_SEQ.fetch_add(1, Ordering::Release);
            // SAFETY: no precondition; irq_work is safe in any context.
            unsafe { rtrace_ring_wake() };
        }
    }
}

pub(crate) static TRACER: Tracer = Tracer;
