// SPDX-License-Identifier: GPL-2.0

//! rtrace sample subsystem: a ring of kernel threads handing a token to each other.
//!
//! Each hand-off fires `trace_sched_switch(prev, next)` with the two threads' tasks and
//! `trace_sched_wakeup(next)` before waking the next thread, the sample's counterpart of
//! `schedule()` and `try_to_wake_up()`. The ring runs from load to unload; the unload reports how
//! many hand-offs were made, which is the number of times each tracepoint fired.

use core::ffi::CStr;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering};

use kernel::bindings;
use kernel::prelude::*;
use kernel::task::Task;

#[path = "../rust/rtrace.rs"]
mod rtrace;

mod sched_trace;

use rtrace::kernel::kthread::{Current, Thread, ThreadMain};
use rtrace::tracepoint::Definitions;
use sched_trace::*;

module! {
    type: Sample,
    name: "rtrace_sample",
    author: "rtrace developers",
    description: "rtrace sample instrumented subsystem",
    license: "GPL",
}

const THREADS: usize = 3;

/// The ring's shared state.
struct Ring {
    /// Set once every thread's task is known; cleared to stop hand-offs before the threads stop.
    running: AtomicBool,
    /// Index of the thread that holds the token.
    token: AtomicUsize,
    /// The threads' tasks, valid while `Sample::threads` holds them.
    tasks: [AtomicPtr<bindings::task_struct>; THREADS],
    hand_offs: AtomicU64,
}

static RING: Ring = Ring {
    running: AtomicBool::new(false),
    token: AtomicUsize::new(0),
    tasks: [const { AtomicPtr::new(core::ptr::null_mut()) }; THREADS],
    hand_offs: AtomicU64::new(0),
};

impl Ring {
    fn task(&self, i: usize) -> &Task {
        // SAFETY: set by `Sample::init` from a `Thread` before `running`, and the `Thread`s keep
        // the tasks alive until after every thread has stopped; `Task` wraps `task_struct`.
        unsafe { &*self.tasks[i].load(Ordering::Acquire).cast::<Task>() }
    }
}

/// One thread of the ring.
struct Member {
    index: usize,
}

static MEMBERS: [Member; THREADS] = [
    Member { index: 0 },
    Member { index: 1 },
    Member { index: 2 },
];

impl ThreadMain for Member {
    fn main(&self, current: &Current) {
        while !current.should_stop() {
            let mine = current.wait(|| {
                RING.running.load(Ordering::Acquire)
                    && RING.token.load(Ordering::Acquire) == self.index
            });
            if !mine || current.should_stop() {
                continue;
            }
            let next = (self.index + 1) % THREADS;
            let next_task = RING.task(next);
            trace_sched_switch(kernel::current!(), next_task);
            RING.hand_offs.fetch_add(1, Ordering::Relaxed);
            RING.token.store(next, Ordering::Release);
            trace_sched_wakeup(next_task);
            next_task.wake_up();
        }
    }
}

struct Sample {
    threads: KVec<Thread>,
    _tracepoints: Definitions,
}

impl kernel::Module for Sample {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let tracepoints = crate::define_tracepoints!(sched_switch, sched_wakeup)?;
        let names: [&CStr; THREADS] = [c"rtrace_ring/0", c"rtrace_ring/1", c"rtrace_ring/2"];
        let mut threads = KVec::with_capacity(THREADS, GFP_KERNEL)?;
        for (member, name) in MEMBERS.iter().zip(names) {
            // SAFETY: the thread goes into `Sample::threads`, dropped (after being stopped) by
            // the module's exit, or right away if `init` fails.
            let thread = unsafe { Thread::run(member, name) }?;
            RING.tasks[member.index]
                .store(thread.task() as *const Task as *mut _, Ordering::Release);
            threads.push(thread, GFP_KERNEL)?;
        }
        RING.hand_offs.store(0, Ordering::Relaxed);
        RING.token.store(0, Ordering::Relaxed);
        RING.running.store(true, Ordering::Release);
        RING.task(0).wake_up();
        pr_info!("loaded: {} threads handing a token\n", THREADS);
        Ok(Sample {
            threads,
            _tracepoints: tracepoints,
        })
    }
}

impl Drop for Sample {
    fn drop(&mut self) {
        RING.running.store(false, Ordering::Release);
        // Every thread stops before any task is released: a thread may still be waking the next.
        for t in self.threads.iter_mut() {
            t.stop();
        }
        pr_info!(
            "unloaded after {} hand-offs\n",
            RING.hand_offs.load(Ordering::Relaxed)
        );
    }
}
