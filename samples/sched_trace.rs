// SPDX-License-Identifier: GPL-2.0

//! Tracepoints of the sample subsystem: the declaration shared by the module that fires them
//! (samples/sample.rs) and by every probe module, as C shares `include/trace/events/sched.h`.

use kernel::task::Task;

crate::tracepoint! {
    /// The token passes from `prev` (the running thread) to `next`.
    pub fn sched_switch(prev: &Task, next: &Task);

    /// `task` is woken up to take the token.
    pub fn sched_wakeup(task: &Task);
}
