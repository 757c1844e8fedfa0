// SPDX-License-Identifier: GPL-2.0

//! Must not compile: storing into a field of a tracepoint's `RawTracepoint` from safe code, then firing it
//! (the site would call address 0x10). The fields are private.
//!
//! expect: error\[E0616\]: field `probes` of struct `RawTracepoint` is private

use kernel::prelude::*;

#[path = "../../rust/rtrace.rs"]
mod rtrace;

#[path = "../../samples/sched_trace.rs"]
mod sched_trace;

module! {
    type: Bad,
    name: "tp_private_field",
    license: "GPL",
}

struct Bad;

impl kernel::Module for Bad {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        sched_trace::__tracepoint_sched_wakeup
            .probes
            .store(0x10 as _, core::sync::atomic::Ordering::Release);
        sched_trace::trace_sched_wakeup(kernel::current!());
        Ok(Bad)
    }
}
