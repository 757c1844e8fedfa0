// SPDX-License-Identifier: GPL-2.0

//! Copy-on-update arrays read under RCU-sched: the discipline of every list a tracing site walks
//! (a tracepoint's probes, a marker's sinks).
//!
//! C header: [`include/linux/rcupdate.h`](srctree/include/linux/rcupdate.h)
//!
//! An update allocates a new array, fills it, and publishes it with a release store
//! (`rcu_assign_pointer`); sites load it with an acquire load inside a [`ReadGuard`] and walk it
//! to its terminator. The replaced array is *retired*: freed only once every site that may still
//! walk it has left its read-side section (`call_rcu`), and the updater never blocks. Updaters
//! serialise among themselves (each user holds its own mutex); a module that publishes arrays
//! calls [`super::rcu::barrier`] before it unloads, since the freeing callback is its code.
//!
//! The protocol, [`publish_in`], is generic over where arrays come from and go ([`Arrays`]): in
//! the kernel, kmalloc and `call_rcu` ([`publish`]); on the host, the model that the loom tests
//! (`rust/tests/loom_rcu_array.rs`) check every interleaving of.
//!
//! [`ReadGuard`]: super::rcu::ReadGuard

#[cfg(loom)]
use loom::sync::atomic::{AtomicPtr, Ordering};

#[cfg(not(loom))]
use core::sync::atomic::{AtomicPtr, Ordering};

use core::ptr::NonNull;

/// Where the arrays of [`publish_in`] come from and go.
///
/// # Safety
///
/// `alloc(len)` returns null or room for `len` properly aligned `T`s, which stays valid until it
/// is given to `retire`; `retire(array)` frees it only once no reader that may have loaded it
/// from its slot is still in its read-side section.
pub unsafe trait Arrays<T> {
    /// Room for `len` entries (`len > 0`), or null.
    fn alloc(&self, len: usize) -> *mut T;

    /// Frees `array`, which came from `alloc` and is no longer reachable from its slot, after a
    /// grace period.
    ///
    /// # Safety
    ///
    /// `array` came from `self.alloc` and is retired once.
    unsafe fn retire(&self, array: NonNull<T>);
}

/// Why [`publish_in`] changed nothing: no memory for the new array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoMemory;

/// Publishes in `slot` a new array from `arrays` holding `items` then `terminator`, or null when
/// `items` is empty, and retires the array it replaces. On allocation failure nothing changes;
/// publishing an empty list never allocates.
///
/// # Safety
///
/// - `slot` holds null or an array that `publish_in` published from `arrays`, and nothing but
///   `publish_in` with the same `arrays` stores into it (the old array is handed to `retire`);
/// - the caller serialises the updates of `slot`, so that an array is replaced, and retired,
///   once.
pub unsafe fn publish_in<T, A: Arrays<T>>(
    arrays: &A,
    slot: &AtomicPtr<T>,
    items: impl ExactSizeIterator<Item = T>,
    terminator: T,
) -> Result<(), NoMemory> {
    let len = items.len();
    let new = if len == 0 {
        core::ptr::null_mut()
    } else {
        let first = arrays.alloc(len + 1);
        if first.is_null() {
            return Err(NoMemory);
        }
        let mut n = 0;
        // Writes at most `len` items, however many the iterator yields, then the terminator.
        for item in items.take(len) {
            // SAFETY: `first` has room for `len + 1` entries (`Arrays`) and `n < len`.
            unsafe { first.add(n).write(item) };
            n += 1;
        }
        // SAFETY: `n <= len`, in the room of `len + 1` entries.
        unsafe { first.add(n).write(terminator) };
        first
    };
    // Release: a site that loads `new` (acquire) also sees its entries (rcu_assign_pointer).
    // Acquire: the old array's entries, written by the previous update, are complete here too.
    let old = slot.swap(new, Ordering::AcqRel);
    if let Some(old) = NonNull::new(old) {
        // SAFETY: by the function's contract `old` came from `arrays.alloc` through an earlier
        // `publish_in`; it is no longer reachable from `slot`, and only this update retires it.
        unsafe { arrays.retire(old) };
    }
    Ok(())
}

// Unused by the modules that publish no array, as rtrace.rs allows for dead code.
#[cfg(MODULE)]
#[allow(unused_imports)]
pub use kernel_arrays::publish;

