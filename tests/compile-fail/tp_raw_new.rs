// SPDX-License-Identifier: GPL-2.0

//! Must not compile: building a `RawTracepoint` from safe code: its constructor trusts the stub,
//! the iterator and the static call it is given, so it is `unsafe`.
//!
//! expect: error\[E0133\]: call to unsafe function `RawTracepoint::new` is unsafe

use kernel::prelude::*;

#[path = "../../rust/rtrace.rs"]
mod rtrace;

#[path = "../../samples/sched_trace.rs"]
mod sched_trace;

module! {
    type: Bad,
    name: "tp_raw_new",
    license: "GPL",
}

struct Bad;

extern "C" fn no_args(_index: usize) -> rtrace::abi::ArgType {
    rtrace::abi::ArgType::END
}

static TP: rtrace::abi::RawTracepoint = rtrace::abi::RawTracepoint::new(
    c"forged",
    c"",
    no_args,
    core::ptr::null(),
    0x10 as *const core::ffi::c_void,
    None,
);

impl kernel::Module for Bad {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let _ = &TP;
        Ok(Bad)
    }
}
