// SPDX-License-Identifier: GPL-2.0

//! Must not compile: `module::name` of any pointer from safe code (it dereferences the pointer).
//! expect: error\[E0133\]: call to unsafe function `name` is unsafe
//! expect: rtrace::kernel::module::name\(0x10

use kernel::prelude::*;

#[path = "../../rust/rtrace.rs"]
mod rtrace;

module! {
    type: Bad,
    name: "unsafe_module_name",
    license: "GPL",
}

struct Bad;

impl kernel::Module for Bad {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        pr_info!(
            "{}\n",
            rtrace::kernel::module::name(0x10 as *mut kernel::bindings::module)
        );
        Ok(Bad)
    }
}
