// SPDX-License-Identifier: GPL-2.0
/*
 * The C half of events/raw_syscalls.rs: its wrappers, one line each over a static-inline kernel
 * API, called only from there; and its bridge events, each probe's prototype checked against
 * the running kernel's tracepoint (probes/bridge_event.h). Included by probes/bridge_shim.c.
 */
#include <linux/sched.h>
#include <asm/syscall.h>
#include <trace/events/syscalls.h>
#include "../bridge_event.h"

void rtrace_syscall_get_arguments(struct pt_regs *regs, unsigned long *args);
long rtrace_syscall_get_nr(struct pt_regs *regs);

/* raw_syscalls.rs: arguments(), as ftrace's sys_enter records them */
void rtrace_syscall_get_arguments(struct pt_regs *regs, unsigned long *args)
{
	syscall_get_arguments(current, regs, args);
}

/* raw_syscalls.rs: sys_exit's id, as ftrace's sys_exit records it */
long rtrace_syscall_get_nr(struct pt_regs *regs)
{
	return syscall_get_nr(current, regs);
}

#ifdef CONFIG_HAVE_SYSCALL_TRACEPOINTS
RTRACE_BRIDGE_EVENT(sys_enter, struct pt_regs *regs, long id);
RTRACE_BRIDGE_EVENT(sys_exit, struct pt_regs *regs, long ret);
#else
/* An architecture without the tracepoints: the bridge skips them. */
RTRACE_BRIDGE_EVENT_ABSENT(sys_enter);
RTRACE_BRIDGE_EVENT_ABSENT(sys_exit);
#endif
