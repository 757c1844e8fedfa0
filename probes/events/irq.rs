// SPDX-License-Identifier: GPL-2.0

//! The `irq:*` markers of the bridge: the kernel's interrupt handler tracepoints
//! (include/trace/events/irq.h), in basic types.

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
