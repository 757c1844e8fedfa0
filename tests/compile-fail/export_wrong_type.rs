// SPDX-License-Identifier: GPL-2.0

//! Must not compile: exported functions whose definitions differ from their declarations in
//! rust/abi.rs (one argument's type, the return type), which their callers are compiled with.
//! expect: error\[E0308\]: mismatched types
//! expect: expected fn pointer `unsafe extern "C" fn\(_, _, _, \*const (core::ffi::)?c_void\) -> _`
//! expect: found fn item `unsafe extern "C" fn\(_, _, _, \*mut (core::ffi::)?c_void\) -> _ \{rtrace_probe_unregister\}`
//! expect: expected fn pointer `unsafe extern "C" fn\(_, _\) -> i32`
//! expect: found fn item `unsafe extern "C" fn\(_, _\) -> isize \{rtrace_sink_connections\}`

use core::ffi::{c_char, c_int, c_void};

use kernel::prelude::*;

#[path = "../../rust/rtrace.rs"]
mod rtrace;

use rtrace::abi::RawTracepoint;

module! {
    type: Bad,
    name: "export_wrong_type",
    license: "GPL",
}

/// `data` is `*const c_void` in the declaration.
#[no_mangle]
unsafe extern "C" fn rtrace_probe_unregister(
    _abi: u32,
    _tp: *const RawTracepoint,
    _func: *const c_void,
    _data: *mut c_void,
) -> c_int {
    0
}
crate::abi_export!(rtrace_probe_unregister);

/// The declaration returns `c_int`.
#[no_mangle]
unsafe extern "C" fn rtrace_sink_connections(_abi: u32, _sink: *const c_char) -> isize {
    0
}
crate::abi_export!(rtrace_sink_connections);

struct Bad;

impl kernel::Module for Bad {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        Ok(Bad)
    }
}
