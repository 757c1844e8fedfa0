// SPDX-License-Identifier: GPL-2.0

//! The kernel's scheduler tracepoints (include/trace/events/sched.h) as `sched:*` markers: the
//! markers, in basic types, and the probes that translate each tracepoint's arguments into them.
//!
//! The fields mean what ftrace's fields of the same names mean: `prev_state` is the value
//! `__trace_sched_switch_state()` records (a `TASK_REPORT` state bit, `TASK_REPORT_MAX` for a
//! preempted task), which readers print as ftrace's letters (`R`, `R+`, `S`, `D`, `I`, `Z`...);
//! `target_cpu` is `task_cpu()` of the woken task.

use core::ffi::{c_uint, c_void};

use kernel::bindings::{self, task_struct};

use crate::rtrace::kernel::task::fields;

crate::marker! {
    /// A context switch: `prev` leaves the CPU for `next`. `prev_state` is ftrace's: 0 for a
    /// runnable task (`R`), `TASK_REPORT_MAX` (256) for a preempted one (`R+`), else the one
    /// `TASK_REPORT` bit of its state (`S` 1, `D` 2, `T` 4, `t` 8, `X` 16, `Z` 32, `P` 64, and
    /// 128 for `TASK_IDLE`, `I`), with the freezable and other internal bits left out.
    pub sched:sched_switch {
        prev_comm: char[16],
        prev_pid: i32,
        prev_prio: i32,
        prev_state: u32,
        next_comm: char[16],
        next_pid: i32,
        next_prio: i32,
    }

    /// A task is woken up, to run on `target_cpu`.
    pub sched:sched_wakeup {
        comm: char[16],
        pid: i32,
        prio: i32,
        target_cpu: i32,
    }

    /// A newly forked task is woken up for the first time, to run on `target_cpu`.
    pub sched:sched_wakeup_new {
        comm: char[16],
        pid: i32,
        prio: i32,
        target_cpu: i32,
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

// The probes. Each is called by the kernel's tracepoint with its `TP_PROTO`, preceded by the
// (unused) data pointer; the task pointers are live for the call.

/// `sched_switch(bool preempt, struct task_struct *prev, struct task_struct *next,
/// unsigned int prev_state)`
///
/// # Safety
///
/// Called by the `sched_switch` tracepoint.
pub(crate) unsafe extern "C" fn probe_sched_switch(
    _data: *mut c_void,
    preempt: bool,
    prev: *mut task_struct,
    next: *mut task_struct,
    state: c_uint,
) {
    if !enabled_sched_sched_switch() {
        return;
    }
    // SAFETY: the scheduler passes the two live tasks it switches between.
    let (p, n, prev_state) =
        unsafe { (fields(prev), fields(next), prev_state(preempt, state, prev)) };
    emit_sched_sched_switch(&p.comm, p.pid, p.prio, prev_state, &n.comm, n.pid, n.prio);
}

/// `sched_wakeup(struct task_struct *p)`
///
/// # Safety
///
/// Called by the `sched_wakeup` tracepoint.
pub(crate) unsafe extern "C" fn probe_sched_wakeup(_data: *mut c_void, p: *mut task_struct) {
    if !enabled_sched_sched_wakeup() {
        return;
    }
    // SAFETY: `p` is the live task being woken.
    let (t, cpu) = unsafe { (fields(p), target_cpu(p)) };
    emit_sched_sched_wakeup(&t.comm, t.pid, t.prio, cpu);
}

/// `sched_wakeup_new(struct task_struct *p)`
///
/// # Safety
///
/// Called by the `sched_wakeup_new` tracepoint.
pub(crate) unsafe extern "C" fn probe_sched_wakeup_new(_data: *mut c_void, p: *mut task_struct) {
    if !enabled_sched_sched_wakeup_new() {
        return;
    }
    // SAFETY: `p` is the live task being woken.
    let (t, cpu) = unsafe { (fields(p), target_cpu(p)) };
    emit_sched_sched_wakeup_new(&t.comm, t.pid, t.prio, cpu);
}

/// `sched_process_fork(struct task_struct *parent, struct task_struct *child)`
///
/// # Safety
///
/// Called by the `sched_process_fork` tracepoint.
pub(crate) unsafe extern "C" fn probe_sched_process_fork(
    _data: *mut c_void,
    parent: *mut task_struct,
    child: *mut task_struct,
) {
    if !enabled_sched_sched_process_fork() {
        return;
    }
    // SAFETY: both tasks are live during fork.
    let (p, c) = unsafe { (fields(parent), fields(child)) };
    emit_sched_sched_process_fork(&p.comm, p.pid, &c.comm, c.pid);
}

/// `sched_process_exec(struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)`
///
/// # Safety
///
/// Called by the `sched_process_exec` tracepoint.
pub(crate) unsafe extern "C" fn probe_sched_process_exec(
    _data: *mut c_void,
    p: *mut task_struct,
    old_pid: bindings::pid_t,
    _bprm: *mut c_void,
) {
    if !enabled_sched_sched_process_exec() {
        return;
    }
    // SAFETY: `p` is the live task that exec'd.
    let t = unsafe { fields(p) };
    emit_sched_sched_process_exec(&t.comm, t.pid, old_pid);
}

/// `sched_process_exit(struct task_struct *p)`
///
/// # Safety
///
/// Called by the `sched_process_exit` tracepoint.
pub(crate) unsafe extern "C" fn probe_sched_process_exit(_data: *mut c_void, p: *mut task_struct) {
    if !enabled_sched_sched_process_exit() {
        return;
    }
    // SAFETY: `p` is the exiting task, live during the call.
    let t = unsafe { fields(p) };
    emit_sched_sched_process_exit(&t.comm, t.pid, t.prio);
}
