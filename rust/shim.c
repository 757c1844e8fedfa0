// SPDX-License-Identifier: GPL-2.0
/*
 * The rtrace C shim: out-of-line wrappers of static-inline kernel APIs and macros that Rust cannot
 * call directly. Each function is one line and has exactly one caller, its safe Rust wrapper in
 * rust/ (named beside each function). Every module compiles this file once, through its own
 * <module>_shim.c, so that no object is shared between modules.
 */
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/preempt.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/tracepoint.h>

#include "shim.h"

/* rust/rcu.rs: preempt::disable(), where not inlined */
notrace void rtrace_rcu_read_lock_sched_notrace(void)
{
	rcu_read_lock_sched_notrace();
}

/* rust/rcu.rs: preempt::enable(), where not inlined */
notrace void rtrace_rcu_read_unlock_sched_notrace(void)
{
	rcu_read_unlock_sched_notrace();
}

/* rust/kthread.rs: Thread::run() */
struct task_struct *rtrace_kthread_create(int (*fn)(void *), void *data, const char *name)
{
	return kthread_create(fn, data, "%s", name);
}

/* rust/kthread.rs: wait() */
void rtrace_set_current_state_interruptible(void)
{
	set_current_state(TASK_INTERRUPTIBLE);
}

/* rust/kthread.rs: wait() */
void rtrace_set_current_state_running(void)
{
	__set_current_state(TASK_RUNNING);
}

/* rust/kthread.rs: wait() */
void rtrace_might_sleep(void)
{
	might_sleep();
}

/* rust/kernel_tracepoint.rs: synchronize() */
void rtrace_tracepoint_synchronize_unregister(void)
{
	tracepoint_synchronize_unregister();
}

#ifndef CONFIG_X86_64
/* rust/percpu.rs: this_cpu(), where not inlined */
notrace int rtrace_raw_smp_processor_id(void)
{
	return raw_smp_processor_id();
}

/* rust/percpu.rs: current(), where not inlined */
notrace struct task_struct *rtrace_get_current(void)
{
	return current;
}
#endif
