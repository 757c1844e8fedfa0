// SPDX-License-Identifier: GPL-2.0

//! Must not compile: a field named without its NUL (`RawField::new("x", ..)` compiled, and the
//! core read the name past its end): names are `&CStr`.
//! expect: expected .&CStr., found .&str.

use kernel::prelude::*;
use rtrace::abi::RawField;
use rtrace::marker::record::FieldType;

#[path = "../../rust/rtrace.rs"]
mod rtrace;

module! {
    type: Bad,
    name: "raw_field_str",
    license: "GPL",
}

struct Bad;

/// A field as safe code could declare one before.
pub static FIELD: RawField = RawField::new("x", FieldType::U8);

impl kernel::Module for Bad {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        Ok(Bad)
    }
}
