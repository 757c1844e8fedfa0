// SPDX-License-Identifier: GPL-2.0

//! Copy-on-update arrays read under RCU-sched: the discipline of every list a tracing site walks
//! (a tracepoint's probes, a marker's sinks).
//!
//! C header: [`include/linux/rcupdate.h`](srctree/include/linux/rcupdate.h)
//!
//! An update allocates a new array, fills it, and publishes it with a release store
//! (`rcu_assign_pointer`); sites load it with an acquire load inside a [`ReadGuard`] and walk it
//! to its terminator. The replaced array goes to `call_rcu`, so it is freed only once every site
//! that may still walk it has left its read-side section, and the updater never blocks. Updaters
//! serialise among themselves (each user holds its own mutex); a module that publishes arrays
//! calls [`super::rcu::barrier`] before it unloads, since the freeing callback is its code.
//!
//! [`ReadGuard`]: super::rcu::ReadGuard

use core::alloc::Layout;
use core::sync::atomic::{AtomicPtr, Ordering};

use kernel::alloc::{allocator::Kmalloc, Allocator};
use kernel::bindings;
use kernel::prelude::*;

/// What precedes the entries in an allocation: the RCU head that frees it.
#[repr(C)]
struct Header {
    rcu: bindings::callback_head,
}

/// Where the first entry of an array of `T` lies after its header.
fn entries_offset<T>() -> usize {
    // Cannot fail: a header and one `T` fit in `isize` for any `T` rtrace stores.
    Layout::new::<Header>()
        .extend(Layout::new::<T>())
        .map_or(0, |(_, offset)| offset)
}

/// Publishes in `slot` a new array holding `items` then `terminator`, or null when `items` is
/// empty, and frees the array it replaces after a grace period. On allocation failure nothing
/// changes and `ENOMEM` is returned; publishing an empty list never allocates.
///
/// Entries are freed without being dropped: `T` must not need dropping (checked at compile time).
pub fn publish<T>(
    slot: &AtomicPtr<T>,
    items: impl ExactSizeIterator<Item = T>,
    terminator: T,
) -> Result {
    const { assert!(!core::mem::needs_drop::<T>()) };
    let len = items.len();
    if len == 0 {
        replace(slot, core::ptr::null_mut());
        return Ok(());
    }
    let entries = Layout::array::<T>(len + 1).map_err(|_| ENOMEM)?;
    let (layout, offset) = Layout::new::<Header>()
        .extend(entries)
        .map_err(|_| ENOMEM)?;
    let raw = Kmalloc::alloc(layout, GFP_KERNEL)?;
    // SAFETY: `raw` is a fresh allocation of `layout`: a `Header`, then at `offset` room for
    // `len + 1` entries, properly aligned; at most `len` items are written, then the terminator.
    let first = unsafe {
        let first = raw.as_ptr().cast::<u8>().add(offset).cast::<T>();
        let mut n = 0;
        for item in items.take(len) {
            first.add(n).write(item);
            n += 1;
        }
        first.add(n).write(terminator);
        first
    };
    replace(slot, first);
    Ok(())
}

/// Publishes `new` (null or a fresh array) and frees the old array after a grace period.
fn replace<T>(slot: &AtomicPtr<T>, new: *mut T) {
    // Release: a site that sees `new` also sees its entries (rcu_assign_pointer).
    let old = slot.swap(new, Ordering::AcqRel);
    if old.is_null() {
        return;
    }
    // SAFETY: `old` was published by `publish`, `entries_offset::<T>()` bytes after the start of
    // its allocation, where the `Header` is.
    let header = unsafe { old.cast::<u8>().sub(entries_offset::<T>()) }.cast::<Header>();
    // SAFETY: the array is no longer reachable from `slot`, so after a grace period no site can
    // read it; `call_rcu` then runs `free`, with the head at offset 0 of the allocation.
    unsafe { bindings::call_rcu(core::ptr::addr_of_mut!((*header).rcu), Some(free)) };
}

/// # Safety
///
/// `head` is the head of an array allocation queued by `replace`, passed once by RCU.
unsafe extern "C" fn free(head: *mut bindings::callback_head) {
    // SAFETY: `head` starts a `Kmalloc` (kmalloc) allocation, unreachable since a grace period.
    unsafe { bindings::kfree(head.cast()) };
}
