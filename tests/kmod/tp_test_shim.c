// SPDX-License-Identifier: GPL-2.0
/* rtrace_tp_test's C shim: the shared wrappers, and its debugfs file operations. */
#include "../../rust/shim.c"

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/seq_file.h>

/* Defined in Rust, tests/kmod/tp_test.rs. */
ssize_t rtrace_tp_test_control_write(struct file *file, const char __user *buf, size_t len,
				     loff_t *ppos);
int rtrace_tp_test_stats_show(struct seq_file *m, void *v);
DEFINE_SHOW_ATTRIBUTE(rtrace_tp_test_stats);

static const struct file_operations control_fops = {
	.owner = THIS_MODULE,
	.write = rtrace_tp_test_control_write,
};

struct dentry *rtrace_tp_test_create_files(struct dentry *dir);

/* tests/kmod/tp_test.rs: init() */
struct dentry *rtrace_tp_test_create_files(struct dentry *dir)
{
	struct dentry *d = debugfs_create_file("control", 0200, dir, NULL, &control_fops);

	return IS_ERR(d) ? d : debugfs_create_file("stats", 0400, dir, NULL, &rtrace_tp_test_stats_fops);
}
