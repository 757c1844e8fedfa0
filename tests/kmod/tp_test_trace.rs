// SPDX-License-Identifier: GPL-2.0

//! The test tracepoints fired by rtrace_tp_test (tests/kmod/tp_test.rs).

use kernel::task::Task;

crate::tracepoint! {
    /// Event number `seq`, fired by storm thread `thread` (`u32::MAX` for the control writer).
    pub fn tp_test(seq: u64, thread: u32);

    /// Never fired: declared with `kernel::task::Task`, so that tests/kmod/tp_badsig.rs can
    /// declare it with the same text and another `Task`.
    pub fn tp_task(task: &Task);
}
