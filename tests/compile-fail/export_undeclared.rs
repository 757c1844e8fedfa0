// SPDX-License-Identifier: GPL-2.0

//! Must not compile: exporting a function that rust/abi.rs does not declare (callers could only
//! reach it through a prototype of their own, which nothing would check).
//! expect: error\[E04(12|25)\]: cannot find type `rtrace_probe_count` in module `\$crate::rtrace::abi::fn_types`

use kernel::prelude::*;

#[path = "../../rust/rtrace.rs"]
mod rtrace;

module! {
    type: Bad,
    name: "export_undeclared",
    license: "GPL",
}

#[no_mangle]
extern "C" fn rtrace_probe_count(_abi: u32) -> u32 {
    0
}
crate::abi_export!(rtrace_probe_count);

struct Bad;

impl kernel::Module for Bad {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        Ok(Bad)
    }
}
