// SPDX-License-Identifier: GPL-2.0

//! Must not compile: a thread started from safe code (a `Thread` leaked with `mem::forget` would
//! run the module's code after `rmmod`).
//! expect: error\[E0133\]: call to unsafe function `Thread::run` is unsafe
//! expect: core::mem::forget\(Thread::run\(&BODY

use kernel::prelude::*;

#[path = "../../rust/rtrace.rs"]
mod rtrace;

use rtrace::kernel::kthread::{Current, Thread, ThreadMain};

module! {
    type: Bad,
    name: "kthread_leak",
    license: "GPL",
}

struct Body;

impl ThreadMain for Body {
    fn main(&self, current: &Current) {
        while !current.should_stop() {}
    }
}

static BODY: Body = Body;

struct Bad;

impl kernel::Module for Bad {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        core::mem::forget(Thread::run(&BODY, c"leaked")?);
        Ok(Bad)
    }
}
