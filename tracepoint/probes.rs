// SPDX-License-Identifier: GPL-2.0

//! A tracepoint's probe array and static call: the copy of its registrations that sites walk,
//! published through rust/kernel/rcu_array.rs (the RCU discipline), the function its static call calls,
//! and the in-place fallback of a removal when memory is short. All updates run under the registry
//! mutex (tracepoint/registry.rs), so there is one writer at a time.
//!
//! A site (rust/tracepoint/tracepoint.rs) reads the array, takes the first probe's data from it, and calls
//! the tracepoint's static call with that data: the static call goes to the only probe when there
//! is one, to the iterator (which walks the array again and ignores the data) when there are more.
//! The order of the updates and the grace periods between them are those of
//! `tracepoint_add_func()` and `tracepoint_remove_func()` in kernel/tracepoint.c, so that a site
//! never calls a probe with another probe's data. Without a static call (another architecture) the
//! site calls the iterator directly, and the static-call steps do nothing.

use core::ffi::{c_ulong, c_void};
use core::sync::atomic::{AtomicPtr, Ordering};

use kernel::prelude::*;

use crate::registry::Registration;
use crate::rtrace::abi::{ProbeEntry, RawTracepoint};
use crate::rtrace::kernel::rcu_array;

// Exported by kernel/rcu/tree.c (GPL); absent from the 6.12 bindings.
extern "C" {
    fn get_state_synchronize_rcu() -> c_ulong;
    fn cond_synchronize_rcu(oldstate: c_ulong);
}

/// A grace period started (as a cookie of `get_state_synchronize_rcu()`) at a transition that a
/// later one must wait for, as kernel/tracepoint.c's `tp_transition_snapshot`.
struct Snapshot(Option<c_ulong>);

impl Snapshot {
    /// Records that a grace period must pass before the matching later transition; keeps the
    /// latest cookie.
    fn get_state(&mut self) {
        // SAFETY: no precondition.
        self.0 = Some(unsafe { get_state_synchronize_rcu() });
    }

    /// Waits until the grace period of the last `get_state` has passed, if it has not yet.
    /// Sleeps.
    fn cond_sync(&mut self) {
        if let Some(cookie) = self.0.take() {
            // SAFETY: `cookie` came from `get_state_synchronize_rcu`; process context.
            unsafe { cond_synchronize_rcu(cookie) };
        }
    }
}

/// The grace periods between transitions, for all tracepoints (as in C). Protected by
/// rtrace_tracepoints_mutex (the registry holds it).
pub(crate) struct Transitions {
    /// Started when a tracepoint loses its last probe: a site may have read that probe's data
    /// just before, and must not call a new single probe with it (1 -> 0 -> 1).
    one_zero_one: Snapshot,
    /// Started when the first probe's data changes while the static call goes to the iterator: a
    /// site may have read the old data, and must not call a single probe with it (N -> 2 -> 1).
    n_two_one: Snapshot,
}

impl Transitions {
    /// No grace period owed.
    pub(crate) const fn new() -> Self {
        Self {
            one_zero_one: Snapshot(None),
            n_two_one: Snapshot(None),
        }
    }
}

/// What sites may see now: the number of probes in the published array (2 for two or more) and
/// the first one's function and data.
fn published(tp: &RawTracepoint) -> (usize, *const c_void, *const c_void) {
    // SAFETY: the registry mutex is held (module documentation).
    let slot = unsafe { tp.probes() };
    let first = slot.load(Ordering::Relaxed);
    if first.is_null() {
        return (0, core::ptr::null(), core::ptr::null());
    }
    // SAFETY: the published array is alive while the mutex is held (only its holder replaces
    // it) and holds at least one probe, then a terminator.
    let (func, data, second) = unsafe {
        (
            (*first).func.load(Ordering::Relaxed),
            (*first).data,
            (*first.add(1)).func.load(Ordering::Relaxed),
        )
    };
    let n = if second.is_null() { 1 } else { 2 };
    (n, func.cast_const(), data)
}

/// Publishes a copy of `probes` (already in call order) as `tp`'s array, freeing the old one after
/// a grace period. On allocation failure nothing changes and `ENOMEM` is returned; an empty list
/// does not allocate.
fn publish(tp: &RawTracepoint, probes: &[Registration]) -> Result {
    let entries = probes.iter().map(|p| ProbeEntry {
        func: AtomicPtr::new(p.func.cast_mut()),
        data: p.data,
        prio: p.prio,
    });
    let terminator = ProbeEntry {
        func: AtomicPtr::new(core::ptr::null_mut()),
        data: core::ptr::null(),
        prio: 0,
    };
    // SAFETY: the registry mutex is held (by every caller); the entries are registered probes
    // of `tp`'s declaration (the registry checked it) with their data; `tp.probes()` starts
    // null and is stored to only here, and the tracepoint core waits for `rcu_barrier()` before
    // it unloads.
    unsafe { rcu_array::publish(tp.probes(), entries, terminator) }
}

/// Points `tp`'s static call at `func`.
///
/// # Safety
///
/// `func` is `tp`'s iterator or stub, or the only probe of the array published next (with its
/// data there), after the grace periods of the transition rules.
unsafe fn set_call(tp: &RawTracepoint, func: *const c_void) {
    // SAFETY: by the function's contract.
    unsafe { tp.set_static_call(func) };
}

