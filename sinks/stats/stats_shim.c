// SPDX-License-Identifier: GPL-2.0
/*
 * The statistics sink's C shim: the shared wrappers of rust/shim.c, and its mutex, which only
 * DEFINE_MUTEX can define statically. The debugfs files and their file_operations are Rust's
 * (sinks/stats/files.rs, with rust/kernel/debugfs.rs's FileOps).
 */
#include "../../rust/shim.c"

#include <linux/mutex.h>

/* Protects the histograms' setup and teardown (sinks/stats/hists.rs: CONTROL, which takes it). */
DEFINE_MUTEX(rtrace_stats_mutex);
