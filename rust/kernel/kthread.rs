// SPDX-License-Identifier: GPL-2.0

//! Kernel threads that run until they are stopped, and the sleep/wake-up pattern they use.
//!
//! C header: [`include/linux/kthread.h`](srctree/include/linux/kthread.h)
//!
//! A thread's body, [`ThreadMain::main`], receives a [`Current`]: proof that the code runs in
//! the kthread that [`Thread::run`] created. [`Current::should_stop`] and [`Current::wait`] are
//! its methods, so they cannot be called outside such a thread (6.12's `kthread_should_stop()`
//! dereferences `to_kthread(current)`, null in any other task).
//!
//! The thread runs the calling module's code: it must be stopped before the module goes. A
//! [`Thread`] stops its thread when it is dropped, but a value can be leaked (`mem::forget`, a
//! reference cycle), so [`Thread::run`] is `unsafe` and its caller promises not to leak it.

use core::ffi::{c_int, c_void, CStr};
use core::marker::PhantomData;

use kernel::bindings;
use kernel::error::{from_err_ptr, Result};
use kernel::task::Task;

// rust/shim.c: macros.
extern "C" {
    fn rtrace_set_current_state_interruptible();
    fn rtrace_set_current_state_running();
    fn rtrace_might_sleep();
}

/// What a thread runs: called once, in the new thread; it may return at any time, and returns
/// at the latest when [`Current::should_stop`] says so.
pub trait ThreadMain: Sync {
    /// The thread's body; `current` is the thread itself.
    fn main(&self, current: &Current);
}

/// The running kthread, handed to [`ThreadMain::main`] and nowhere else.
///
/// # Invariants
///
/// A `Current` exists only on the stack of a kthread created by [`Thread::run`], for the
/// duration of its [`ThreadMain::main`]; it is neither `Send` nor `Sync`, so no other task can
/// reach it.
pub struct Current {
    _not_send: PhantomData<*mut ()>,
}

impl Current {
    /// Whether this kthread has been asked to stop.
    pub fn should_stop(&self) -> bool {
        // SAFETY: by the type invariant, `current` is a kthread, so `to_kthread(current)` is not
        // null.
        unsafe { bindings::kthread_should_stop() }
    }

    /// Sleeps until woken (or stopped), unless `ready()` already holds: the race-free
    /// `set_current_state(); if (!cond) schedule();` pattern. Returns `ready()`'s last value.
    ///
    /// Sleeps, so it must not be called in atomic context (with a spinlock held, preemption or
    /// interrupts disabled, inside an [`rcu::ReadGuard`]). As for the `kernel` crate's
    /// `CondVar::wait`, that is not checked by the type system but by the kernel: `might_sleep()`
    /// here warns at every call in atomic context on kernels with `CONFIG_DEBUG_ATOMIC_SLEEP`,
    /// and `schedule()` refuses to sleep there ("scheduling while atomic") on every kernel.
    ///
    /// [`rcu::ReadGuard`]: super::rcu::ReadGuard
    pub fn wait(&self, ready: impl Fn() -> bool) -> bool {
        // SAFETY: `might_sleep()` has no precondition; it only checks the context.
        unsafe { rtrace_might_sleep() };
        // SAFETY: sets the current task's state; always reset to running below.
        unsafe { rtrace_set_current_state_interruptible() };
        let ok = ready();
        if !ok && !self.should_stop() {
            // SAFETY: `schedule()` from this kthread's process context; a caller in atomic
            // context is reported by the scheduler, not undefined behaviour (see above).
            unsafe { bindings::schedule() };
        }
        // SAFETY: as above.
        unsafe { rtrace_set_current_state_running() };
        ok
    }
}

/// A running kernel thread, stopped (and waited for) by [`Thread::stop`] or when dropped.
///
/// # Invariants
///
/// `task` is a kthread created by `kthread_run` on which this value holds a reference
/// (`get_task_struct`), so the task struct stays valid even after the thread has exited;
/// `stopped` tells whether `kthread_stop` was called.
pub struct Thread {
    task: *mut bindings::task_struct,
    stopped: bool,
}

// SAFETY: a task pointer with a held reference may be used and stopped from any thread.
unsafe impl Send for Thread {}
// SAFETY: `&Thread` only gives access to the task as a `&Task`.
unsafe impl Sync for Thread {}

/// # Safety
///
/// `data` is the `&'static T` given to [`Thread::run`], and the caller is the kthread it created.
unsafe extern "C" fn thread_fn<T: ThreadMain>(data: *mut c_void) -> c_int {
    // SAFETY: `data` is the `&'static T` given to `Thread::run`.
    let data = unsafe { &*data.cast::<T>() };
    // This is the kthread `Thread::run` created, and `current` lives on its stack until `main`
    // returns: the invariant of `Current`.
    let current = Current {
        _not_send: PhantomData,
    };
    data.main(&current);
    0
}

impl Thread {
    /// Creates and wakes a thread named `name` running `data.main()`.
    ///
    /// # Safety
    ///
    /// The result is dropped (or [`Thread::stop`]ped) before the calling module's exit returns:
    /// the thread runs that module's code (`T::main`). Holding it in the module's state, or in a
    /// local of a function that returns before the module can go, does that; leaking it
    /// (`mem::forget`, `KBox::leak`, a reference cycle) would let the thread run code that is
    /// freed at `rmmod`.
    pub unsafe fn run<T: ThreadMain>(data: &'static T, name: &CStr) -> Result<Self> {
        // `kthread_create()` is a macro over this exported function.
        // SAFETY: `thread_fn::<T>` takes `data` back as the `&'static T` it is, in the new
        // kthread; the name format is "%s" and its one argument `name`, a NUL-terminated string.
        let task = from_err_ptr(unsafe {
            bindings::kthread_create_on_node(
                Some(thread_fn::<T>),
                (data as *const T).cast_mut().cast(),
                bindings::NUMA_NO_NODE,
                c"%s".as_ptr().cast(),
                name.as_ptr(),
            )
        })?;
        // SAFETY: the thread is created but not woken, so it has not run and cannot have exited:
        // `task` is valid. The reference taken here keeps it so until `drop`.
        unsafe { bindings::get_task_struct(task) };
        // SAFETY: `task` is a valid, newly created task.
        unsafe { bindings::wake_up_process(task) };
        Ok(Self {
            task,
            stopped: false,
        })
    }

    /// The thread's task.
    pub fn task(&self) -> &Task {
        // SAFETY: `Task` is a transparent wrapper of `task_struct`, and the reference held by
        // `self` keeps it alive for the borrow.
        unsafe { &*self.task.cast::<Task>() }
    }

    /// Asks the thread to stop and waits until it has; its task stays valid (see
    /// [`Thread::task`]) until `self` is dropped, so threads that know each other can all be
    /// stopped before any of their tasks is released.
    pub fn stop(&mut self) {
        if !self.stopped {
            self.stopped = true;
            // SAFETY: by the type invariant `task` is a kthread we hold a reference on, not
            // stopped before.
            unsafe { bindings::kthread_stop(self.task) };
        }
    }
}

impl Drop for Thread {
    fn drop(&mut self) {
        self.stop();
        // SAFETY: by the type invariant we hold a reference; this drops it.
        unsafe { bindings::put_task_struct(self.task) };
    }
}
