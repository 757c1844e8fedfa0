// SPDX-License-Identifier: GPL-2.0
/* rtrace_bench's C shim: the shared wrappers, and its run file's operations. */
#include "../rust/shim.c"
#include "../probes/events/sched_shim.c" /* for ../probes/events/sched.rs */

#include <linux/debugfs.h>
#include <linux/fs.h>

/* Defined in Rust, bench/bench.rs. */
ssize_t rtrace_bench_run_write(struct file *file, const char __user *buf, size_t len,
			       loff_t *ppos);

static const struct file_operations run_fops = {
	.owner = THIS_MODULE,
	.write = rtrace_bench_run_write,
};

struct dentry *rtrace_bench_create_run(struct dentry *dir);

/* bench/bench.rs: init() */
struct dentry *rtrace_bench_create_run(struct dentry *dir)
{
	return debugfs_create_file("run", 0200, dir, NULL, &run_fops);
}
