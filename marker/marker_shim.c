// SPDX-License-Identifier: GPL-2.0
/*
 * The marker core's C shim: the shared wrappers of rust/shim.c, and what only C macros can
 * express for this module: the registry mutex (DEFINE_MUTEX), the symbol exports
 * (EXPORT_SYMBOL_GPL) and the `format` files' operations (DEFINE_SHOW_ATTRIBUTE).
 */
#include "../rust/shim.c"

#include <linux/debugfs.h>
#include <linux/export.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>

/* Defined in Rust, marker/exports.rs: the marker ABI of rust/abi.rs. */
int rtrace_marker_register(u32 abi, const void *marker, struct module *owner);
void rtrace_marker_unregister(u32 abi, const void *marker);
int rtrace_sink_register(u32 abi, const void *sink, struct module *owner);
void rtrace_sink_unregister(u32 abi, const void *sink);
int rtrace_marker_connect(u32 abi, const char *sink, const char *subsystem, const char *event);
int rtrace_marker_disconnect(u32 abi, const char *sink, const char *subsystem, const char *event);
EXPORT_SYMBOL_GPL(rtrace_marker_register);
EXPORT_SYMBOL_GPL(rtrace_marker_unregister);
EXPORT_SYMBOL_GPL(rtrace_sink_register);
EXPORT_SYMBOL_GPL(rtrace_sink_unregister);
EXPORT_SYMBOL_GPL(rtrace_marker_connect);
EXPORT_SYMBOL_GPL(rtrace_marker_disconnect);

/* Protects the marker registry (marker/registry.rs). */
static DEFINE_MUTEX(rtrace_markers_mutex);

void rtrace_markers_lock(void);
void rtrace_markers_unlock(void);

/* marker/registry.rs: lock() */
void rtrace_markers_lock(void)
{
	mutex_lock(&rtrace_markers_mutex);
}

/* marker/registry.rs: Guard::drop() */
void rtrace_markers_unlock(void)
{
	mutex_unlock(&rtrace_markers_mutex);
}

/* Defined in Rust, marker/debugfs.rs; `m->private` is the marker's registry entry. */
int rtrace_marker_format_show(struct seq_file *m, void *v);
DEFINE_SHOW_ATTRIBUTE(rtrace_marker_format);

struct dentry *rtrace_marker_create_format(struct dentry *dir, void *entry);

/* marker/debugfs.rs: create_format() */
struct dentry *rtrace_marker_create_format(struct dentry *dir, void *entry)
{
	return debugfs_create_file("format", 0400, dir, entry, &rtrace_marker_format_fops);
}
