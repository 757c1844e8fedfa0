// SPDX-License-Identifier: GPL-2.0

//! The kernel's interrupt handler tracepoints (include/trace/events/irq.h) as `irq:*` markers,
//! and their probes.

use core::ffi::{c_int, c_void};

crate::marker! {
    /// An interrupt handler for `irq` starts.
    pub irq:irq_handler_entry {
        irq: i32,
    }

    /// It returned `ret` (`IRQ_NONE` 0, `IRQ_HANDLED` 1, `IRQ_WAKE_THREAD` 2).
    pub irq:irq_handler_exit {
        irq: i32,
        ret: i32,
    }
}

// The probes, called by the kernel's tracepoints with their `TP_PROTO` after the data pointer.

/// `irq_handler_entry(int irq, struct irqaction *action)`
pub(crate) extern "C" fn probe_irq_handler_entry(
    _data: *mut c_void,
    irq: c_int,
    _action: *mut c_void,
) {
    emit_irq_irq_handler_entry(irq);
}

/// `irq_handler_exit(int irq, struct irqaction *action, int ret)`
pub(crate) extern "C" fn probe_irq_handler_exit(
    _data: *mut c_void,
    irq: c_int,
    _action: *mut c_void,
    ret: c_int,
) {
    emit_irq_irq_handler_exit(irq, ret);
}
