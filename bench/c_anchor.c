// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace_bench_c: the comparison anchor of `make bench`. The same measurements as
 * bench/bench.rs, on a C tracepoint (DECLARE_TRACE/DEFINE_TRACE) with the same argument, in the
 * same VM run: a disabled site, then 1, 2 and 4 empty probes. Results go to the kernel log as
 * "rtrace_bench_c: case=... ps_per_call=..." lines, read by bench/run.sh.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/timekeeping.h>
#include <linux/tracepoint.h>

DECLARE_TRACE(rtrace_bench_c, TP_PROTO(u32 seq), TP_ARGS(seq));
DEFINE_TRACE(rtrace_bench_c, TP_PROTO(u32 seq), TP_ARGS(seq));

#define CALLS 10000000

static int data[4];

static void empty_probe(void *data, u32 seq)
{
}

static u64 run(void)
{
	u64 start, end;
	u32 i;

	preempt_disable();
	start = ktime_get_ns();
	for (i = 0; i < CALLS; i++)
		trace_rtrace_bench_c(i);
	end = ktime_get_ns();
	preempt_enable();
	return (end - start) * 1000 / CALLS;
}

static int __init bench_c_init(void)
{
	static const int probes[] = { 0, 1, 2, 4 };
	int p, i, ret;

	for (p = 0; p < ARRAY_SIZE(probes); p++) {
		for (i = 0; i < probes[p]; i++) {
			ret = register_trace_rtrace_bench_c(empty_probe, &data[i]);
			if (ret)
				return ret;
		}
		pr_info("case=probes%d ps_per_call=%llu\n", probes[p], run());
		for (i = 0; i < probes[p]; i++)
			unregister_trace_rtrace_bench_c(empty_probe, &data[i]);
		tracepoint_synchronize_unregister();
	}
	return 0;
}

static void __exit bench_c_exit(void)
{
}

module_init(bench_c_init);
module_exit(bench_c_exit);
MODULE_DESCRIPTION("rtrace benchmark anchor: a C tracepoint");
MODULE_LICENSE("GPL");
