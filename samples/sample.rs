// SPDX-License-Identifier: GPL-2.0

//! rtrace sample subsystem.
//!
//! A Rust crate root and the rtrace C shim linked into one module: the smallest module that goes
//! through every piece of rtrace's build (shared Rust source, C shim, Kbuild) and is loaded and
//! unloaded by the test suite.

use kernel::prelude::*;

#[path = "../rust/rtrace.rs"]
mod rtrace;

module! {
    type: Sample,
    name: "rtrace_sample",
    author: "rtrace developers",
    description: "rtrace sample instrumented subsystem",
    license: "GPL",
}

struct Sample;

impl kernel::Module for Sample {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        {
            let _rcu = rtrace::rcu::ReadGuard::new();
        }
        rtrace::rcu::synchronize();
        pr_info!("loaded\n");
        Ok(Sample)
    }
}

impl Drop for Sample {
    fn drop(&mut self) {
        pr_info!("unloaded\n");
    }
}
