// SPDX-License-Identifier: GPL-2.0
/*
 * The C wrappers of events/sched.rs, one line each over a static-inline kernel API or a macro,
 * called only from there (named beside each function), and the C half of its bridge events.
 * Included once by the shim of every module that compiles events/sched.rs: probes/bridge_shim.c
 * and bench/bench_shim.c.
 */
#include <linux/sched.h>

unsigned int rtrace_task_state_index(unsigned int state, const struct task_struct *p);
unsigned int rtrace_task_report_max(void);
unsigned int rtrace_task_cpu(const struct task_struct *p);

/* sched.rs: prev_state(), the state index ftrace's __trace_sched_switch_state() builds on */
unsigned int rtrace_task_state_index(unsigned int state, const struct task_struct *p)
{
	return __task_state_index(state, p->exit_state);
}

/* sched.rs: prev_state(), ftrace's value for a preempted task */
unsigned int rtrace_task_report_max(void)
{
	return TASK_REPORT_MAX;
}

/* sched.rs: target_cpu(), as ftrace's sched_wakeup_template records it */
unsigned int rtrace_task_cpu(const struct task_struct *p)
{
	return task_cpu(p);
}

/*
 * The bridge events of events/sched.rs, each probe's prototype checked against the running
 * kernel's tracepoint (probes/bridge_event.h): one line per event, in the order of sched.rs.
 */
#include <trace/events/sched.h>
#include "../bridge_event.h"

RTRACE_BRIDGE_EVENT(sched_switch, bool preempt, struct task_struct *prev,
		    struct task_struct *next, unsigned int prev_state);
RTRACE_BRIDGE_EVENT(sched_wakeup, struct task_struct *p);
RTRACE_BRIDGE_EVENT(sched_wakeup_new, struct task_struct *p);
RTRACE_BRIDGE_EVENT(sched_waking, struct task_struct *p);
RTRACE_BRIDGE_EVENT(sched_migrate_task, struct task_struct *p, int dest_cpu);
RTRACE_BRIDGE_EVENT(sched_process_fork, struct task_struct *parent, struct task_struct *child);
RTRACE_BRIDGE_EVENT(sched_process_exec, struct task_struct *p, pid_t old_pid,
		    struct linux_binprm *bprm);
RTRACE_BRIDGE_EVENT(sched_process_exit, struct task_struct *p);
