// SPDX-License-Identifier: GPL-2.0

//! Data in a `static` protected by a mutex defined in C (`DEFINE_MUTEX` in the module's shim),
//! for the registries of the rtrace cores.
//!
//! C header: [`include/linux/mutex.h`](srctree/include/linux/mutex.h)
//!
//! The 6.12 `kernel` crate's `Mutex` needs pinned run-time initialisation; a registry that exported
//! functions reach at any time is simpler as a static next to a static mutex.

use core::cell::UnsafeCell;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};

/// `T`, reachable only through [`GlobalLock::lock`].
///
/// # Invariants
///
/// `lock` and `unlock` take and release one mutex, the same for every access to `data`.
pub struct GlobalLock<T> {
    data: UnsafeCell<T>,
    lock: unsafe extern "C" fn(),
    unlock: unsafe extern "C" fn(),
}

// SAFETY: `data` is only reached with the mutex held (`lock`), which serialises all threads.
unsafe impl<T: Send> Sync for GlobalLock<T> {}

impl<T> GlobalLock<T> {
    /// `data`, protected by the mutex that the C functions `lock` and `unlock` take and release.
    ///
    /// # Safety
    ///
    /// `lock` is `mutex_lock()` and `unlock` is `mutex_unlock()` of one mutex, used for nothing
    /// else.
    pub const unsafe fn new(
        data: T,
        lock: unsafe extern "C" fn(),
        unlock: unsafe extern "C" fn(),
    ) -> Self {
        Self {
            data: UnsafeCell::new(data),
            lock,
            unlock,
        }
    }

    /// Takes the mutex (sleeps) and gives access to the data until the guard is dropped.
    pub fn lock(&self) -> Guard<'_, T> {
        // SAFETY: by the type invariant, a plain `mutex_lock()` from process context; the guard
        // releases it.
        unsafe { (self.lock)() };
        Guard {
            owner: self,
            _not_send: PhantomData,
        }
    }
}

/// Holds the mutex, and with it the data. Not `Send`: a mutex is released by the task that took
/// it.
pub struct Guard<'a, T> {
    owner: &'a GlobalLock<T>,
    _not_send: PhantomData<*mut ()>,
}

impl<T> Drop for Guard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: the guard's existence means this task holds the mutex.
        unsafe { (self.owner.unlock)() };
    }
}

impl<T> Deref for Guard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the mutex is held for the guard's lifetime, so nothing else accesses the data.
        unsafe { &*self.owner.data.get() }
    }
}

impl<T> DerefMut for Guard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this the only reference.
        unsafe { &mut *self.owner.data.get() }
    }
}
