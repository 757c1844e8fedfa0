// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace_bench_c: the comparison anchor of `make bench`. The same measurements as
 * bench/bench.rs, on a C tracepoint (DECLARE_TRACE/DEFINE_TRACE) with the same argument, in the
 * same VM run: a disabled site, then 1, 2 and 4 empty probes; and an empty probe on a tracepoint
 * of sched_switch's prototype, beside which bench.rs measures the bridge's sched_switch probe.
 * And an ftrace event (bench/rtrace_bench_events.h) written CALLS_EVENT times when
 * /sys/kernel/debug/rtrace_bench_c/run_ftrace is written (bench/run.sh enables the event first),
 * beside which bench.rs measures the marker bench:ring_event written by the ring tracer.
 * Results go to the kernel log as
 * "rtrace_bench_c: case=... ps_per_call=..." lines, read by bench/run.sh.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/timekeeping.h>
#include <linux/tracepoint.h>

DECLARE_TRACE(rtrace_bench_c, TP_PROTO(u32 seq), TP_ARGS(seq));
DEFINE_TRACE(rtrace_bench_c, TP_PROTO(u32 seq), TP_ARGS(seq));

/* The prototype of the kernel's sched_switch, for its probes (bench/bench.rs). */
DECLARE_TRACE(rtrace_bench_c_switch,
	      TP_PROTO(bool preempt, struct task_struct *prev, struct task_struct *next,
		       unsigned int prev_state),
	      TP_ARGS(preempt, prev, next, prev_state));
DEFINE_TRACE(rtrace_bench_c_switch,
	     TP_PROTO(bool preempt, struct task_struct *prev, struct task_struct *next,
		      unsigned int prev_state),
	     TP_ARGS(preempt, prev, next, prev_state));

/* The ftrace event, after the plain tracepoints, which CREATE_TRACE_POINTS would redefine. */
#define CREATE_TRACE_POINTS
#include "rtrace_bench_events.h"

#define CALLS 10000000
/* Events written per run_ftrace write, as bench.rs's run_ring. */
#define CALLS_EVENT 1000000

static int data[4];

static void empty_probe(void *data, u32 seq)
{
}

static void empty_switch_probe(void *data, bool preempt, struct task_struct *prev,
			       struct task_struct *next, unsigned int prev_state)
{
}

/*
 * Picoseconds per call of a sched_switch-shaped tracepoint with `probe` as its only probe (or an
 * empty C probe for NULL): the cost of a bridge probe beside an empty one, measured alike.
 */
u64 rtrace_bench_c_switch_cost(void *probe);
u64 rtrace_bench_c_switch_cost(void *probe)
{
	u64 start, end;
	u32 i;
	int ret;

	if (!probe)
		probe = empty_switch_probe;
	ret = tracepoint_probe_register(&__tracepoint_rtrace_bench_c_switch, probe, NULL);
	if (ret)
		return 0;
	preempt_disable();
	start = ktime_get_ns();
	for (i = 0; i < CALLS; i++)
		trace_rtrace_bench_c_switch(false, current, current, 0);
	end = ktime_get_ns();
	preempt_enable();
	tracepoint_probe_unregister(&__tracepoint_rtrace_bench_c_switch, probe, NULL);
	tracepoint_synchronize_unregister();
	return (end - start) * 1000 / CALLS;
}
EXPORT_SYMBOL_GPL(rtrace_bench_c_switch_cost);

static noinline u64 run(void)
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

/* The payload of every event, as bench.rs's ring_event. */
static const char event_comm[16] = "rtrace_bench";

/* Picoseconds per trace_rtrace_bench_event(), the event enabled by bench/run.sh. */
static noinline u64 run_event(void)
{
	u64 start, end;
	u32 i;

	preempt_disable();
	start = ktime_get_ns();
	for (i = 0; i < CALLS_EVENT; i++)
		trace_rtrace_bench_event(i, 42, 7, event_comm);
	end = ktime_get_ns();
	preempt_enable();
	return (end - start) * 1000 / CALLS_EVENT;
}

static ssize_t run_ftrace_write(struct file *file, const char __user *buf, size_t len,
				loff_t *ppos)
{
	pr_info("case=ftrace_event ps_per_call=%llu\n", run_event());
	return len;
}

static const struct file_operations run_ftrace_fops = {
	.owner = THIS_MODULE,
	.write = run_ftrace_write,
};

static struct dentry *dir;

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
	pr_info("case=switch_probe ps_per_call=%llu\n", rtrace_bench_c_switch_cost(NULL));
	dir = debugfs_create_dir("rtrace_bench_c", NULL);
	if (IS_ERR(dir))
		return PTR_ERR(dir);
	debugfs_create_file("run_ftrace", 0200, dir, NULL, &run_ftrace_fops);
	return 0;
}

static void __exit bench_c_exit(void)
{
	debugfs_remove(dir);
}

module_init(bench_c_init);
module_exit(bench_c_exit);
MODULE_DESCRIPTION("rtrace benchmark anchor: a C tracepoint");
MODULE_LICENSE("GPL");
