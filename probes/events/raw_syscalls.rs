// SPDX-License-Identifier: GPL-2.0

//! The kernel's system call tracepoints (include/trace/events/syscalls.h, trace system
//! `raw_syscalls`) as `raw_syscalls:*` markers, one bridge event each (probes/bridge_event.rs);
//! their C prototypes are checked in events/raw_syscalls_shim.c.
//!
//! The fields are ftrace's: `id` is the system call's number (of the task's ABI: a 32-bit task's
//! numbers are the compat table's), `arg0` to `arg5` its six argument registers (ftrace's
//! `args[6]`; those beyond the call's own arguments hold whatever the registers held), `ret` its
//! return value (a negative error number on failure). Connecting a sink to either marker makes
//! every task take the slow system call path while the bridge is loaded, as enabling ftrace's
//! events does.

use core::ffi::{c_long, c_ulong};

use kernel::bindings::pt_regs;

// The C wrappers (events/raw_syscalls_shim.c).
extern "C" {
    fn rtrace_syscall_get_arguments(regs: *mut pt_regs, args: *mut [c_ulong; 6]);
    fn rtrace_syscall_get_nr(regs: *mut pt_regs) -> c_long;
}

/// The six argument registers of the system call of `regs`, the current task's.
///
/// # Safety
///
/// `regs` are the current task's user registers, at a system call.
unsafe fn arguments(regs: *mut pt_regs) -> [u64; 6] {
    let mut args: [c_ulong; 6] = [0; 6];
    // SAFETY: `regs` is valid by the function's contract; `args` is six writable `unsigned long`s.
    unsafe { rtrace_syscall_get_arguments(regs, &mut args) };
    args.map(u64::from)
}

crate::bridge_events! {
    /// The current task enters system call `id` with arguments `arg0` to `arg5`.
    raw_syscalls:sys_enter(regs: *mut pt_regs, id: c_long) {
        // SAFETY: the entry code passes the current task's registers.
        let args = unsafe { arguments(regs) };
    } => {
        id: i64 = id,
        arg0: u64 = args[0],
        arg1: u64 = args[1],
        arg2: u64 = args[2],
        arg3: u64 = args[3],
        arg4: u64 = args[4],
        arg5: u64 = args[5],
    }

    /// The current task leaves system call `id`, which returned `ret`.
    raw_syscalls:sys_exit(regs: *mut pt_regs, ret: c_long) {
        // SAFETY: the exit code passes the current task's registers.
        let id = unsafe { rtrace_syscall_get_nr(regs) };
    } => {
        id: i64 = id,
        ret: i64 = ret,
    }
}
