// SPDX-License-Identifier: GPL-2.0
/*
 * The statistics sink's C shim: the shared wrappers of rust/shim.c, and what only C macros or
 * static inlines express for this module: its mutex (DEFINE_MUTEX) and the
 * debugfs file operations, whose callbacks are written in Rust (sinks/stats/stats.rs).
 */
#include "../../rust/shim.c"

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>

/* Protects the histograms' setup and teardown (sinks/stats/stats.rs: CONTROL, which takes it). */
DEFINE_MUTEX(rtrace_stats_mutex);

/* Defined in Rust, sinks/stats/stats.rs. */
int rtrace_stats_counts_show(struct seq_file *m, void *v);
int rtrace_stats_hist_show(struct seq_file *m, void *v);
ssize_t rtrace_stats_hist_write(struct file *file, const char __user *buf, size_t len,
				loff_t *ppos);
ssize_t rtrace_stats_reset_write(struct file *file, const char __user *buf, size_t len,
				 loff_t *ppos);

DEFINE_SHOW_ATTRIBUTE(rtrace_stats_counts);

static int hist_open(struct inode *inode, struct file *file)
{
	return single_open(file, rtrace_stats_hist_show, inode->i_private);
}

static const struct file_operations hist_fops = {
	.owner = THIS_MODULE,
	.open = hist_open,
	.read = seq_read,
	.write = rtrace_stats_hist_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static const struct file_operations reset_fops = {
	.owner = THIS_MODULE,
	.write = rtrace_stats_reset_write,
};

struct dentry *rtrace_stats_create_files(struct dentry *dir);

/* sinks/stats/stats.rs: init() */
struct dentry *rtrace_stats_create_files(struct dentry *dir)
{
	struct dentry *d = debugfs_create_file("counts", 0400, dir, NULL,
					       &rtrace_stats_counts_fops);

	if (IS_ERR(d))
		return d;
	d = debugfs_create_file("hist", 0600, dir, NULL, &hist_fops);
	if (IS_ERR(d))
		return d;
	return debugfs_create_file("reset", 0200, dir, NULL, &reset_fops);
}
