// SPDX-License-Identifier: GPL-2.0
/* rtrace_marker_test's C shim: the shared wrappers, and its control file's operations. */
#include "../../rust/shim.c"

#include <linux/debugfs.h>
#include <linux/fs.h>

/* Defined in Rust, tests/kmod/marker_test.rs. */
ssize_t rtrace_marker_test_control_write(struct file *file, const char __user *buf, size_t len,
					 loff_t *ppos);

static const struct file_operations control_fops = {
	.owner = THIS_MODULE,
	.write = rtrace_marker_test_control_write,
};

struct dentry *rtrace_marker_test_create_control(struct dentry *dir);

/* tests/kmod/marker_test.rs: init() */
struct dentry *rtrace_marker_test_create_control(struct dentry *dir)
{
	return debugfs_create_file("control", 0200, dir, NULL, &control_fops);
}
