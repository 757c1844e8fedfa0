// SPDX-License-Identifier: GPL-2.0
/*
 * The tracepoint core's C shim: the shared wrappers of rust/shim.c, and what only C macros can
 * express for this module: the registry mutex (DEFINE_MUTEX) and the debugfs file operations
 * (DEFINE_SHOW_ATTRIBUTE). The exports are Rust's (tracepoint/exports.rs).
 */
#include "../rust/shim.c"

#include <linux/debugfs.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>

/*
 * Protects the registry and every tracepoint's probe array (tracepoint/registry.rs, which takes
 * and releases it).
 */
DEFINE_MUTEX(rtrace_tracepoints_mutex);

/* Defined in Rust, tracepoint/debugfs.rs. */
int rtrace_tracepoints_show(struct seq_file *m, void *v);
DEFINE_SHOW_ATTRIBUTE(rtrace_tracepoints);

struct dentry *rtrace_debugfs_create_tracepoints(struct dentry *dir);

/* tracepoint/debugfs.rs: create() */
struct dentry *rtrace_debugfs_create_tracepoints(struct dentry *dir)
{
	return debugfs_create_file("tracepoints", 0400, dir, NULL, &rtrace_tracepoints_fops);
}
