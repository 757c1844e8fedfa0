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

extern "C" {
    fn rtrace_rcu_read_lock_sched_notrace();
    fn rtrace_rcu_read_unlock_sched_notrace();
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
        // SAFETY: `rcu_read_lock_sched_notrace` has no precondition; the matching unlock is done
        // exactly once, by `Drop`, on this CPU (the guard cannot move to another thread).
        unsafe { rtrace_rcu_read_lock_sched_notrace() };
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
        // SAFETY: by the type invariant, `new` disabled preemption on this CPU and this is the one
        // matching unlock.
        unsafe { rtrace_rcu_read_unlock_sched_notrace() };
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
