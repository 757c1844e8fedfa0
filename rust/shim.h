/* SPDX-License-Identifier: GPL-2.0 */
/* The functions of the rtrace C shim (rust/shim.c), as declared on the Rust side. */
#ifndef RTRACE_SHIM_H
#define RTRACE_SHIM_H

void rtrace_rcu_read_lock_sched_notrace(void);
void rtrace_rcu_read_unlock_sched_notrace(void);

#endif
