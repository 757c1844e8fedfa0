// SPDX-License-Identifier: GPL-2.0
/*
 * The C half of the bridge events of events/irq.rs: each probe's prototype checked against the
 * running kernel's tracepoint (probes/bridge_event.h), one line per event, in the order of
 * irq.rs. Included by probes/bridge_shim.c.
 */
#include <linux/interrupt.h>
#include <trace/events/irq.h>
#include "../bridge_event.h"

RTRACE_BRIDGE_EVENT(irq_handler_entry, int irq, struct irqaction *action);
RTRACE_BRIDGE_EVENT(irq_handler_exit, int irq, struct irqaction *action, int ret);
RTRACE_BRIDGE_EVENT(softirq_entry, unsigned int vec_nr);
RTRACE_BRIDGE_EVENT(softirq_exit, unsigned int vec_nr);
