// SPDX-License-Identifier: GPL-2.0
/*
 * rtrace_bench_c: the comparison anchor of `make bench`. The same measurements as
 * bench/bench.rs, in the same VM run, driven like them by writes to
 * /sys/kernel/debug/rtrace_bench_c/run:
 *
 * - "sites": on a C tracepoint (DECLARE_TRACE/DEFINE_TRACE) with the same argument, a disabled
 *   site, then 1, 2 and 4 empty probes; and an empty probe on a tracepoint of sched_switch's
 *   prototype, beside which bench.rs measures the bridge's sched_switch probe;
 * - "ftrace N": an ftrace event (bench/rtrace_bench_events.h) written N times (bench/run.sh
 *   enables the event first), beside which bench.rs measures the marker bench:ring_event
 *   written by the ring tracer.
 *
 * Results go to the kernel log as "rtrace_bench_c: case=... ps_per_call=..." lines, read by
 * bench/run.sh.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/timekeeping.h>
#include <linux/tracepoint.h>
#include <linux/uaccess.h>

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

/* Picoseconds per trace_rtrace_bench_event() over `events` (at least 1) calls. */
static noinline u64 run_event(u32 events)
{
	u64 start, end;
	u32 i;

	preempt_disable();
	start = ktime_get_ns();
	for (i = 0; i < events; i++)
		trace_rtrace_bench_event(i, 42, 7, event_comm);
	end = ktime_get_ns();
	preempt_enable();
	return (end - start) * 1000 / events;
}

/* The "sites" measurements, each printed as it is made. */
static int run_sites(void)
{
	static const int probes[] = { 0, 1, 2, 4 };
	int p, i, ret = 0;

	for (p = 0; p < ARRAY_SIZE(probes); p++) {
		for (i = 0; i < probes[p]; i++) {
			ret = register_trace_rtrace_bench_c(empty_probe, &data[i]);
			if (ret)
				break;
		}
		if (!ret)
			pr_info("case=probes%d ps_per_call=%llu\n", probes[p], run());
		/* The probes registered, also after a failure. */
		while (i--)
			unregister_trace_rtrace_bench_c(empty_probe, &data[i]);
		tracepoint_synchronize_unregister();
		if (ret)
			return ret;
	}
	pr_info("case=switch_probe ps_per_call=%llu\n", rtrace_bench_c_switch_cost(NULL));
	return 0;
}

/* A command written to run: "sites", or "ftrace N" with N from 1 to U32_MAX. */
static ssize_t run_write(struct file *file, const char __user *ubuf, size_t len, loff_t *ppos)
{
	char buf[32], word[8];
	u32 events;
	int ret;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (sysfs_streq(buf, "sites")) {
		ret = run_sites();
		if (ret)
			return ret;
	} else if (sscanf(buf, "%7s %u", word, &events) == 2 && !strcmp(word, "ftrace") &&
		   events > 0) {
		pr_info("case=ftrace_event ps_per_call=%llu\n", run_event(events));
	} else {
		pr_err("run: write 'sites' or 'ftrace N'\n");
		return -EINVAL;
	}
	return len;
}

static const struct file_operations run_fops = {
	.owner = THIS_MODULE,
	.write = run_write,
};

static struct dentry *dir;

static int __init bench_c_init(void)
{
	dir = debugfs_create_dir("rtrace_bench_c", NULL);
	if (IS_ERR(dir))
		return PTR_ERR(dir);
	debugfs_create_file("run", 0200, dir, NULL, &run_fops);
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
