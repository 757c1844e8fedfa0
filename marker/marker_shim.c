// SPDX-License-Identifier: GPL-2.0
/*
 * The marker core's C shim: the shared wrappers of rust/shim.c, and what only C macros can
 * express for this module: the registry mutexes (DEFINE_MUTEX) and the `format` files'
 * operations (DEFINE_SHOW_ATTRIBUTE). The exports are Rust's (marker/exports.rs).
 */
#include "../rust/shim.c"

#include <linux/debugfs.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>

/* Protects the marker registry (marker/registry.rs, which takes and releases it). */
DEFINE_MUTEX(rtrace_markers_mutex);

/*
 * Serialises registrations and removals of markers, files included: a removal's files go after
 * rtrace_markers_mutex is released, and a registration must not meet them (marker/registry.rs).
 */
DEFINE_MUTEX(rtrace_markers_change_mutex);

/* Defined in Rust, marker/debugfs.rs; `m->private` is the marker's registry entry. */
int rtrace_marker_format_show(struct seq_file *m, void *v);
DEFINE_SHOW_ATTRIBUTE(rtrace_marker_format);

struct dentry *rtrace_marker_create_format(struct dentry *dir, void *entry);

/* marker/debugfs.rs: create_format() */
struct dentry *rtrace_marker_create_format(struct dentry *dir, void *entry)
{
	return debugfs_create_file("format", 0400, dir, entry, &rtrace_marker_format_fops);
}

/*
 * The control files: shown through seq_file (single_open, whose private data is the inode's:
 * the marker's entry, or NULL for the files at the root), written by Rust (marker/debugfs.rs).
 */
#define RTRACE_MARKER_FILE(name)                                                         \
	int rtrace_marker_##name##_show(struct seq_file *m, void *v);                   \
	ssize_t rtrace_marker_##name##_write(struct file *file, const char __user *buf, \
					     size_t len, loff_t *ppos);                 \
	static int name##_open(struct inode *inode, struct file *file)                  \
	{                                                                               \
		return single_open(file, rtrace_marker_##name##_show, inode->i_private);  \
	}                                                                               \
	static const struct file_operations name##_fops = {                             \
		.owner = THIS_MODULE,                                                   \
		.open = name##_open,                                                    \
		.read = seq_read,                                                       \
		.write = rtrace_marker_##name##_write,                                  \
		.llseek = seq_lseek,                                                    \
		.release = single_release,                                              \
	}

/* The read-only ones: a write is -EINVAL from the VFS (root may open any mode for writing). */
#define RTRACE_MARKER_FILE_RO(name)                                                      \
	int rtrace_marker_##name##_show(struct seq_file *m, void *v);                   \
	static int name##_open(struct inode *inode, struct file *file)                  \
	{                                                                               \
		return single_open(file, rtrace_marker_##name##_show, inode->i_private);  \
	}                                                                               \
	static const struct file_operations name##_fops = {                             \
		.owner = THIS_MODULE,                                                   \
		.open = name##_open,                                                    \
		.read = seq_read,                                                       \
		.llseek = seq_lseek,                                                    \
		.release = single_release,                                              \
	}

RTRACE_MARKER_FILE(set_event);
RTRACE_MARKER_FILE_RO(available_markers);
RTRACE_MARKER_FILE_RO(available_sinks);
RTRACE_MARKER_FILE_RO(id);
RTRACE_MARKER_FILE(enable);
RTRACE_MARKER_FILE(filter);

struct dentry *rtrace_marker_create_file(const char *name, umode_t mode, struct dentry *dir,
					 void *entry);

/* marker/debugfs.rs: create() */
struct dentry *rtrace_marker_create_file(const char *name, umode_t mode, struct dentry *dir,
					 void *entry)
{
	const struct file_operations *fops =
		!strcmp(name, "set_event")	   ? &set_event_fops :
		!strcmp(name, "available_markers") ? &available_markers_fops :
		!strcmp(name, "available_sinks")   ? &available_sinks_fops :
		!strcmp(name, "id")		   ? &id_fops :
		!strcmp(name, "enable")		   ? &enable_fops :
		!strcmp(name, "filter")		   ? &filter_fops : NULL;

	return fops ? debugfs_create_file(name, mode, dir, entry, fops) : ERR_PTR(-EINVAL);
}
