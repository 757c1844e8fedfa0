// SPDX-License-Identifier: GPL-2.0

//! The `sched:*` markers of the bridge: what userspace sees of the kernel's scheduler
//! tracepoints (include/trace/events/sched.h), in basic types.

crate::marker! {
    /// A context switch: `prev` leaves the CPU for `next` (`prev_state` is `prev->__state`).
    pub sched:sched_switch {
        prev_comm: char[16],
        prev_pid: i32,
        prev_prio: i32,
        prev_state: u32,
        next_comm: char[16],
        next_pid: i32,
        next_prio: i32,
    }

    /// A task is woken up.
    pub sched:sched_wakeup {
        comm: char[16],
        pid: i32,
        prio: i32,
    }

    /// A newly forked task is woken up for the first time.
    pub sched:sched_wakeup_new {
        comm: char[16],
        pid: i32,
        prio: i32,
    }

    /// `parent` forked `child`.
    pub sched:sched_process_fork {
        parent_comm: char[16],
        parent_pid: i32,
        child_comm: char[16],
        child_pid: i32,
    }

    /// A task exec'd (its comm is already the new program's); `old_pid` is its pid before
    /// (a thread other than the leader exec'ing takes the leader's pid).
    pub sched:sched_process_exec {
        comm: char[16],
        pid: i32,
        old_pid: i32,
    }

    /// A task exits.
    pub sched:sched_process_exit {
        comm: char[16],
        pid: i32,
        prio: i32,
    }
}
