// SPDX-License-Identifier: GPL-2.0

//! Must not compile: a name that does not end with its only NUL byte, given to the helper that
//! `marker!` uses to make names: refused when the static is evaluated, at build time.
//! expect: must end with its only NUL byte

use kernel::prelude::*;
use rtrace::abi::{nul_terminated, RawField};
use rtrace::marker::record::FieldType;

#[path = "../../rust/rtrace.rs"]
mod rtrace;

module! {
    type: Bad,
    name: "name_without_nul",
    license: "GPL",
}

struct Bad;

/// No NUL at the end.
pub static FIELD: RawField = RawField::new(nul_terminated("x"), FieldType::U8);

impl kernel::Module for Bad {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        Ok(Bad)
    }
}
