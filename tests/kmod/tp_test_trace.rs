// SPDX-License-Identifier: GPL-2.0

//! The test tracepoint fired by rtrace_tp_test (tests/kmod/tp_test.rs).

crate::tracepoint! {
    /// Event number `seq`, fired by storm thread `thread` (`u32::MAX` for the control writer).
    pub fn tp_test(seq: u64, thread: u32);
}
