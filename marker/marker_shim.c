// SPDX-License-Identifier: GPL-2.0
/*
 * The marker core's C shim: the shared wrappers of rust/shim.c, and what only C macros can
 * express for this module: the registry mutexes (DEFINE_MUTEX). The exports are Rust's
 * (marker/exports.rs); so are the debugfs files and their file_operations (marker/debugfs.rs,
 * with rust/kernel/debugfs.rs's FileOps).
 */
#include "../rust/shim.c"

#include <linux/mutex.h>

/* Protects the marker registry (marker/registry.rs, which takes and releases it). */
DEFINE_MUTEX(rtrace_markers_mutex);

/*
 * Serialises registrations and removals of markers, files included: a removal's files go after
 * rtrace_markers_mutex is released, and a registration must not meet them (marker/registry.rs).
 */
DEFINE_MUTEX(rtrace_markers_change_mutex);
