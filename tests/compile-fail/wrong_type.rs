// SPDX-License-Identifier: GPL-2.0

//! Must not compile: a probe for `sched_wakeup(task: &Task)` taking a pid instead.

use kernel::prelude::*;

#[path = "../../rust/rtrace.rs"]
mod rtrace;

#[path = "../../samples/sched_trace.rs"]
mod sched_trace;

module! {
    type: Bad,
    name: "wrong_type",
    license: "GPL",
}

fn probe(_data: &(), _pid: i32) {}

struct Bad;

impl kernel::Module for Bad {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        sched_trace::register_trace_sched_wakeup(probe, &())?;
        Ok(Bad)
    }
}
