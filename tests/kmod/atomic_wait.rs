// SPDX-License-Identifier: GPL-2.0

//! rtrace_atomic_wait: a kthread that calls `Current::wait` in atomic context (inside an RCU-sched
//! read-side section, preemption disabled), with a condition that already holds, so that it
//! returns without sleeping. `wait` checks its context first (`might_sleep()`), so a kernel with
//! `CONFIG_DEBUG_ATOMIC_SLEEP` reports the misuse anyway: "BUG: sleeping function called from
//! invalid context". Loaded only by tests/host/atomic_wait.sh, which expects that report (the
//! in-VM suite fails on it).

use kernel::prelude::*;

#[path = "../../rust/rtrace.rs"]
mod rtrace;

use rtrace::kernel::kthread::{Current, Thread, ThreadMain};
use rtrace::kernel::rcu::ReadGuard;

module! {
    type: AtomicWait,
    name: "rtrace_atomic_wait",
    author: "rtrace developers",
    description: "rtrace test: Current::wait in atomic context is reported",
    license: "GPL",
}

struct Body;

impl ThreadMain for Body {
    fn main(&self, current: &Current) {
        {
            let _rcu = ReadGuard::new();
            // The misuse: in atomic context, though this call does not sleep.
            current.wait(|| true);
        }
        pr_info!("waited in atomic context\n");
        while !current.should_stop() {
            current.wait(|| false);
        }
    }
}

static BODY: Body = Body;

struct AtomicWait {
    _thread: Thread,
}

impl kernel::Module for AtomicWait {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        // SAFETY: the thread is kept in the module's state, dropped (stopped) at exit.
        let thread = unsafe { Thread::run(&BODY, c"rtrace_atomic") }?;
        Ok(AtomicWait { _thread: thread })
    }
}
