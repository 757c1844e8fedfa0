// SPDX-License-Identifier: GPL-2.0

//! RCU, sched flavour: the read side used by tracepoint and marker sites, the grace periods
//! that protect what they read, and [`Pointer`], the one way rtrace publishes a single object to
//! them (`rcu_assign_pointer()`, `rcu_dereference()`, free after `synchronize_rcu()`).
//!
//! C header: [`include/linux/rcupdate.h`](srctree/include/linux/rcupdate.h)
//!
//! Since Linux 4.20 the RCU flavours are consolidated: [`synchronize`] and [`call_rcu`] also wait
//! for every preemption-disabled region, which is what [`ReadGuard`] opens. The guard uses the
//! `notrace` variants, as the kernel's own tracepoints do, so that a traced site never recurses
//! into function tracing.

use core::marker::PhantomData;
use core::sync::atomic::{AtomicPtr, Ordering};

use kernel::alloc::KBox;

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

/// One heap object published to RCU-sched readers: readers borrow it inside a read-side critical
/// section ([`Pointer::get`]); an updater publishes another ([`Pointer::replace`]) and gets the
/// old one back as [`Retired`], freed after a grace period. Updaters need not be serialised for
/// soundness (each gets the value it replaced), but a reader under the updaters' lock may borrow
/// the value without a read-side section ([`Pointer::get_protected`]) only if they are.
///
/// `repr(transparent)` over an [`AtomicPtr<T>`], so that a pointer field of a `repr(C)` ABI
/// structure can be used as one ([`Pointer::from_erased`]).
///
/// # Invariants
///
/// `ptr` is null or comes from [`KBox::into_raw`], owned by this value while it is published; a
/// value unpublished by `replace` is freed only after a grace period that follows its
/// unpublication ([`Retired`]).
#[repr(transparent)]
pub struct Pointer<T> {
    ptr: AtomicPtr<T>,
    _owns: PhantomData<(KBox<T>, *mut T)>,
}

// SAFETY: the value is owned (dropped wherever the pointer is).
unsafe impl<T: Send> Send for Pointer<T> {}
// SAFETY: `&Pointer` shares the value between threads (`get`) and lets any thread replace it,
// the old value being dropped there.
unsafe impl<T: Send + Sync> Sync for Pointer<T> {}

impl<T> Pointer<T> {
    /// A pointer with no value published.
    pub const fn null() -> Self {
        Self {
            ptr: AtomicPtr::new(core::ptr::null_mut()),
            _owns: PhantomData,
        }
    }

    /// A type-erased pointer field of a `repr(C)` ABI structure (whose value's type only the
    /// module that publishes it knows), used as a [`Pointer`] to that type.
    ///
    /// # Safety
    ///
    /// Every store to `*ptr`, for as long as the result is used, is made through a `Pointer<T>`
    /// view of it, with this `T`, and it held null or a value published that way before. Nothing
    /// frees the value published when a view goes: the field's owner replaces it by `None` first.
    pub unsafe fn from_erased(ptr: &AtomicPtr<core::ffi::c_void>) -> &Self
    where
        T: Send + Sync,
    {
        // SAFETY: `Pointer<T>` is `repr(transparent)` over `AtomicPtr<T>` (its other field is a
        // zero-sized marker), which has the layout of `AtomicPtr<c_void>`; the caller's promise
        // is the type invariant.
        unsafe { &*(ptr as *const AtomicPtr<core::ffi::c_void>).cast::<Self>() }
    }

    /// Whether a value is published; a hint only, unless updaters are excluded.
    #[inline(always)]
    pub fn is_null(&self) -> bool {
        self.ptr.load(Ordering::Relaxed).is_null()
    }

    /// The published value, borrowed for the read-side critical section `_guard`.
    #[inline(always)]
    pub fn get<'a>(&'a self, _guard: &'a ReadGuard) -> Option<&'a T> {
        // SAFETY: the read side that `_guard` holds for `'a` delays the end of the grace period
        // after which a replaced value is freed.
        unsafe { self.dereference() }
    }

