// SPDX-License-Identifier: GPL-2.0

//! Positional insertion and removal for `KVec`, which the 6.12 `kernel` crate does not have yet.
//!
//! C header: none; see [`rust/kernel/alloc/kvec.rs`](srctree/rust/kernel/alloc/kvec.rs).

use kernel::alloc::Flags;
use kernel::prelude::*;

/// Inserts `value` at `index` (`<= len`), shifting the tail right. On allocation failure the
/// vector is unchanged.
pub fn insert<T>(v: &mut KVec<T>, index: usize, value: T, flags: Flags) -> Result {
    v.push(value, flags)?;
    v.as_mut_slice()[index..].rotate_right(1);
    Ok(())
}

/// Removes and returns the element at `index` (`< len`), keeping the order of the others.
pub fn remove<T>(v: &mut KVec<T>, index: usize) -> T {
    v.as_mut_slice()[index..].rotate_left(1);
    pop(v)
}

/// Removes and returns the element at `index` (`< len`); the last element takes its place.
pub fn swap_remove<T>(v: &mut KVec<T>, index: usize) -> T {
    let last = v.len() - 1;
    v.as_mut_slice().swap(index, last);
    pop(v)
}

fn pop<T>(v: &mut KVec<T>) -> T {
    let last = v.len() - 1;
    // SAFETY: `last < len`, so the element is initialised; shrinking the length first makes the
    // vector forget it, so reading it out moves its ownership exactly once.
    unsafe {
        v.set_len(last);
        v.as_ptr().add(last).read()
    }
}
