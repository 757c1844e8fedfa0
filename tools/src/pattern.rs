// SPDX-License-Identifier: GPL-2.0

//! `subsystem:event` patterns with the globs the kernel's `set_event` takes (`*` and `?`).

use crate::error::ToolError;

/// Whether `name` matches `pattern`, where `*` matches any run of characters and `?` any one.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let (p, n) = (pattern.as_bytes(), name.as_bytes());
    let (mut pi, mut ni) = (0, 0);
    // Where the last `*` was, and the name position it is trying to match up to.
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, ni));
                pi += 1;
            }
            Some(&c) if c == b'?' || c == n[ni] => {
                pi += 1;
                ni += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    pi = sp + 1;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// Checks that `pattern` is `subsystem:event`, both parts non-empty, of name characters and
/// globs.
pub fn check(pattern: &str) -> Result<(), ToolError> {
    let ok = pattern.split_once(':').is_some_and(|(sub, event)| {
        let part_ok = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'*' | b'?'))
        };
        part_ok(sub) && part_ok(event)
    });
    if ok {
        Ok(())
    } else {
        Err(ToolError::BadPattern(pattern.to_owned()))
    }
}

/// The names (`subsystem:event` lines of `available_markers`) that `pattern` matches; a pattern
/// that matches none is [`ToolError::UnknownMarker`].
pub fn expand<'a>(pattern: &str, markers: &'a [String]) -> Result<Vec<&'a str>, ToolError> {
    check(pattern)?;
    let matched: Vec<&str> = markers
        .iter()
        .map(String::as_str)
        .filter(|m| glob_match(pattern, m))
        .collect();
    if matched.is_empty() {
        return Err(ToolError::UnknownMarker(pattern.to_owned()));
    }
    Ok(matched)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        for (p, n, m) in [
            ("sched:*", "sched:sched_switch", true),
            ("*:*", "a:b", true),
            ("sched:sched_?witch", "sched:sched_switch", true),
            ("sched:*wake*", "sched:sched_wakeup_new", true),
            ("sched:*", "irq:irq_handler_entry", false),
            ("sched:sched_switch", "sched:sched_switch", true),
            ("sched:sched_switch", "sched:sched_switch2", false),
            ("a*b*c", "aXbYbc", true),
            ("a*b", "a", false),
            ("?", "", false),
            ("*", "", true),
        ] {
            assert_eq!(glob_match(p, n), m, "{p} {n}");
        }
    }

    #[test]
    fn patterns() {
        assert!(check("sched:*").is_ok());
        for bad in ["sched", ":x", "x:", "a:b:c", "a b:c", "a:b/c"] {
            assert!(check(bad).is_err(), "{bad}");
        }
        let markers = vec![
            "sched:a".to_owned(),
            "sched:b".to_owned(),
            "irq:a".to_owned(),
        ];
        assert_eq!(expand("*:a", &markers).unwrap(), ["sched:a", "irq:a"]);
        assert!(matches!(
            expand("net:*", &markers),
            Err(ToolError::UnknownMarker(_))
        ));
    }
}
