// SPDX-License-Identifier: GPL-2.0

//! ftrace's meaning of the scheduler markers' fields, shared by every reader (report, JSON, CTF,
//! Perfetto), so that they all show what ftrace shows.
//!
//! `sched:sched_switch`'s `prev_state` is the value ftrace's `__trace_sched_switch_state()`
//! computes (include/trace/events/sched.h), which the bridge records: `0` for a runnable task,
//! one bit of `TASK_REPORT` for a task that sleeps or exits, `TASK_REPORT_MAX` for a preempted
//! task. ftrace's `TP_printk` prints it as letters: `R`, `S`, `D`, `T`, `t`, `X`, `Z`, `P`, `I`
//! (several joined with `|`), with a `+` when the task was preempted.

use rtrace::marker::record::Value;

use crate::formats::MarkerFormat;

/// `TASK_REPORT_MAX` of Linux 6.12: the bit of a preempted task.
pub const TASK_REPORT_MAX: u64 = 0x100;

/// The state bits below [`TASK_REPORT_MAX`] and their letters, in `__print_flags()` order.
const STATE_LETTERS: [(u64, &str); 8] = [
    (0x01, "S"),
    (0x02, "D"),
    (0x04, "T"),
    (0x08, "t"),
    (0x10, "X"),
    (0x20, "Z"),
    (0x40, "P"),
    (0x80, "I"),
];

/// Every `prev_state` the bridge records, with its letters (for CTF enumerations).
pub const PREV_STATES: [(u64, &str); 10] = [
    (0, "R"),
    (0x01, "S"),
    (0x02, "D"),
    (0x04, "T"),
    (0x08, "t"),
    (0x10, "X"),
    (0x20, "Z"),
    (0x40, "P"),
    (0x80, "I"),
    (TASK_REPORT_MAX, "R+"),
];

/// `prev_state` as ftrace prints it: the letters of the state bits joined by `|` (`R` when
/// there are none), then `+` for a preempted task. Bits ftrace has no letter for are left out,
/// as `__print_flags()` leaves them.
pub fn prev_state_text(state: u64) -> String {
    let bits = state & (TASK_REPORT_MAX - 1);
    let mut text = if bits == 0 {
        String::from("R")
    } else {
        let letters: Vec<&str> = STATE_LETTERS
            .iter()
            .filter(|(bit, _)| bits & bit != 0)
            .map(|&(_, letter)| letter)
            .collect();
        letters.join("|")
    };
    if state & TASK_REPORT_MAX != 0 {
        text.push('+');
    }
    text
}

/// Whether `field` of `format` is ftrace's `prev_state`, shown as letters.
pub fn is_prev_state(format: &MarkerFormat, field: &str) -> bool {
    format.subsystem == "sched" && format.event == "sched_switch" && field == "prev_state"
}

/// The text ftrace shows for `value` of `field` of `format`, where it is not the number.
pub fn symbolic(format: &MarkerFormat, field: &str, value: &Value<'_>) -> Option<String> {
    if !is_prev_state(format, field) {
        return None;
    }
    match *value {
        Value::U(v) => Some(prev_state_text(v)),
        Value::I(v) => Some(prev_state_text(v as u64)),
        _ => None,
    }
}

/// The name readers give the task of `pid`: the idle task (pid 0, one per CPU, each called
/// `swapper/N` in its `comm`) is `<idle>` as in ftrace's output, whatever `comm` says.
pub fn task_name(pid: i32, comm: Option<&str>) -> &str {
    match comm {
        _ if pid == 0 => "<idle>",
        Some(comm) => comm,
        None => "<...>",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_as_ftrace_prints_them() {
        for (state, text) in [
            (0, "R"),
            (0x100, "R+"),
            (1, "S"),
            (2, "D"),
            (0x20, "Z"),
            (0x10, "X"),
            (0x80, "I"),
            (0x40, "P"),
            (4, "T"),
            (8, "t"),
            (3, "S|D"),
            (0x101, "S+"),
            // A raw `__state` of an old recording: TASK_NOLOAD (0x400) has no letter.
            (0x402, "D"),
        ] {
            assert_eq!(prev_state_text(state), text, "{state:#x}");
        }
        for (state, text) in PREV_STATES {
            assert_eq!(prev_state_text(state), text);
        }
    }

    #[test]
    fn idle_is_idle() {
        assert_eq!(task_name(0, Some("swapper/0")), "<idle>");
        assert_eq!(task_name(0, None), "<idle>");
        assert_eq!(task_name(7, Some("sh")), "sh");
        assert_eq!(task_name(7, None), "<...>");
    }
}
