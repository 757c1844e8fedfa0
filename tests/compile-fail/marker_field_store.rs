// SPDX-License-Identifier: GPL-2.0

//! Must not compile: safe code storing into the sink array of a marker static (a dangling array
//! that the next `emit_*` would walk): the marker's fields are private.
//! expect: error\[E0616\]: field `sinks` of struct `RawMarker` is private

use kernel::prelude::*;

#[path = "../../rust/rtrace.rs"]
mod rtrace;

module! {
    type: Bad,
    name: "marker_field_store",
    license: "GPL",
}

struct Bad;

crate::marker! {
    pub bad:event { n: u32 }
}

impl kernel::Module for Bad {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        __marker_bad_event
            .sinks
            .store(0x10 as _, core::sync::atomic::Ordering::Relaxed);
        emit_bad_event(1);
        Ok(Bad)
    }
}