    /// The published value, in a read-side critical section that the caller holds without a
    /// [`ReadGuard`] (e.g. the marker site's, around a sink's callbacks).
    ///
    /// # Safety
    ///
    /// The caller is inside an RCU read-side critical section (any flavour: preemption or
    /// interrupts disabled, `rcu_read_lock()`) for as long as it uses the result.
    #[inline(always)]
    pub unsafe fn dereference(&self) -> Option<&T> {
        // Acquire: pairs with `replace`'s release, so that the value is seen initialised.
        let p = self.ptr.load(Ordering::Acquire);
        // SAFETY: by the type invariant `p` is null or a live value, and the caller's read side
        // keeps it alive while the result is used.
        unsafe { p.as_ref() }
    }

    /// The published value, for an updater: `rcu_dereference_protected()`.
    ///
    /// # Safety
    ///
    /// No [`Pointer::replace`] of this pointer runs while the caller uses the result: e.g. it
    /// holds a lock under which every `replace` runs.
    #[inline(always)]
    pub unsafe fn get_protected(&self) -> Option<&T> {
        // SAFETY: no `replace` can unpublish the value while the caller uses it (its promise),
        // and a value is freed only after it is unpublished.
        unsafe { self.ptr.load(Ordering::Acquire).as_ref() }
    }

    /// Publishes `new` (nothing if `None`) and returns the value it replaces, which readers may
    /// still be using: [`Retired`] frees it after a grace period.
    pub fn replace(&self, new: Option<KBox<T>>) -> Option<Retired<T>> {
        let new = new.map_or(core::ptr::null_mut(), KBox::into_raw);
        // Release: `new` is initialised before a reader can load it; acquire: the old value's
        // initialisation is seen before this thread drops it.
        let old = self.ptr.swap(new, Ordering::AcqRel);
        // SAFETY: by the type invariant a non-null `old` comes from `KBox::into_raw`; it is
        // unpublished now, and owned by the `Retired`, which frees it after a grace period.
        (!old.is_null()).then(|| Retired(unsafe { KBox::from_raw(old) }))
    }
}

impl<T> Default for Pointer<T> {
    fn default() -> Self {
        Self::null()
    }
}

impl<T> Drop for Pointer<T> {
    fn drop(&mut self) {
        let p = *self.ptr.get_mut();
        if !p.is_null() {
            // SAFETY: by the type invariant, a value of `KBox::into_raw` owned by `self`; the
            // exclusive borrow means no `get` borrow is left.
            drop(unsafe { KBox::from_raw(p) });
        }
    }
}

/// A value that [`Pointer::replace`] unpublished: readers that loaded it before may still use
/// it. Dropping it (or [`Retired::free`]) waits for a grace period, then frees it: it sleeps, so
/// only process context, outside any read-side critical section, may drop it.
#[must_use = "dropping a retired value waits for a grace period"]
pub struct Retired<T>(KBox<T>);

impl<T> Retired<T> {
    /// Waits for a grace period, then frees the value.
    pub fn free(self) {
        drop(self);
    }

    /// Waits for a grace period, then gives the value back: no reader can hold it any more, so
    /// its owner may change it in place (and publish it again).
    ///
    /// # Safety
    ///
    /// The caller runs in process context, outside any RCU read-side critical section (in one, the
    /// grace period could end while the caller itself still borrows the value, e.g. through
    /// [`Pointer::get`], and the box returned would alias that borrow).
    pub unsafe fn into_inner(self) -> KBox<T> {
        synchronize();
        let this = core::mem::ManuallyDrop::new(self);
        // SAFETY: the box is moved out of `this` once, and `this` is never used or dropped again
        // (`ManuallyDrop`), so it is neither freed twice nor freed while owned by the caller.
        unsafe { core::ptr::read(&this.0) }
    }
}

impl<T> Drop for Retired<T> {
    fn drop(&mut self) {
        // Every reader that could have loaded the value is done after this; then the box, the
        // only field, is dropped.
        synchronize();
    }
}
