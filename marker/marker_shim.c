// SPDX-License-Identifier: GPL-2.0
/*
 * The marker core's C shim: the shared wrappers of rust/shim.c, and what only C macros can
 * express for this module: the registry mutexes (DEFINE_MUTEX) and the symbol exports
 * (EXPORT_SYMBOL_GPL). The debugfs files and their file_operations are Rust's
 * (marker/debugfs.rs, with rust/debugfs.rs's FileOps).
 */
#include "../rust/shim.c"

#include <linux/export.h>
#include <linux/mutex.h>

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
int rtrace_sink_connections(u32 abi, const char *sink);
struct dentry *rtrace_sinks_debugfs_dir(u32 abi);
ssize_t rtrace_marker_print(u32 abi, u32 id, const u8 *payload, size_t len, char *out,
			    size_t out_len);
ssize_t rtrace_marker_name(u32 abi, u32 id, char *out, size_t out_len);
int rtrace_marker_field(u32 abi, const char *subsystem, const char *event, const char *field,
			void *out);
EXPORT_SYMBOL_GPL(rtrace_sink_connections);
EXPORT_SYMBOL_GPL(rtrace_sinks_debugfs_dir);
EXPORT_SYMBOL_GPL(rtrace_marker_print);
EXPORT_SYMBOL_GPL(rtrace_marker_name);
EXPORT_SYMBOL_GPL(rtrace_marker_field);
bool rtrace_marker_filter_match(u32 abi, const void *marker, const void *values, size_t n);
EXPORT_SYMBOL_GPL(rtrace_marker_filter_match);

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

/*
 * Serialises registrations and removals of markers, files included: a removal's files go after
 * rtrace_markers_mutex is released, and a registration must not meet them (marker/registry.rs).
 */
static DEFINE_MUTEX(rtrace_markers_change_mutex);

void rtrace_markers_change_lock(void);
void rtrace_markers_change_unlock(void);

/* marker/registry.rs: changing() */
void rtrace_markers_change_lock(void)
{
	mutex_lock(&rtrace_markers_change_mutex);
}

/* marker/registry.rs: Guard::drop() */
void rtrace_markers_change_unlock(void)
{
	mutex_unlock(&rtrace_markers_change_mutex);
}
