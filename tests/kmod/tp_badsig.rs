// SPDX-License-Identifier: GPL-2.0

//! rtrace_tp_badsig: a probe module built from a *different* declaration of `tp_test` than the one
//! rtrace_tp_test defines (tests/kmod/tp_test_trace.rs). The core must refuse its registration
//! with `-EINVAL`, so loading it fails.

use kernel::prelude::*;

#[path = "../../rust/rtrace.rs"]
mod rtrace;

mod other_declaration {
    crate::tracepoint! {
        /// Same name, other arguments.
        pub fn tp_test(seq: u32);
    }
}

module! {
    type: BadSig,
    name: "rtrace_tp_badsig",
    author: "rtrace developers",
    description: "rtrace test: a probe from a mismatched declaration",
    license: "GPL",
}

static DATA: () = ();

fn probe(_data: &(), _seq: u32) {}

struct BadSig;

impl kernel::Module for BadSig {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        other_declaration::register_trace_tp_test(probe, &DATA)?;
        // Only reached if the core wrongly accepted the probe.
        pr_err!("mismatched declaration accepted\n");
        let _ = other_declaration::unregister_trace_tp_test(probe, &DATA);
        rtrace::tracepoint::synchronize_unregister();
        Err(EIO)
    }
}
