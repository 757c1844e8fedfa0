// SPDX-License-Identifier: GPL-2.0

//! The kernel's interrupt tracepoints (include/trace/events/irq.h) as `irq:*` markers: interrupt
//! handlers and softirqs, one bridge event each (probes/bridge_event.rs); their C prototypes are
//! checked in events/irq_shim.c.
//!
//! The fields are ftrace's. A softirq's `vec` is its number: `HI` 0, `TIMER` 1, `NET_TX` 2,
//! `NET_RX` 3, `BLOCK` 4, `IRQ_POLL` 5, `TASKLET` 6, `SCHED` 7, `HRTIMER` 8, `RCU` 9 (ftrace
//! prints the name beside it, `[action=TIMER]`).

use core::ffi::{c_int, c_uint};

use kernel::bindings;

crate::bridge_events! {
    /// An interrupt handler for `irq` starts.
    irq:irq_handler_entry(irq: c_int, _action: *mut bindings::irqaction) {} => {
        irq: i32 = irq,
    }

    /// It returned `ret` (`IRQ_NONE` 0, `IRQ_HANDLED` 1, `IRQ_WAKE_THREAD` 2).
    irq:irq_handler_exit(irq: c_int, _action: *mut bindings::irqaction, ret: c_int) {} => {
        irq: i32 = irq,
        ret: i32 = ret,
    }

    /// The handler of softirq `vec` starts.
    irq:softirq_entry(vec_nr: c_uint) {} => {
        vec: u32 = vec_nr,
    }

    /// The handler of softirq `vec` returned.
    irq:softirq_exit(vec_nr: c_uint) {} => {
        vec: u32 = vec_nr,
    }
}
