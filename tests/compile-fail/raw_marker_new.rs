// SPDX-License-Identifier: GPL-2.0

//! Must not compile: a marker built by safe code outside `marker!` (whose sites would not
//! encode what its fields say): `RawMarker::new` is `unsafe`, and its fields private.
//! expect: error\[E0133\]: call to unsafe function .*RawMarker::new.* requires unsafe

use kernel::prelude::*;
use rtrace::abi::RawMarker;

#[path = "../../rust/rtrace.rs"]
mod rtrace;

module! {
    type: Bad,
    name: "raw_marker_new",
    license: "GPL",
}

struct Bad;

/// A marker as safe code could build one before.
pub static MARKER: RawMarker = RawMarker::new(c"bad", c"event", &[]);

impl kernel::Module for Bad {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        Ok(Bad)
    }
}
