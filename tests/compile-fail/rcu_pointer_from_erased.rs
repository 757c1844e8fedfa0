// SPDX-License-Identifier: GPL-2.0

//! Must not compile: any `AtomicPtr<c_void>` used as an `rcu::Pointer<T>` from safe code (what
//! it holds would be read as a `T` and freed as a `KBox<T>`).
//! expect: error\[E0133\]: call to unsafe function `[^`]*from_erased` is unsafe

use core::ffi::c_void;
use core::sync::atomic::AtomicPtr;

use kernel::prelude::*;

#[path = "../../rust/rtrace.rs"]
mod rtrace;

use rtrace::kernel::rcu::Pointer;

module! {
    type: Bad,
    name: "rcu_pointer_from_erased",
    license: "GPL",
}

static VALUE: u64 = 0;

struct Bad;

impl kernel::Module for Bad {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let slot = AtomicPtr::new((&VALUE as *const u64).cast_mut().cast::<c_void>());
        drop(Pointer::<u64>::from_erased(&slot).replace(None));
        Ok(Bad)
    }
}
