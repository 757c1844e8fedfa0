// SPDX-License-Identifier: GPL-2.0

//! Must not compile: `rcu_array::publish` into any `AtomicPtr` from safe code (what the slot held
//! is handed to `kfree`).
//! expect: error\[E0133\]: call to unsafe function `publish` is unsafe
//! expect: rtrace::kernel::rcu_array::publish\(&slot

use core::sync::atomic::AtomicPtr;

use kernel::prelude::*;

#[path = "../../rust/rtrace.rs"]
mod rtrace;

module! {
    type: Bad,
    name: "unsafe_rcu_publish",
    license: "GPL",
}

static VALUE: u64 = 0;

struct Bad;

impl kernel::Module for Bad {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let slot = AtomicPtr::new((&VALUE as *const u64).cast_mut());
        rtrace::kernel::rcu_array::publish(&slot, core::iter::once(1u64), 0)?;
        Ok(Bad)
    }
}
