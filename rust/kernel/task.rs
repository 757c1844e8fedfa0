// SPDX-License-Identifier: GPL-2.0

//! What probes read of a task for markers: comm, pid, priority and state, as ftrace's sched
//! events record them.
//!
//! C header: [`include/linux/sched.h`](srctree/include/linux/sched.h)

use kernel::bindings;
use kernel::task::Task;

/// A task's identity and scheduling fields, copied.
pub struct Fields {
    /// `task->comm`, NUL-padded.
    pub comm: [u8; 16],
    /// `task->pid`.
    pub pid: i32,
    /// `task->prio`.
    pub prio: i32,
    /// `task->__state` (`TASK_RUNNING` 0, `TASK_INTERRUPTIBLE` 1, ...).
    pub state: u32,
}

/// The fields of `task`, a live task (the caller holds it: a tracepoint argument, `current`).
///
/// # Safety
///
/// `task` points to a live `task_struct` for the duration of the call.
pub unsafe fn fields(task: *const bindings::task_struct) -> Fields {
    // `comm` may be rewritten concurrently (by `set_task_comm()`), which the volatile copy
    // tolerates as ftrace's `memcpy()` does: the old name, the new one, or a mix of 16 bytes.
    // SAFETY: `task` is a live `task_struct` by the function's contract.
    unsafe {
        Fields {
            comm: core::ptr::read_volatile(core::ptr::addr_of!((*task).comm)),
            pid: (*task).pid,
            prio: (*task).prio,
            state: core::ptr::read_volatile(core::ptr::addr_of!((*task).__state)),
        }
    }
}

/// The fields of a task reference.
pub fn of(task: &Task) -> Fields {
    // SAFETY: `Task` wraps a `task_struct` transparently, alive while borrowed.
    unsafe { fields((task as *const Task).cast()) }
}
