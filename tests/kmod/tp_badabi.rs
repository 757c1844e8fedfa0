// SPDX-License-Identifier: GPL-2.0

//! rtrace_tp_badabi: a module that calls the tracepoint core as if built against the next ABI
//! version. The core must refuse it with `-EINVAL` and a message naming it, so loading it fails.

use kernel::prelude::*;

#[path = "../../rust/rtrace.rs"]
mod rtrace;

use rtrace::abi::{rtrace_probe_register, TRACEPOINT_ABI};

module! {
    type: BadAbi,
    name: "rtrace_tp_badabi",
    author: "rtrace developers",
    description: "rtrace test: a caller of another ABI version",
    license: "GPL",
}

fn probe(_data: *const core::ffi::c_void, _seq: u64, _thread: u32) {}

struct BadAbi;

impl kernel::Module for BadAbi {
    fn init(module: &'static ThisModule) -> Result<Self> {
        // SAFETY: the core refuses the call before looking at the (null) tracepoint or at the
        // probe, which has the declaration's type and takes no data.
        let ret = unsafe {
            rtrace_probe_register(
                TRACEPOINT_ABI + 1,
                core::ptr::null(),
                probe as *const core::ffi::c_void,
                core::ptr::null(),
                10,
                module.as_ptr(),
            )
        };
        kernel::error::to_result(ret)?;
        pr_err!("call with another ABI version accepted\n");
        Err(EIO)
    }
}
