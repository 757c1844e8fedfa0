// SPDX-License-Identifier: GPL-2.0

//! The RCU discipline of probe arrays: building the copy that sites iterate, publishing it, and
//! freeing the one it replaces after a grace period.
//!
//! Each update allocates a new array, fills it, and publishes it with a release store
//! (`rcu_assign_pointer`); sites load it with an acquire load under `rcu_read_lock_sched`. The
//! replaced array is handed to `call_rcu`, so it is freed only when every site that may still walk
//! it has left its read-side section, and the updater never blocks. All updates run under the
//! registry mutex (tracepoint/registry.rs), so there is one writer at a time.

use core::alloc::Layout;
use core::ffi::c_void;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicPtr, Ordering};

use kernel::alloc::{allocator::Kmalloc, Allocator};
use kernel::bindings;
use kernel::prelude::*;

use crate::registry::Registration;
use crate::rtrace::abi::{ProbeEntry, RawTracepoint};

/// What is allocated for an array: the RCU head that frees it, then the entries sites see.
#[repr(C)]
struct ProbeArray {
    rcu: bindings::callback_head,
    entries: [ProbeEntry; 0],
}

fn layout(len: usize) -> Result<Layout> {
    let entries = Layout::array::<ProbeEntry>(len + 1).map_err(|_| ENOMEM)?;
    let (layout, _) = Layout::new::<ProbeArray>()
        .extend(entries)
        .map_err(|_| ENOMEM)?;
    Ok(layout)
}

/// Publishes a copy of `probes` (already in call order) as `tp`'s array. On allocation failure
/// nothing changes and `ENOMEM` is returned.
pub(crate) fn publish(tp: &RawTracepoint, probes: &[Registration]) -> Result {
    if probes.is_empty() {
        replace(tp, core::ptr::null_mut());
        return Ok(());
    }
    let raw: NonNull<[u8]> = Kmalloc::alloc(layout(probes.len())?, GFP_KERNEL)?;
    let array = raw.as_ptr().cast::<ProbeArray>();
    // SAFETY: `array` is a fresh allocation of the layout above: a `ProbeArray` followed by
    // `probes.len() + 1` entries, so every write below is in bounds and properly aligned.
    let first = unsafe {
        let first = core::ptr::addr_of_mut!((*array).entries).cast::<ProbeEntry>();
        for (i, p) in probes.iter().enumerate() {
            first.add(i).write(ProbeEntry {
                func: AtomicPtr::new(p.func.cast_mut()),
                data: p.data,
                prio: p.prio,
            });
        }
        first.add(probes.len()).write(ProbeEntry {
            func: AtomicPtr::new(core::ptr::null_mut()),
            data: core::ptr::null(),
            prio: 0,
        });
        first
    };
    replace(tp, first);
    Ok(())
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

/// Publishes `new` (null or a fresh array) and frees the old array after a grace period.
fn replace(tp: &RawTracepoint, new: *mut ProbeEntry) {
    // Release: a site that sees `new` also sees its entries (rcu_assign_pointer).
    let old = tp.probes.swap(new, Ordering::AcqRel);
    if old.is_null() {
        return;
    }
    // SAFETY: `old` is the `entries` field of a `ProbeArray` allocated by `publish`; stepping
    // back by the field offset gives the allocation.
    let array = unsafe {
        old.cast::<u8>()
            .sub(core::mem::offset_of!(ProbeArray, entries))
    }
    .cast::<ProbeArray>();
    // SAFETY: `array` is no longer reachable from `tp`, so after a grace period no site can read
    // it; `call_rcu` runs `free_array` then, with the head embedded at offset 0. `rcu_barrier()`
    // in the module exit waits for these callbacks before their code goes away.
    unsafe { bindings::call_rcu(core::ptr::addr_of_mut!((*array).rcu), Some(free_array)) };
}

/// # Safety
///
/// `head` is the `rcu` field of a `ProbeArray` queued by `replace`, passed once by RCU.
unsafe extern "C" fn free_array(head: *mut bindings::callback_head) {
    // SAFETY: `head` is the first field of a `ProbeArray` allocated with `Kmalloc` (kmalloc
    // memory), queued by `replace` once unreachable; this is its only free.
    unsafe { bindings::kfree(head.cast()) };
}