/// Connects the probes of a tracepoint that is being defined (nothing published, the key off,
/// no site running its probes): the static call, then the array, then the key.
pub(crate) fn define(tp: &RawTracepoint, probes: &[Registration]) -> Result {
    let Some(first) = probes.first() else {
        return Ok(());
    };
    let func = if probes.len() == 1 {
        first.func
    } else {
        tp.iterator()
    };
    // SAFETY: `func` is the iterator, or the only probe of the array published next; no site
    // runs a probe of this tracepoint, so no grace period is owed.
    unsafe { set_call(tp, func) };
    publish(tp, probes)?;
    // The array is published before the key turns on: a site that sees the key enabled
    // finds the array (or, if it races with the publication, a null array, and skips).
    tp.key().enable();
    Ok(())
}

/// Publishes `probes`, the registered probes of the defined `tp` after one was added
/// (`tracepoint_add_func()`). On allocation failure nothing changes and `ENOMEM` is returned.
pub(crate) fn add(tp: &RawTracepoint, probes: &[Registration], t: &mut Transitions) -> Result {
    let (old_n, old_func, old_data) = published(tp);
    match probes {
        [] => Ok(()),
        [only] => {
            // 0 -> 1. A site that read the data of the probe removed by a 1 -> 0 before may
            // still be about to call the static call: it must not reach `only`.
            t.one_zero_one.cond_sync();
            // SAFETY: `only` is the only probe of the array published next, and the grace
            // period above separates it from any data read before.
            unsafe { set_call(tp, only.func) };
            publish(tp, probes)?;
            tp.key().enable();
            Ok(())
        }
        [first, ..] => {
            if old_n == 1 {
                // 1 -> 2: the iterator before the array that holds two, so that a site that
                // reads the new array calls the iterator (text patching synchronises every CPU).
                // SAFETY: the iterator ignores the data.
                unsafe { set_call(tp, tp.iterator()) };
            }
            if let Err(e) = publish(tp, probes) {
                if old_n == 1 {
                    // SAFETY: `old_func` is still the only probe of the published array.
                    unsafe { set_call(tp, old_func) };
                }
                return Err(e);
            }
            if first.data != old_data {
                // A site may have read `old_data` and a later 2 -> 1 must wait for it.
                t.n_two_one.get_state();
            }
            Ok(())
        }
    }
}

/// Publishes `probes`, the registered probes of the defined `tp` after (`func`, `data`) was
/// removed (`tracepoint_remove_func()`). Never fails: when memory for the smaller array is
/// lacking, the removed probe's slot calls the stub instead.
pub(crate) fn remove(
    tp: &RawTracepoint,
    probes: &[Registration],
    (func, data): (*const c_void, *const c_void),
    t: &mut Transitions,
) {
    let Some(first) = probes.first() else {
        // 1 -> 0: the key goes off first, then the static call and the array: sites stop
        // entering, then lose their probe. A site that read the removed probe's data may still
        // call; a later 0 -> 1 waits for it.
        tp.key().disable();
        // SAFETY: the iterator ignores the data.
        unsafe { set_call(tp, tp.iterator()) };
        // Publishing an empty list does not allocate.
        let _ = publish(tp, &[]);
        t.one_zero_one.get_state();
        return;
    };
    let (_, _, old_data) = published(tp);
    if publish(tp, probes).is_err() {
        stub_out(tp, func, data);
        return;
    }
    if first.data != old_data {
        // A site may have read `old_data`: a single probe must not be called with it.
        t.n_two_one.get_state();
    }
    if probes.len() == 1 {
        // 2 -> 1: the iterator stays until every site that read the data of another first
        // probe has left; then the only probe is called directly.
        t.n_two_one.cond_sync();
        // SAFETY: `first` is the only probe of the published array, and the grace period
        // above separates it from any other data a site read.
        unsafe { set_call(tp, first.func) };
    }
}

/// Removes every probe of `tp`, whose definition goes: the key off, then the array. The static
/// call is left as it is (nothing calls it with the key off and no array); `define` sets it again.
pub(crate) fn clear(tp: &RawTracepoint) {
    tp.key().disable();
    // Publishing an empty list does not allocate.
    let _ = publish(tp, &[]);
}

/// Makes the probe (`func`, `data`) of `tp`'s current array call the tracepoint's stub instead,
/// without allocating: the fallback of a removal when memory for a smaller array is lacking.
/// Sites may still call the old function until a grace period has passed, as after any removal.
/// The array keeps two entries or more, so the static call stays on the iterator.
fn stub_out(tp: &RawTracepoint, func: *const c_void, data: *const c_void) {
    // SAFETY: the registry mutex is held.
    let mut entry = unsafe { tp.probes() }.load(Ordering::Relaxed);
    if entry.is_null() {
        return;
    }
    loop {
        // SAFETY: the array is the current one, which only this (mutex-holding) updater may
        // replace or free; it is ended by a null `func`, and `entry` stops there.
        let e = unsafe { &*entry };
        let f = e.func.load(Ordering::Relaxed);
        if f.is_null() {
            return;
        }
        if f.cast_const() == func && e.data == data {
            // A site reads `func` once and calls it with `data`: the stub ignores `data`.
            e.func.store(tp.stub().cast_mut(), Ordering::Relaxed);
        }
        // SAFETY: `entry` is not the terminator, so the next element is in the array.
        entry = unsafe { entry.add(1) };
    }
}
