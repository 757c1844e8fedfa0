/* SPDX-License-Identifier: GPL-2.0 */
/* The functions of the rtrace C shim (rust/shim.c), as declared on the Rust side. */
#ifndef RTRACE_SHIM_H
#define RTRACE_SHIM_H

struct task_struct;

void rtrace_rcu_read_lock_sched_notrace(void);
void rtrace_rcu_read_unlock_sched_notrace(void);
void rtrace_set_current_state_interruptible(void);
void rtrace_set_current_state_running(void);
void rtrace_might_sleep(void);
void rtrace_tracepoint_synchronize_unregister(void);

int rtrace_raw_smp_processor_id(void);
struct task_struct *rtrace_get_current(void);

#endif
