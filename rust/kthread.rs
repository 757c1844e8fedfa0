// SPDX-License-Identifier: GPL-2.0

//! Kernel threads that run until they are stopped, and the sleep/wake-up pattern they use.
//!
//! C header: [`include/linux/kthread.h`](srctree/include/linux/kthread.h)

use core::ffi::{c_int, c_void, CStr};

use kernel::bindings;
use kernel::error::{from_err_ptr, Result};
use kernel::task::Task;

// The task pointer is opaque here, never dereferenced.
#[allow(improper_ctypes)]
extern "C" {
    fn rtrace_kthread_create(
        f: unsafe extern "C" fn(*mut c_void) -> c_int,
        data: *mut c_void,
        name: *const core::ffi::c_char,
    ) -> *mut bindings::task_struct;
    fn rtrace_set_current_state_interruptible();
    fn rtrace_set_current_state_running();
}

/// What a thread runs: called once; returns when [`should_stop`] says so.
pub trait ThreadMain: Sync {
    /// The thread's body.
    fn main(&self);
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
/// `data` is the `&'static T` given to [`Thread::run`].
unsafe extern "C" fn thread_fn<T: ThreadMain>(data: *mut c_void) -> c_int {
    // SAFETY: `data` is the `&'static T` given to `Thread::run`.
    let data = unsafe { &*data.cast::<T>() };
    data.main();
    0
}

impl Thread {
    /// Creates and wakes a thread named `name` running `data.main()`.
    pub fn run<T: ThreadMain>(data: &'static T, name: &CStr) -> Result<Self> {
        // SAFETY: `thread_fn::<T>` takes `data` back as the `&'static T` it is; `name` is a
        // NUL-terminated string, printed with "%s" by the shim.
        let task = from_err_ptr(unsafe {
            rtrace_kthread_create(
                thread_fn::<T>,
                (data as *const T).cast_mut().cast(),
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

/// Whether the current kthread has been asked to stop.
pub fn should_stop() -> bool {
    // SAFETY: called from a kthread (the only callers are `ThreadMain::main` bodies).
    unsafe { bindings::kthread_should_stop() }
}

/// Sleeps until woken (or stopped), unless `ready()` already holds: the race-free
/// `set_current_state(); if (!cond) schedule();` pattern. Returns `ready()`'s last value.
pub fn wait(ready: impl Fn() -> bool) -> bool {
    // SAFETY: sets the current task's state; always reset to running below.
    unsafe { rtrace_set_current_state_interruptible() };
    let ok = ready();
    if !ok && !should_stop() {
        // SAFETY: plain schedule from process context with no spinlock held.
        unsafe { bindings::schedule() };
    }
    // SAFETY: as above.
    unsafe { rtrace_set_current_state_running() };
    ok
}