/// kmalloc and `call_rcu`: the arrays of the kernel modules.
#[cfg(MODULE)]
mod kernel_arrays {
    use core::alloc::Layout;
    use core::marker::PhantomData;
    use core::ptr::NonNull;
    use core::sync::atomic::AtomicPtr;

    use kernel::alloc::{allocator::Kmalloc, Allocator};
    use kernel::bindings;
    use kernel::prelude::*;

    use super::{publish_in, Arrays};

    /// What precedes the entries in an allocation: the RCU head that frees it.
    #[repr(C)]
    struct Header {
        rcu: bindings::callback_head,
    }

    /// The layout of an allocation of `len` entries, and where the first one lies.
    fn layout<T>(len: usize) -> Option<(Layout, usize)> {
        let entries = Layout::array::<T>(len).ok()?;
        Layout::new::<Header>().extend(entries).ok()
    }

    /// Where the first entry of an array of `T` lies after its header.
    fn entries_offset<T>() -> usize {
        // Cannot fail: a header and one `T` fit in `isize` for any `T` rtrace stores.
        layout::<T>(1).map_or(0, |(_, offset)| offset)
    }

    /// Arrays of `T` behind a `Header`, freed (without dropping the entries) by `call_rcu`.
    struct Kernel<T>(PhantomData<T>);

    // SAFETY: `alloc` returns `Kmalloc` room for `len` entries after a header, valid until
    // kfree'd; `retire` kfrees it only from an RCU callback queued after the array was
    // unpublished, so once every read-side section that may have loaded it has ended.
    unsafe impl<T> Arrays<T> for Kernel<T> {
        fn alloc(&self, len: usize) -> *mut T {
            let Some((layout, offset)) = layout::<T>(len) else {
                return core::ptr::null_mut();
            };
            match Kmalloc::alloc(layout, GFP_KERNEL) {
                // SAFETY: the allocation holds `offset` bytes then the entries.
                Ok(raw) => unsafe { raw.as_ptr().cast::<u8>().add(offset).cast::<T>() },
                Err(_) => core::ptr::null_mut(),
            }
        }

        unsafe fn retire(&self, array: NonNull<T>) {
            // SAFETY: `array` came from `alloc`, `entries_offset::<T>()` bytes after the start
            // of its allocation, where the `Header` is.
            let header = unsafe { array.as_ptr().cast::<u8>().sub(entries_offset::<T>()) };
            let header = header.cast::<Header>();
            // SAFETY: the array is no longer reachable from its slot, so after a grace period no
            // site can read it; `call_rcu` then runs `free`, with the head at offset 0 of the
            // allocation.
            unsafe { bindings::call_rcu(core::ptr::addr_of_mut!((*header).rcu), Some(free)) };
        }
    }

    /// # Safety
    ///
    /// `head` is the head of an array allocation queued by `retire`, passed once by RCU.
    unsafe extern "C" fn free(head: *mut bindings::callback_head) {
        // SAFETY: `head` starts a `Kmalloc` (kmalloc) allocation, unreachable since a grace
        // period.
        unsafe { bindings::kfree(head.cast()) };
    }

    /// Publishes in `slot` a new array holding `items` then `terminator`, or null when `items`
    /// is empty, and frees the array it replaces after a grace period. On allocation failure
    /// nothing changes and `ENOMEM` is returned; publishing an empty list never allocates.
    ///
    /// Entries are freed without being dropped: `T` must not need dropping (checked at compile
    /// time).
    ///
    /// # Safety
    ///
    /// - `slot` holds null or an array that `publish` published for the same `T`, and nothing
    ///   but `publish` stores into it (the old array is handed to `kfree`);
    /// - the caller serialises the updates of `slot` (holds the lock its owner documents), so
    ///   that an array is replaced, and queued for freeing, once;
    /// - the module that calls this calls [`super::super::rcu::barrier`] before it unloads.
    pub unsafe fn publish<T>(
        slot: &AtomicPtr<T>,
        items: impl ExactSizeIterator<Item = T>,
        terminator: T,
    ) -> Result {
        const { assert!(!core::mem::needs_drop::<T>()) };
        // SAFETY: the caller's contract, with every array of `slot` from `Kernel`.
        unsafe { publish_in(&Kernel(PhantomData), slot, items, terminator) }.map_err(|_| ENOMEM)
    }
}
