// SPDX-License-Identifier: GPL-2.0
/*
 * The tracepoint core's C shim: the shared wrappers of rust/shim.c, and what only C macros can
 * express for this module: the registry mutex (DEFINE_MUTEX), the symbol exports
 * (EXPORT_SYMBOL_GPL) and the debugfs file operations (DEFINE_SHOW_ATTRIBUTE).
 */
#include "../rust/shim.c"

#include <linux/debugfs.h>
#include <linux/export.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>

/* Defined in Rust, tracepoint/exports.rs: the ABI of rust/abi.rs. */
int rtrace_tracepoint_define(u32 abi, const void *tp, struct module *owner);
void rtrace_tracepoint_undefine(u32 abi, const void *tp);
int rtrace_probe_register(u32 abi, const void *tp, const void *func, const void *data, int prio,
			  struct module *owner);
int rtrace_probe_unregister(u32 abi, const void *tp, const void *func, const void *data);
void rtrace_probe_synchronize(u32 abi);
struct dentry *rtrace_debugfs_root(u32 abi);
EXPORT_SYMBOL_GPL(rtrace_tracepoint_define);
EXPORT_SYMBOL_GPL(rtrace_tracepoint_undefine);
EXPORT_SYMBOL_GPL(rtrace_probe_register);
EXPORT_SYMBOL_GPL(rtrace_probe_unregister);
EXPORT_SYMBOL_GPL(rtrace_probe_synchronize);
EXPORT_SYMBOL_GPL(rtrace_debugfs_root);

/* Protects the registry (tracepoint/registry.rs) and every tracepoint's probe array. */
static DEFINE_MUTEX(rtrace_tracepoints_mutex);

void rtrace_tracepoints_lock(void);
void rtrace_tracepoints_unlock(void);

/* tracepoint/registry.rs: lock() */
void rtrace_tracepoints_lock(void)
{
	mutex_lock(&rtrace_tracepoints_mutex);
}

/* tracepoint/registry.rs: Guard::drop() */
void rtrace_tracepoints_unlock(void)
{
	mutex_unlock(&rtrace_tracepoints_mutex);
}

/* Defined in Rust, tracepoint/debugfs.rs. */
int rtrace_tracepoints_show(struct seq_file *m, void *v);
DEFINE_SHOW_ATTRIBUTE(rtrace_tracepoints);

struct dentry *rtrace_debugfs_create_tracepoints(struct dentry *dir);

/* tracepoint/debugfs.rs: create() */
struct dentry *rtrace_debugfs_create_tracepoints(struct dentry *dir)
{
	return debugfs_create_file("tracepoints", 0400, dir, NULL, &rtrace_tracepoints_fops);
}
