// SPDX-License-Identifier: GPL-2.0

//! This CPU's number and task, as C reads them with `raw_smp_processor_id()` and `current`.
//!
//! C header: [`arch/x86/include/asm/current.h`](srctree/arch/x86/include/asm/current.h),
//! [`arch/x86/include/asm/smp.h`](srctree/arch/x86/include/asm/smp.h)
//!
//! On x86_64 both are one `mov` from the per-CPU `pcpu_hot` through `%gs`, inlined here as C
//! inlines them; elsewhere they go through the C shim.

use kernel::bindings;

#[cfg(CONFIG_X86_64)]
mod arch {
    use kernel::bindings;

    type Hot = bindings::pcpu_hot__bindgen_ty_1__bindgen_ty_1;
    const CPU: usize = core::mem::offset_of!(Hot, cpu_number);
    const TASK: usize = core::mem::offset_of!(Hot, current_task);

    #[inline(always)]
    pub(super) fn cpu() -> u32 {
        let cpu: u32;
        // SAFETY: reads this CPU's `pcpu_hot.cpu_number`, as `raw_smp_processor_id()` does.
        unsafe {
            core::arch::asm!(
                "movl %gs:{hot}+{off}(%rip), {cpu:e}",
                hot = sym bindings::pcpu_hot,
                off = const CPU,
                cpu = out(reg) cpu,
                options(att_syntax, nostack, readonly, preserves_flags),
            )
        };
        cpu
    }

    #[inline(always)]
    pub(super) fn task() -> *mut bindings::task_struct {
        let task: *mut bindings::task_struct;
        // SAFETY: reads this CPU's `pcpu_hot.current_task`, as `current` does.
        unsafe {
            core::arch::asm!(
                "movq %gs:{hot}+{off}(%rip), {task}",
                hot = sym bindings::pcpu_hot,
                off = const TASK,
                task = out(reg) task,
                options(att_syntax, nostack, readonly, preserves_flags),
            )
        };
        task
    }
}

#[cfg(not(CONFIG_X86_64))]
mod arch {
    use kernel::bindings;

    // The task pointer is opaque here.
    #[allow(improper_ctypes)]
    extern "C" {
        fn rtrace_raw_smp_processor_id() -> core::ffi::c_int;
        fn rtrace_get_current() -> *mut bindings::task_struct;
    }

    #[inline(always)]
    pub(super) fn cpu() -> u32 {
        // SAFETY: no precondition.
        unsafe { rtrace_raw_smp_processor_id() as u32 }
    }

    #[inline(always)]
    pub(super) fn task() -> *mut bindings::task_struct {
        // SAFETY: no precondition.
        unsafe { rtrace_get_current() }
    }
}

/// This CPU's number. Stable only while preemption is disabled, which the caller ensures if it
/// needs it to be.
#[inline(always)]
pub fn this_cpu() -> u32 {
    arch::cpu()
}

/// The running task (`current`): alive for as long as it runs the caller.
#[inline(always)]
pub fn current() -> *mut bindings::task_struct {
    arch::task()
}
