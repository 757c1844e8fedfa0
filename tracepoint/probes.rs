// SPDX-License-Identifier: GPL-2.0

//! A tracepoint's probe array: the copy of its registrations that sites walk, published through
//! rust/rcu_array.rs (the RCU discipline), and the in-place fallback of a removal when memory is
//! short. All updates run under the registry mutex (tracepoint/registry.rs), so there is one
//! writer at a time.

use core::ffi::c_void;
use core::sync::atomic::{AtomicPtr, Ordering};

use kernel::prelude::*;

use crate::registry::Registration;
use crate::rtrace::abi::{ProbeEntry, RawTracepoint};
use crate::rtrace::rcu_array;

/// Publishes a copy of `probes` (already in call order) as `tp`'s array, freeing the old one after
/// a grace period. On allocation failure nothing changes and `ENOMEM` is returned; an empty list
/// does not allocate.
pub(crate) fn publish(tp: &RawTracepoint, probes: &[Registration]) -> Result {
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
    // SAFETY: `tp.probes` starts null and is stored to only here, under the registry mutex
    // (held by every caller); the tracepoint core waits for `rcu_barrier()` before it unloads.
    unsafe { rcu_array::publish(&tp.probes, entries, terminator) }
}

/// Makes the probe (`func`, `data`) of `tp`'s current array call the tracepoint's stub instead,
/// without allocating: the fallback of a removal when memory for a smaller array is lacking.
/// Sites may still call the old function until a grace period has passed, as after any removal.
pub(crate) fn stub_out(tp: &RawTracepoint, func: *const c_void, data: *const c_void) {
    let mut entry = tp.probes.load(Ordering::Relaxed);
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
            e.func.store(tp.stub.cast_mut(), Ordering::Relaxed);
        }
        // SAFETY: `entry` is not the terminator, so the next element is in the array.
        entry = unsafe { entry.add(1) };
    }
}
