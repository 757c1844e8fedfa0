// SPDX-License-Identifier: GPL-2.0
/*
 * The C wrappers of events/sched.rs, one line each over a static-inline kernel API or a macro,
 * called only from there (named beside each function). Included once by the shim of every
 * module that compiles events/sched.rs: probes/bridge_shim.c and bench/bench_shim.c.
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
