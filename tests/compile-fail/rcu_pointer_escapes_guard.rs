// SPDX-License-Identifier: GPL-2.0

//! Must not compile: a value borrowed from an `rcu::Pointer` kept after its read-side guard is
//! dropped (a grace period may end, and the value be freed, once the guard is gone).
//! expect: error\[E0597\]: `guard` does not live long enough

use kernel::prelude::*;

#[path = "../../rust/rtrace.rs"]
mod rtrace;

use rtrace::kernel::rcu::{Pointer, ReadGuard};

module! {
    type: Bad,
    name: "rcu_pointer_escapes_guard",
    license: "GPL",
}

static VALUE: Pointer<u64> = Pointer::null();

struct Bad;

impl kernel::Module for Bad {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let value = {
            let guard = ReadGuard::new();
            VALUE.get(&guard)
        };
        pr_info!("{:?}\n", value);
        Ok(Bad)
    }
}
