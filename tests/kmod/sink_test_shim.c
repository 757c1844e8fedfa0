// SPDX-License-Identifier: GPL-2.0
/* rtrace_sink_test's C shim: the shared wrappers, and its debugfs file operations. */
#include "../../rust/shim.c"

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/seq_file.h>

/* Defined in Rust, tests/kmod/sink_test.rs. */
ssize_t rtrace_sink_test_control_write(struct file *file, const char __user *buf, size_t len,
				       loff_t *ppos);
int rtrace_sink_test_records_show(struct seq_file *m, void *v);
DEFINE_SHOW_ATTRIBUTE(rtrace_sink_test_records);

static const struct file_operations control_fops = {
	.owner = THIS_MODULE,
	.write = rtrace_sink_test_control_write,
};

struct dentry *rtrace_sink_test_create_files(struct dentry *dir);

/* tests/kmod/sink_test.rs: init() */
struct dentry *rtrace_sink_test_create_files(struct dentry *dir)
{
	struct dentry *d = debugfs_create_file("control", 0200, dir, NULL, &control_fops);

	return IS_ERR(d) ? d : debugfs_create_file("records", 0400, dir, NULL,
						   &rtrace_sink_test_records_fops);
}
