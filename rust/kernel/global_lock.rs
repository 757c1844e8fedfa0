// SPDX-License-Identifier: GPL-2.0

//! Data in a `static` protected by a mutex defined in C (`DEFINE_MUTEX` in the module's shim),
//! for the registries of the rtrace cores. Rust takes and releases the mutex itself
//! (`mutex_lock()`, `mutex_unlock()` through the `kernel` crate's bindings); only its definition
//! is C, as `DEFINE_MUTEX` is a macro (with lockdep, it names the lock's class).
//!
//! C header: [`include/linux/mutex.h`](srctree/include/linux/mutex.h)
//!
//! The 6.12 `kernel` crate's `Mutex` needs pinned run-time initialisation; a registry that exported
//! functions reach at any time is simpler as a static next to a static mutex.

use core::cell::UnsafeCell;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};

use kernel::bindings;
use kernel::types::Opaque;

/// `T`, reachable only through [`GlobalLock::lock`].
///
/// # Invariants
///
/// `mutex` is an initialised mutex in static storage, taken for every access to `data` and used
/// for nothing else.
pub struct GlobalLock<T> {
    data: UnsafeCell<T>,
    mutex: &'static Opaque<bindings::mutex>,
}

// SAFETY: `data` is only reached with the mutex held (`lock`), which serialises all threads.
unsafe impl<T: Send> Sync for GlobalLock<T> {}

impl<T> GlobalLock<T> {
    /// `data`, protected by `mutex`.
    ///
    /// # Safety
    ///
    /// `mutex` is defined by `DEFINE_MUTEX` (initialised before any code runs) and used for
    /// nothing else.
    pub const unsafe fn new(data: T, mutex: &'static Opaque<bindings::mutex>) -> Self {
        Self {
            data: UnsafeCell::new(data),
            mutex,
        }
    }

    /// Takes the mutex (sleeps) and gives access to the data until the guard is dropped.
    ///
    /// Sleeps, so it must not be called in atomic context: `mutex_lock()` calls `might_sleep()`,
    /// which reports such a call on kernels with `CONFIG_DEBUG_ATOMIC_SLEEP`.
    pub fn lock(&self) -> Guard<'_, T> {
        // SAFETY: by the type invariant `mutex` is an initialised mutex that lives forever; a
        // task that already holds it deadlocks (and lockdep reports it) rather than misbehaves.
        // The guard releases it.
        unsafe { bindings::mutex_lock(self.mutex.get()) };
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
        // SAFETY: the guard's existence means this task holds the mutex (the guard is not
        // `Send`).
        unsafe { bindings::mutex_unlock(self.owner.mutex.get()) };
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
