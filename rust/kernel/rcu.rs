// SPDX-License-Identifier: GPL-2.0

//! RCU, sched flavour: the read side used by tracepoint and marker sites, and the grace periods
//! that protect what they read.
//!
//! C header: [`include/linux/rcupdate.h`](srctree/include/linux/rcupdate.h)
//!
//! Since Linux 4.20 the RCU flavours are consolidated: [`synchronize`] and [`call_rcu`] also wait
//! for every preemption-disabled region, which is what [`ReadGuard`] opens. The guard uses the
//! `notrace` variants, as the kernel's own tracepoints do, so that a traced site never recurses
//! into function tracing.

use core::marker::PhantomData;

/// `preempt_disable_notrace()` and `preempt_enable_notrace()` inlined, as C inlines them, on
/// x86_64 with a preemption count and without `PREEMPT_DYNAMIC`: one `incl` and one `decl` of
/// `pcpu_hot.preempt_count` (arch/x86/include/asm/preempt.h), and the call to
/// `preempt_schedule_notrace_thunk` when the count drops to zero with a reschedule pending.
#[cfg(all(CONFIG_X86_64, CONFIG_PREEMPT_COUNT, not(CONFIG_PREEMPT_DYNAMIC)))]
mod preempt {
    use kernel::bindings;

    const COUNT: usize = core::mem::offset_of!(
        bindings::pcpu_hot__bindgen_ty_1__bindgen_ty_1,
        preempt_count
    );

    #[inline(always)]
    pub(super) fn disable() {
        // One instruction increments this CPU's preemption count (a per-CPU `int` at
        // `%gs:pcpu_hot + COUNT`); as `barrier()` in C, the asm is a compiler memory barrier.
        // SAFETY: exactly `preempt_disable_notrace()`, which cannot be split by preemption.
        unsafe {
            core::arch::asm!(
                "incl %gs:{hot}+{count}(%rip)",
                hot = sym bindings::pcpu_hot,
                count = const COUNT,
                options(att_syntax, nostack),
            )
        };
    }

    #[inline(always)]
    pub(super) fn enable() {
        // Decrements the count `disable` incremented on this CPU (preemption was off in between);
        // at zero with `PREEMPT_NEED_RESCHED` folded in, calls the thunk, which preserves every
        // register and may schedule. No `nostack`: the call pushes a return address.
        // SAFETY: exactly `preempt_enable_notrace()`, paired with `disable` on this CPU.
        unsafe {
            core::arch::asm!(
                "decl %gs:{hot}+{count}(%rip)",
                "jne 2f",
                "call {thunk}",
                "2:",
                hot = sym bindings::pcpu_hot,
                count = const COUNT,
                thunk = sym bindings::preempt_schedule_notrace_thunk,
                options(att_syntax),
            )
        };
    }
}

/// Elsewhere, the C shim's out-of-line `rcu_read_lock_sched_notrace()` and unlock.
#[cfg(not(all(CONFIG_X86_64, CONFIG_PREEMPT_COUNT, not(CONFIG_PREEMPT_DYNAMIC))))]
mod preempt {
    extern "C" {
        fn rtrace_rcu_read_lock_sched_notrace();
        fn rtrace_rcu_read_unlock_sched_notrace();
    }

    #[inline(always)]
    pub(super) fn disable() {
        // SAFETY: `rcu_read_lock_sched_notrace` has no precondition.
        unsafe { rtrace_rcu_read_lock_sched_notrace() };
    }

    #[inline(always)]
    pub(super) fn enable() {
        // SAFETY: pairs with `disable` on this CPU (see `ReadGuard`).
        unsafe { rtrace_rcu_read_unlock_sched_notrace() };
    }
}

/// An RCU-sched read-side critical section; it ends when the guard is dropped.
///
/// Usable from any context: process, softirq, hardirq and NMI-free atomic context. Readers must
/// not sleep while it is held.
///
/// # Invariants
///
/// Preemption is disabled from the guard's creation until its drop, on the CPU that created it
/// (the guard is neither `Send` nor `Sync`).
pub struct ReadGuard {
    _not_send: PhantomData<*mut ()>,
}

impl ReadGuard {
    /// Enters an RCU-sched read-side critical section.
    #[inline(always)]
    pub fn new() -> Self {
        // The matching enable is done exactly once, by `Drop`, on this CPU (the guard cannot
        // move to another thread).
        preempt::disable();
        Self {
            _not_send: PhantomData,
        }
    }
}

impl Default for ReadGuard {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for ReadGuard {
    #[inline(always)]
    fn drop(&mut self) {
        // By the type invariant, `new` disabled preemption on this CPU and this is the one
        // matching enable.
        preempt::enable();
    }
}

/// Waits until every RCU read-side critical section that started before the call has ended.
///
/// Sleeps: callable only from process context with no lock that an RCU reader may take held.
pub fn synchronize() {
    // SAFETY: `synchronize_rcu` has no precondition beyond process context, which callers of this
    // function document and `might_sleep` checks on debug kernels.
    unsafe { kernel::bindings::synchronize_rcu() };
}

/// Waits until every callback queued with `call_rcu` before the call has run.
///
/// A module that queued callbacks whose code or data it owns calls this before it unloads.
pub fn barrier() {
    // SAFETY: `rcu_barrier` has no precondition beyond process context.
    unsafe { kernel::bindings::rcu_barrier() };
}
