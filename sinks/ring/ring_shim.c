// SPDX-License-Identifier: GPL-2.0
/*
 * The ring-buffer tracer's C shim: the shared wrappers of rust/shim.c, and what only C macros or
 * static inlines express for this module: its mutex (DEFINE_MUTEX), the clock, the readers' wait queue with the irq_work that wakes it from any context, and the debugfs file
 * operations, whose callbacks are written in Rust (sinks/ring/readers.rs, control.rs).
 */
#include "../../rust/shim.c"

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/irq_work.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/sched/clock.h>
#include <linux/timekeeping.h>
#include <linux/seq_file.h>
#include <linux/smp.h>
#include <linux/wait.h>

/* Protects the tracer's buffers against resizing while readers use them (sinks/ring/tracer.rs). */
static DEFINE_MUTEX(rtrace_ring_mutex);

void rtrace_ring_lock(void);
void rtrace_ring_unlock(void);
u64 rtrace_ring_clock(void);
void rtrace_ring_wake(void);
long rtrace_ring_wait(bool (*cond)(void *), void *data, long timeout);
void rtrace_ring_poll_wait(struct file *file, poll_table *pt);
void rtrace_ring_sync(void);

/* sinks/ring/tracer.rs: STATE.lock() */
void rtrace_ring_lock(void)
{
	mutex_lock(&rtrace_ring_mutex);
}

/* sinks/ring/tracer.rs: Guard::drop() */
void rtrace_ring_unlock(void)
{
	mutex_unlock(&rtrace_ring_mutex);
}

/*
 * sinks/ring/tracer.rs: the writer's clock. local_clock(), the scheduler's per-CPU clock (ftrace's
 * "perf" trace clock), not ftrace's default "local" clock (trace_clock_local()).
 */
notrace u64 rtrace_ring_clock(void)
{
	return local_clock();
}

void rtrace_ring_clock_pair(u64 *trace, u64 *real);

/*
 * sinks/ring/control.rs: the clock file. The trace clock and CLOCK_REALTIME read together, with
 * interrupts off: the trace clock is the middle of two reads around the real-time one.
 */
void rtrace_ring_clock_pair(u64 *trace, u64 *real)
{
	unsigned long flags;
	u64 before, after;

	local_irq_save(flags);
	before = local_clock();
	*real = ktime_get_real_ns();
	after = local_clock();
	local_irq_restore(flags);
	*trace = before + (after - before) / 2;
}

static DECLARE_WAIT_QUEUE_HEAD(rtrace_ring_readers);

static void rtrace_ring_wake_readers(struct irq_work *work)
{
	wake_up_interruptible_all(&rtrace_ring_readers);
}

static DEFINE_IRQ_WORK(rtrace_ring_work, rtrace_ring_wake_readers);

/* sinks/ring/tracer.rs: commit(): any context, scheduler locks included */
notrace void rtrace_ring_wake(void)
{
	irq_work_queue(&rtrace_ring_work);
}

/* sinks/ring/readers.rs: wait_for_data() */
long rtrace_ring_wait(bool (*cond)(void *), void *data, long timeout)
{
	return wait_event_interruptible_timeout(rtrace_ring_readers, cond(data), timeout);
}

/* sinks/ring/readers.rs: poll() */
void rtrace_ring_poll_wait(struct file *file, poll_table *pt)
{
	poll_wait(file, &rtrace_ring_readers, pt);
}

/* sinks/ring/ring.rs: exit, before the irq_work's code goes */
void rtrace_ring_sync(void)
{
	irq_work_sync(&rtrace_ring_work);
}

/* Defined in Rust, sinks/ring/readers.rs and control.rs. */
int rtrace_ring_open(struct inode *inode, struct file *file);
ssize_t rtrace_ring_read(struct file *file, char __user *buf, size_t len, loff_t *ppos);
__poll_t rtrace_ring_poll(struct file *file, poll_table *pt);
int rtrace_ring_release(struct inode *inode, struct file *file);
ssize_t rtrace_ring_control_write(struct file *file, const char __user *buf, size_t len,
				  loff_t *ppos);
int rtrace_ring_control_show(struct seq_file *m, void *v);

/*
 * The readers are streams, as ftrace's trace_pipe: lseek() is ESPIPE, pread() refused (a position
 * means nothing to a consuming reader, and trace reads what was committed at open from its start).
 */
static int reader_open(struct inode *inode, struct file *file)
{
	int ret = rtrace_ring_open(inode, file);

	return ret ? ret : stream_open(inode, file);
}

/* trace, trace_pipe, per_cpu/cpuN/{trace_pipe_raw,snapshot_raw}: i_private is the file's kind. */
static const struct file_operations reader_fops = {
	.owner = THIS_MODULE,
	.open = reader_open,
	.read = rtrace_ring_read,
	.poll = rtrace_ring_poll,
	.release = rtrace_ring_release,
};

static int control_open(struct inode *inode, struct file *file)
{
	return single_open(file, rtrace_ring_control_show, inode->i_private);
}

/* buffer_size_kb, overwrite, reset, stats, clock: shown by one callback, by kind. */
static const struct file_operations control_fops = {
	.owner = THIS_MODULE,
	.open = control_open,
	.read = seq_read,
	.write = rtrace_ring_control_write,
	.llseek = seq_lseek,
	.release = single_release,
};

struct dentry *rtrace_ring_create_file(const char *name, umode_t mode, struct dentry *dir,
				       unsigned long kind, bool reader);

/* sinks/ring/files.rs: create() */
struct dentry *rtrace_ring_create_file(const char *name, umode_t mode, struct dentry *dir,
				       unsigned long kind, bool reader)
{
	return debugfs_create_file(name, mode, dir, (void *)kind,
				   reader ? &reader_fops : &control_fops);
}
