// SPDX-License-Identifier: GPL-2.0

//! Must not compile: `should_stop` and `wait` outside a kthread (they oops there): they are
//! methods of the `Current` that only a thread's body receives.
//! expect: error\[E0425\]: cannot find function `should_stop` in module `rtrace::kernel::kthread`
//! expect: error\[E0425\]: cannot find function `wait` in module `rtrace::kernel::kthread`

use kernel::prelude::*;

#[path = "../../rust/rtrace.rs"]
mod rtrace;

use rtrace::kernel::kthread::{Current, ThreadMain};

module! {
    type: Bad,
    name: "kthread_outside",
    license: "GPL",
}

struct Body;

impl ThreadMain for Body {
    fn main(&self, current: &Current) {
        while !current.should_stop() {}
    }
}

struct Bad;

impl kernel::Module for Bad {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        // From the module's init, which is not a kthread.
        if !rtrace::kernel::kthread::should_stop() {
            rtrace::kernel::kthread::wait(|| true);
        }
        Ok(Bad)
    }
}
