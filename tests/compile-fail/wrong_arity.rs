// SPDX-License-Identifier: GPL-2.0

//! Must not compile: a probe for `sched_switch(prev: &Task, next: &Task)` missing an argument.

use kernel::prelude::*;
use kernel::task::Task;

#[path = "../../rust/rtrace.rs"]
mod rtrace;

#[path = "../../samples/sched_trace.rs"]
mod sched_trace;

module! {
    type: Bad,
    name: "wrong_arity",
    license: "GPL",
}

fn probe(_data: &(), _prev: &Task) {}

struct Bad;

impl kernel::Module for Bad {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        sched_trace::register_trace_sched_switch(probe, &())?;
        Ok(Bad)
    }
}
