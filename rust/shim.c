// SPDX-License-Identifier: GPL-2.0
/*
 * The rtrace C shim: out-of-line wrappers of static-inline kernel APIs and macros that Rust cannot
 * call directly. Each function is one line and has exactly one caller, its safe Rust wrapper in
 * rust/ (named beside each function, with why it is C). Exported, non-inline kernel functions are
 * called from Rust through the `kernel` crate's bindings, without C. Every module compiles this
 * file once, through its own <module>_shim.c, so that no object is shared between modules.
 */
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/tracepoint.h>

#include "shim.h"

/* rust/rcu.rs: preempt::disable(), where not inlined. A static inline (of preempt_count) */
notrace void rtrace_rcu_read_lock_sched_notrace(void)
{
	rcu_read_lock_sched_notrace();
}

/* rust/rcu.rs: preempt::enable(), where not inlined. A static inline (of preempt_count) */
notrace void rtrace_rcu_read_unlock_sched_notrace(void)
{
	rcu_read_unlock_sched_notrace();
}

/* rust/kthread.rs: Current::wait(). A macro (a barrier-ordered store to current->__state) */
void rtrace_set_current_state_interruptible(void)
{
	set_current_state(TASK_INTERRUPTIBLE);
}

/* rust/kthread.rs: Current::wait(). A macro (a store to current->__state) */
void rtrace_set_current_state_running(void)
{
	__set_current_state(TASK_RUNNING);
}

/* rust/kthread.rs: Current::wait(). A macro (__might_sleep() at the caller's line, or nothing) */
void rtrace_might_sleep(void)
{
	might_sleep();
}

/* rust/kernel_tracepoint.rs: synchronize(). A static inline (of the configured RCU flavours) */
void rtrace_tracepoint_synchronize_unregister(void)
{
	tracepoint_synchronize_unregister();
}

#ifndef CONFIG_X86_64
/* rust/percpu.rs: this_cpu(), where not inlined. A macro (of the architecture's per-CPU data) */
notrace int rtrace_raw_smp_processor_id(void)
{
	return raw_smp_processor_id();
}

/* rust/percpu.rs: current(), where not inlined. A macro (of the architecture's per-CPU data) */
notrace struct task_struct *rtrace_get_current(void)
{
	return current;
}
#endif
