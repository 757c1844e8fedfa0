// SPDX-License-Identifier: GPL-2.0

//! rtrace_tp_badsig: a probe module built from *different* declarations of `tp_test` and
//! `tp_task` than the ones rtrace_tp_test defines (tests/kmod/tp_test_trace.rs): `tp_test` with
//! other arguments, and `tp_task` with the same text, `task: &Task`, where `Task` is a type of its
//! own. The core must refuse both registrations with `-EINVAL`, so loading it fails.

use kernel::prelude::*;

#[path = "../../rust/rtrace.rs"]
mod rtrace;

mod other_declaration {
    /// Not the kernel's `Task`: what the declaration's text says, another type.
    #[allow(dead_code, unreachable_pub)]
    pub struct Task {
        _pid: i32,
    }

    crate::tracepoint! {
        /// Same name, other arguments.
        pub fn tp_test(seq: u32);

        /// Same name and text, another type.
        pub fn tp_task(task: &Task);
    }
}

use other_declaration::Task;

module! {
    type: BadSig,
    name: "rtrace_tp_badsig",
    author: "rtrace developers",
    description: "rtrace test: probes from mismatched declarations",
    license: "GPL",
}

static DATA: u8 = 0;

fn probe(_data: &u8, _seq: u32) {}

fn probe_task(_data: &u8, _task: &Task) {}

struct BadSig;

impl kernel::Module for BadSig {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let text = other_declaration::register_trace_tp_test(probe, &DATA);
        let types = other_declaration::register_trace_tp_task(probe_task, &DATA);
        if text.is_ok() || types.is_ok() {
            // Only reached if the core wrongly accepted a probe.
            pr_err!(
                "mismatched declaration accepted (text: {}, types: {})\n",
                text.is_ok(),
                types.is_ok()
            );
            let _ = other_declaration::unregister_trace_tp_test(probe, &DATA);
            let _ = other_declaration::unregister_trace_tp_task(probe_task, &DATA);
            rtrace::tracepoint::synchronize_unregister();
            return Err(EIO);
        }
        text.and(types).map(|()| BadSig)
    }
}
