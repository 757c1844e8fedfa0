// SPDX-License-Identifier: GPL-2.0

//! The words of the marker core's connection files: `[!]sink:subsystem:event` in `set_event`,
//! `[!]sink` in a marker's `enable`. Each part is a name or a glob (`*`, `?`) over names.

use crate::rtrace::marker::record::NAME_MAX;

/// One parsed word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Word<'a> {
    /// `!`: disconnect what matches.
    pub(crate) remove: bool,
    /// The sink's name or glob.
    pub(crate) sink: &'a [u8],
    /// The subsystem's name or glob.
    pub(crate) subsystem: &'a [u8],
    /// The event's name or glob.
    pub(crate) event: &'a [u8],
}

/// Whether `part` has glob characters.
pub(crate) fn is_glob(part: &[u8]) -> bool {
    part.iter().any(|&c| c == b'*' || c == b'?')
}

/// Whether `part` is a name or a glob over names: 1 to 64 of `[A-Za-z0-9_*?]`.
fn valid_part(part: &[u8]) -> bool {
    !part.is_empty()
        && part.len() <= NAME_MAX
        && part
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'*' || c == b'?')
}

/// Parses `[!]sink:subsystem:event`; the error says what is wrong.
pub(crate) fn parse(word: &[u8]) -> Result<Word<'_>, &'static str> {
    let (remove, rest) = match word.split_first() {
        Some((b'!', rest)) => (true, rest),
        _ => (false, word),
    };
    let mut parts = rest.split(|&c| c == b':');
    let (Some(sink), Some(subsystem), Some(event), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("expected [!]sink:subsystem:event");
    };
    if !valid_part(sink) || !valid_part(subsystem) || !valid_part(event) {
        return Err("a name is 1 to 64 of [A-Za-z0-9_], with * and ? as globs");
    }
    Ok(Word {
        remove,
        sink,
        subsystem,
        event,
    })
}

/// Parses `[!]sink` for the marker `subsystem:event`.
pub(crate) fn parse_sink<'a>(
    word: &'a [u8],
    subsystem: &'a [u8],
    event: &'a [u8],
) -> Result<Word<'a>, &'static str> {
    let (remove, sink) = match word.split_first() {
        Some((b'!', rest)) => (true, rest),
        _ => (false, word),
    };
    if !valid_part(sink) {
        return Err("expected [!]sink, a name of 1 to 64 of [A-Za-z0-9_], with * and ? as globs");
    }
    Ok(Word {
        remove,
        sink,
        subsystem,
        event,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words() {
        let w = parse(b"ring:sched:*").unwrap();
        assert_eq!(
            (w.remove, w.sink, w.subsystem, w.event),
            (false, &b"ring"[..], &b"sched"[..], &b"*"[..])
        );
        let w = parse(b"!*:irq:irq_handler_?ntry").unwrap();
        assert!(w.remove && w.sink == b"*" && w.event == b"irq_handler_?ntry");
        assert!(is_glob(b"a*") && is_glob(b"?") && !is_glob(b"sched_switch"));
    }

    #[test]
    fn bad_words() {
        for bad in [
            &b""[..],
            b"!",
            b"ring",
            b"ring:sched",
            b"ring:sched:a:b",
            b"ring::x",
            b":a:b",
            b"ring:sched:sched-switch",
            b"ring:sch ed:x",
            b"ring:sched:\xff",
            b"!!ring:a:b",
        ] {
            assert!(parse(bad).is_err(), "{:?}", bad);
        }
        let long = [b'a'; 65];
        let mut word = b"ring:s:".to_vec();
        word.extend_from_slice(&long);
        assert!(parse(&word).is_err());
        word.pop();
        assert!(parse(&word).is_ok());
    }

    #[test]
    fn sink_words() {
        let w = parse_sink(b"!ring", b"sched", b"sched_switch").unwrap();
        assert!(w.remove && w.sink == b"ring" && w.event == b"sched_switch");
        assert!(parse_sink(b"", b"a", b"b").is_err());
        assert!(parse_sink(b"ring:x", b"a", b"b").is_err());
    }
}
