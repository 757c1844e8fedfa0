// SPDX-License-Identifier: GPL-2.0

//! Must not compile: registering any function and data with `rtrace::tracepoint::register`,
//! which the site later calls as a probe of the declaration's type: it is `unsafe`.
//!
//! expect: error\[E0133\]: call to unsafe function `register` is unsafe

use kernel::prelude::*;

#[path = "../../rust/rtrace.rs"]
mod rtrace;

#[path = "../../samples/sched_trace.rs"]
mod sched_trace;

module! {
    type: Bad,
    name: "tp_register_raw",
    license: "GPL",
}

struct Bad;

impl kernel::Module for Bad {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        rtrace::tracepoint::register(
            &sched_trace::__tracepoint_sched_wakeup,
            0x10 as *const core::ffi::c_void,
            core::ptr::null(),
            10,
            &THIS_MODULE,
        )?;
        Ok(Bad)
    }
}
