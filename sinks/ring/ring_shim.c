// SPDX-License-Identifier: GPL-2.0
/*
 * The ring-buffer tracer's C shim: the shared wrappers of rust/shim.c, and what only C macros or
 * static inlines express for this module: its mutex (DEFINE_MUTEX), the clocks (local_clock()
 * is inline), and the readers' wait queue (DECLARE_WAIT_QUEUE_HEAD, wait_event_*() and
 * poll_wait() are macros or inlines) with the irq_work that wakes it from any context
 * (DEFINE_IRQ_WORK). The debugfs files and their file_operations are Rust's
 * (sinks/ring/files.rs, with rust/kernel/debugfs.rs's FileOps).
 */
#include "../../rust/shim.c"

#include <linux/fs.h>
#include <linux/irq_work.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/sched/clock.h>
#include <linux/timekeeping.h>
#include <linux/smp.h>
#include <linux/wait.h>

/*
 * Protects the tracer's buffers against resizing while readers use them (sinks/ring/tracer.rs,
 * which takes and releases it).
 */
DEFINE_MUTEX(rtrace_ring_mutex);

u64 rtrace_ring_clock(void);
void rtrace_ring_wake(void);
long rtrace_ring_wait(bool (*cond)(void *), void *data, long timeout);
void rtrace_ring_poll_wait(struct file *file, poll_table *pt);
void rtrace_ring_sync(void);

/*
 * sinks/ring/tracer.rs: the writer's clock. local_clock(), the scheduler's per-CPU clock (ftrace's
 * "perf" trace clock), not ftrace's default "local" clock (trace_clock_local()). C: a static
 * inline where the architecture's sched_clock() is stable (arm64), absent from 6.12's bindings.
 */
notrace u64 rtrace_ring_clock(void)
{
	return local_clock();
}

void rtrace_ring_clock_pair(u64 *trace, u64 *real);

/*
 * sinks/ring/control.rs: the clock file. The trace clock and CLOCK_REALTIME read together, with
 * interrupts off: the trace clock is the middle of two reads around the real-time one. C:
 * local_irq_save() is a macro, ktime_get_real_ns() a static inline.
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

/*
 * sinks/ring/tracer.rs: commit(): any context, scheduler locks included. C: the irq_work is
 * DEFINE_IRQ_WORK's, and irq_work.h is not in 6.12's bindings (a C call is checked against the
 * kernel's prototype; a Rust declaration of ours would not be).
 */
notrace void rtrace_ring_wake(void)
{
	irq_work_queue(&rtrace_ring_work);
}

/* sinks/ring/readers.rs: wait_for_data(). C: wait_event_interruptible_timeout() is a macro */
long rtrace_ring_wait(bool (*cond)(void *), void *data, long timeout)
{
	return wait_event_interruptible_timeout(rtrace_ring_readers, cond(data), timeout);
}

/* sinks/ring/readers.rs: poll(). C: poll_wait() is a static inline */
void rtrace_ring_poll_wait(struct file *file, poll_table *pt)
{
	poll_wait(file, &rtrace_ring_readers, pt);
}

/* sinks/ring/ring.rs: exit, before the irq_work's code goes. C: as rtrace_ring_wake() */
void rtrace_ring_sync(void)
{
	irq_work_sync(&rtrace_ring_work);
}
