/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C half of a bridge event (probes/bridge_event.rs): the probe's prototype, checked against
 * the kernel tracepoint's, and the probe's address that the bridge registers.
 *
 *	#include <trace/events/sched.h>
 *	RTRACE_BRIDGE_EVENT(sched_wakeup, struct task_struct *p);
 *
 * declares rtrace_bridge_sched_wakeup(void *data, struct task_struct *p), the probe defined in
 * Rust by bridge_events!, passes it to the header's check_trace_callback_type_sched_wakeup(),
 * whose parameter has the tracepoint's probe type void (*)(void *, TP_PROTO) (so that a
 * prototype other than the running kernel's is an error, incompatible pointer types), and
 * defines rtrace_bridge_probe_sched_wakeup, the address the Rust side registers.
 */
#ifndef RTRACE_BRIDGE_EVENT_H
#define RTRACE_BRIDGE_EVENT_H

#include <linux/compiler.h>

/*
 * A probe whose prototype is not the tracepoint's is an error, whatever the build's flags
 * (the kernel's own, -Werror=incompatible-pointer-types, already make it one).
 */
#pragma GCC diagnostic error "-Wincompatible-pointer-types"

#define RTRACE_BRIDGE_EVENT(event, ...)						\
	void rtrace_bridge_##event(void *data, __VA_ARGS__);			\
	static inline void __maybe_unused rtrace_bridge_check_##event(void)	\
	{									\
		check_trace_callback_type_##event(rtrace_bridge_##event);	\
	}									\
	extern void *const rtrace_bridge_probe_##event;				\
	void *const rtrace_bridge_probe_##event = (void *)rtrace_bridge_##event

/* A tracepoint that this kernel's configuration leaves out: no probe, which the bridge skips. */
#define RTRACE_BRIDGE_EVENT_ABSENT(event)					\
	extern void *const rtrace_bridge_probe_##event;				\
	void *const rtrace_bridge_probe_##event = NULL

#endif
