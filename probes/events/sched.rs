// SPDX-License-Identifier: GPL-2.0

//! The kernel's scheduler tracepoints (include/trace/events/sched.h) as `sched:*` markers: one
//! bridge event each (probes/bridge_event.rs), the marker in basic types and the code that
//! translates the tracepoint's arguments into its fields; their C prototypes are checked in
//! events/sched_shim.c.
//!
//! The fields mean what ftrace's fields of the same names mean: `prev_state` is the value
//! `__trace_sched_switch_state()` records (a `TASK_REPORT` state bit, `TASK_REPORT_MAX` for a
//! preempted task), which readers print as ftrace's letters (`R`, `R+`, `S`, `D`, `I`, `Z`...);
//! `target_cpu` is `task_cpu()` of the woken task, `orig_cpu` that of the migrating one.

use core::ffi::{c_int, c_uint, c_void};

use kernel::bindings::{self, task_struct};

use crate::rtrace::kernel::task::fields;

crate::bridge_events! {
    /// A context switch: `prev` leaves the CPU for `next`. `prev_state` is ftrace's: 0 for a
    /// runnable task (`R`), `TASK_REPORT_MAX` (256) for a preempted one (`R+`), else the one
    /// `TASK_REPORT` bit of its state (`S` 1, `D` 2, `T` 4, `t` 8, `X` 16, `Z` 32, `P` 64, and
    /// 128 for `TASK_IDLE`, `I`), with the freezable and other internal bits left out.
    sched:sched_switch(
        preempt: bool,
        prev: *mut task_struct,
        next: *mut task_struct,
        state: c_uint,
    ) {
        // SAFETY: the scheduler passes the two live tasks it switches between.
        let (p, n, prev_state) =
            unsafe { (fields(prev), fields(next), prev_state(preempt, state, prev)) };
    } => {
        prev_comm: char[16] = &p.comm,
        prev_pid: i32 = p.pid,
        prev_prio: i32 = p.prio,
        prev_state: u32 = prev_state,
        next_comm: char[16] = &n.comm,
        next_pid: i32 = n.pid,
        next_prio: i32 = n.prio,
    }

    /// A task is woken up, to run on `target_cpu`.
    sched:sched_wakeup(p: *mut task_struct) {
        // SAFETY: `p` is the live task being woken.
        let (t, cpu) = unsafe { (fields(p), target_cpu(p)) };
    } => {
        comm: char[16] = &t.comm,
        pid: i32 = t.pid,
        prio: i32 = t.prio,
        target_cpu: i32 = cpu,
    }

    /// A newly forked task is woken up for the first time, to run on `target_cpu`.
    sched:sched_wakeup_new(p: *mut task_struct) {
        // SAFETY: `p` is the live task being woken.
        let (t, cpu) = unsafe { (fields(p), target_cpu(p)) };
    } => {
        comm: char[16] = &t.comm,
        pid: i32 = t.pid,
        prio: i32 = t.prio,
        target_cpu: i32 = cpu,
    }

    /// A task is being woken up, to run on `target_cpu`: recorded in the waking context, before
    /// the task is queued (`sched_wakeup` follows once it is).
    sched:sched_waking(p: *mut task_struct) {
        // SAFETY: `p` is the live task being woken.
        let (t, cpu) = unsafe { (fields(p), target_cpu(p)) };
    } => {
        comm: char[16] = &t.comm,
        pid: i32 = t.pid,
        prio: i32 = t.prio,
        target_cpu: i32 = cpu,
    }

    /// A task moves from CPU `orig_cpu` to CPU `dest_cpu`.
    sched:sched_migrate_task(p: *mut task_struct, dest_cpu: c_int) {
        // SAFETY: `p` is the live task being moved; it is still on its old CPU.
        let (t, orig_cpu) = unsafe { (fields(p), target_cpu(p)) };
    } => {
        comm: char[16] = &t.comm,
        pid: i32 = t.pid,
        prio: i32 = t.prio,
        orig_cpu: i32 = orig_cpu,
        dest_cpu: i32 = dest_cpu,
    }

    /// `parent` forked `child`.
    sched:sched_process_fork(parent: *mut task_struct, child: *mut task_struct) {
        // SAFETY: both tasks are live during fork.
        let (p, c) = unsafe { (fields(parent), fields(child)) };
    } => {
        parent_comm: char[16] = &p.comm,
        parent_pid: i32 = p.pid,
        child_comm: char[16] = &c.comm,
        child_pid: i32 = c.pid,
    }

    /// A task exec'd (its comm is already the new program's); `old_pid` is its pid before
    /// (a thread other than the leader exec'ing takes the leader's pid).
    sched:sched_process_exec(
        p: *mut task_struct,
        old_pid: bindings::pid_t,
        _bprm: *mut bindings::linux_binprm,
    ) {
        // SAFETY: `p` is the live task that exec'd.
        let t = unsafe { fields(p) };
    } => {
        comm: char[16] = &t.comm,
        pid: i32 = t.pid,
        old_pid: i32 = old_pid,
    }

    /// A task exits.
    sched:sched_process_exit(p: *mut task_struct) {
        // SAFETY: `p` is the exiting task, live during the call.
        let t = unsafe { fields(p) };
    } => {
        comm: char[16] = &t.comm,
        pid: i32 = t.pid,
        prio: i32 = t.prio,
    }
}

// The C wrappers (events/sched_shim.c). A task is passed as an untyped pointer: bindgen's
// `task_struct` holds members it cannot lay out, which an `extern` block refuses.
extern "C" {
    fn rtrace_task_state_index(state: c_uint, p: *const c_void) -> c_uint;
    fn rtrace_task_report_max() -> c_uint;
    fn rtrace_task_cpu(p: *const c_void) -> c_uint;
}

/// `prev_state` as ftrace records it (`__trace_sched_switch_state()` in
/// include/trace/events/sched.h, defined only where a trace event is created): preemption
/// ignores the task's state, as a preempted task stays runnable; otherwise the state index of
/// `state` and the task's `exit_state` (`TASK_IDLE` its own index, frozen tasks and rtlock waits
/// `D`, every bit outside `TASK_REPORT` dropped), as a single bit.
///
/// # Safety
///
/// `prev` is a live task.
unsafe fn prev_state(preempt: bool, state: c_uint, prev: *const task_struct) -> u32 {
    if preempt {
        // SAFETY: returns a constant.
        return unsafe { rtrace_task_report_max() };
    }
    // SAFETY: `prev` is live by the function's contract.
    match unsafe { rtrace_task_state_index(state, prev.cast()) } {
        0 => 0,
        // At most fls(TASK_REPORT_IDLE) = 8: the shift cannot overflow.
        index => 1 << (index - 1),
    }
}

/// The CPU `p` is queued on, ftrace's `target_cpu`.
///
/// # Safety
///
/// `p` is a live task.
unsafe fn target_cpu(p: *const task_struct) -> i32 {
    // SAFETY: `p` is live by the function's contract.
    let cpu = unsafe { rtrace_task_cpu(p.cast()) };
    // CPU numbers are below NR_CPUS, which fits an i32.
    cpu as i32
}
