// SPDX-License-Identifier: GPL-2.0

//! Must not compile: a tracepoint name without its trailing NUL: `c_str`, which `tracepoint!`
//! builds names and signatures with, fails in the constant that evaluates it.
//!
//! expect: a tracepoint's name and signature end with their only NUL byte

use kernel::prelude::*;

#[path = "../../rust/rtrace.rs"]
mod rtrace;

#[path = "../../samples/sched_trace.rs"]
mod sched_trace;

module! {
    type: Bad,
    name: "tp_name_nul",
    license: "GPL",
}

struct Bad;

static NAME: &core::ffi::CStr = rtrace::abi::c_str("sched_wakeup");

impl kernel::Module for Bad {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        pr_info!("{:?}\n", NAME);
        Ok(Bad)
    }
}
