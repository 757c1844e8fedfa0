/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ftrace event of `make bench` (bench/c_anchor.c): the C counterpart of the marker
 * bench:ring_event (bench/bench.rs), three u32 and a comm, written to ftrace's ring buffer.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM rtrace_bench

#if !defined(_RTRACE_BENCH_EVENTS_H) || defined(TRACE_HEADER_MULTI_READ)
#define _RTRACE_BENCH_EVENTS_H

#include <linux/tracepoint.h>

TRACE_EVENT(rtrace_bench_event,
	TP_PROTO(u32 a, u32 b, u32 c, const char *comm),
	TP_ARGS(a, b, c, comm),
	TP_STRUCT__entry(
		__field(u32, a)
		__field(u32, b)
		__field(u32, c)
		__array(char, comm, 16)
	),
	TP_fast_assign(
		__entry->a = a;
		__entry->b = b;
		__entry->c = c;
		memcpy(__entry->comm, comm, 16);
	),
	TP_printk("a=%u b=%u c=%u comm=%s", __entry->a, __entry->b, __entry->c, __entry->comm)
);

#endif /* _RTRACE_BENCH_EVENTS_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#define TRACE_INCLUDE_FILE rtrace_bench_events
#include <trace/define_trace.h>
