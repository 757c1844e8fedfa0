// SPDX-License-Identifier: GPL-2.0

//! Must not compile: a probe whose data is zero-sized (`&()`): probes are told apart by their
//! data's address, which zero-sized values do not have of their own.
//!
//! expect: probe data must not be zero-sized

use kernel::prelude::*;

#[path = "../../rust/rtrace.rs"]
mod rtrace;

#[path = "../../samples/sched_trace.rs"]
mod sched_trace;

module! {
    type: Bad,
    name: "tp_zero_sized_data",
    license: "GPL",
}

struct Bad;

fn probe(_data: &(), _task: &kernel::task::Task) {}

impl kernel::Module for Bad {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        sched_trace::register_trace_sched_wakeup(probe, &())?;
        Ok(Bad)
    }
}
