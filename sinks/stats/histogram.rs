// SPDX-License-Identifier: GPL-2.0

//! The statistics sink's pure parts (sinks/stats/): log2 bucketing of integer field values,
//! read from records in the layout of rust/marker/record.rs, the text of a bucket, and the parser of
//! the commands written to its `hist` file.
//!
//! Buckets: [`ZERO`] holds the value 0, bucket `k` (1 to 64) holds `[2^(k-1), 2^k)`, and
//! [`NEGATIVE`] holds every negative value of a signed field. Everything here works on slices,
//! allocates nothing and panics on no input.

use core::fmt;

use crate::rtrace::marker::record::{FieldType, NAME_MAX};
use crate::rtrace::tracepoint::declaration::valid_name;

/// Most histograms set up at once.
#[cfg_attr(
    test,
    allow(
        dead_code,
        reason = "stats.rs's limit, which the host tests do not build"
    )
)]
pub(crate) const HISTS_MAX: usize = 8;

/// The bucket of the value 0.
pub(crate) const ZERO: usize = 0;

/// The bucket of negative values.
pub(crate) const NEGATIVE: usize = 65;

/// Buckets of one histogram: [`ZERO`], 1 to 64, [`NEGATIVE`].
pub(crate) const BUCKETS: usize = 66;

/// Longest write to the `hist` file, in bytes (a trailing newline included).
pub(crate) const COMMAND_MAX: usize = 256;

/// The bucket of the unsigned value `value`: [`ZERO`] for 0, else `k` with
/// `2^(k-1) <= value < 2^k`.
pub(crate) const fn bucket(value: u64) -> usize {
    (u64::BITS - value.leading_zeros()) as usize
}

/// The bucket of the signed value `value`: [`NEGATIVE`] below 0, else as [`bucket`].
pub(crate) const fn signed_bucket(value: i64) -> usize {
    if value < 0 {
        NEGATIVE
    } else {
        bucket(value.unsigned_abs())
    }
}

/// Whether a histogram can be made of a field of type `ty`: the integer types and `bool`.
pub(crate) const fn is_integer(ty: FieldType) -> bool {
    matches!(
        ty,
        FieldType::U8
            | FieldType::U16
            | FieldType::U32
            | FieldType::U64
            | FieldType::I8
            | FieldType::I16
            | FieldType::I32
            | FieldType::I64
            | FieldType::Bool
    )
}

/// The bucket of the integer field of type `ty` at `offset` in `record`; `None` when `ty` is not
/// an integer type ([`is_integer`]) or the field is not within `record`.
pub(crate) fn field_bucket(record: &[u8], offset: usize, ty: FieldType) -> Option<usize> {
    if !is_integer(ty) {
        return None;
    }
    let size = ty.fixed_size();
    let bytes = record.get(offset..offset.checked_add(size)?)?;
    let mut le = [0u8; 8];
    le.get_mut(..size)?.copy_from_slice(bytes);
    let raw = u64::from_le_bytes(le);
    if ty.signed() {
        // Sign-extend from the field's width.
        let shift = 64 - 8 * size as u32;
        Some(signed_bucket(((raw << shift) as i64) >> shift))
    } else {
        Some(bucket(raw))
    }
}

/// The values bucket `k` holds, `[lo, hi)`; `None` for [`NEGATIVE`] and beyond.
pub(crate) const fn bounds(k: usize) -> Option<(u128, u128)> {
    match k {
        ZERO => Some((0, 1)),
        1..=64 => Some((1 << (k - 1), 1 << k)),
        _ => None,
    }
}

/// Writes the line of bucket `k` holding `count` values: `< 0 COUNT` for [`NEGATIVE`],
/// `[LO, HI) COUNT` for the others.
pub(crate) fn write_bucket(out: &mut impl fmt::Write, k: usize, count: u64) -> fmt::Result {
    match bounds(k) {
        Some((lo, hi)) => writeln!(out, "[{lo}, {hi}) {count}"),
        None => writeln!(out, "< 0 {count}"),
    }
}

/// The order buckets are shown in: [`NEGATIVE`], then [`ZERO`] to 64.
pub(crate) fn display_order() -> impl Iterator<Item = usize> {
    core::iter::once(NEGATIVE).chain(ZERO..=64)
}

/// A command written to the `hist` file: `[!]subsystem:event field`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Command<'a> {
    /// `!`: remove the histogram instead of setting it up.
    pub(crate) remove: bool,
    /// The marker's subsystem.
    pub(crate) subsystem: &'a str,
    /// The marker's event.
    pub(crate) event: &'a str,
    /// The field whose values are counted.
    pub(crate) field: &'a str,
}

/// Why a `hist` write is refused before anything is looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParseError {
    /// Nothing but white space.
    Empty,
    /// Over [`COMMAND_MAX`] bytes.
    TooLong,
    /// A byte that is not printable ASCII, a space or a tab (a final newline is allowed).
    Binary,
    /// More than one line.
    Lines,
    /// Not exactly two words.
    Words,
    /// The first word is not `subsystem:event`.
    NoColon,
    /// A subsystem, event or field name is not 1 to 64 of `[A-Za-z0-9_]` (not starting with a
    /// digit).
    BadName,
}

impl ParseError {
    /// The reason, for the kernel log.
    pub(crate) const fn reason(self) -> &'static str {
        match self {
            Self::Empty => "empty write: expected '[!]subsystem:event field'",
            Self::TooLong => "write too long (at most 256 bytes)",
            Self::Binary => "binary data: expected '[!]subsystem:event field'",
            Self::Lines => "one command per write",
            Self::Words => "expected two words, '[!]subsystem:event field'",
            Self::NoColon => "expected 'subsystem:event' before the field",
            Self::BadName => "invalid name (1 to 64 of [A-Za-z0-9_], not starting with a digit)",
        }
    }
}

/// Parses one write to the `hist` file: `[!]subsystem:event field`, with any spaces or tabs
/// around and between the words and at most one final newline.
pub(crate) fn parse(text: &[u8]) -> Result<Command<'_>, ParseError> {
    if text.len() > COMMAND_MAX {
        return Err(ParseError::TooLong);
    }
    let text = text.strip_suffix(b"\n").unwrap_or(text);
    if text.contains(&b'\n') {
        return Err(ParseError::Lines);
    }
    if !text
        .iter()
        .all(|&c| c == b'\t' || (b' '..=b'~').contains(&c))
    {
        return Err(ParseError::Binary);
    }
    // Printable ASCII: always UTF-8.
    let text = core::str::from_utf8(text).map_err(|_| ParseError::Binary)?;
    let mut words = text.split_ascii_whitespace();
    let (marker, field) = match (words.next(), words.next(), words.next()) {
        (None, _, _) => return Err(ParseError::Empty),
        (Some(marker), Some(field), None) => (marker, field),
        _ => return Err(ParseError::Words),
    };
    let (remove, marker) = match marker.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, marker),
    };
    let (subsystem, event) = marker.split_once(':').ok_or(ParseError::NoColon)?;
    for name in [subsystem, event, field] {
        if !valid_name(name.as_bytes(), NAME_MAX) {
            return Err(ParseError::BadName);
        }
    }
    Ok(Command {
        remove,
        subsystem,
        event,
        field,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtrace::marker::record::{encode, offsets, Field, Value};
    use FieldType as T;

    #[test]
    fn buckets_are_log2() {
        assert_eq!(bucket(0), ZERO);
        assert_eq!(bucket(1), 1);
        assert_eq!(bucket(2), 2);
        assert_eq!(bucket(3), 2);
        assert_eq!(bucket(4), 3);
        assert_eq!(bucket(120), 7);
        assert_eq!(bucket(127), 7);
        assert_eq!(bucket(128), 8);
        assert_eq!(bucket(u64::MAX), 64);
        assert_eq!(bucket(1 << 63), 64);
        assert_eq!(signed_bucket(-1), NEGATIVE);
        assert_eq!(signed_bucket(i64::MIN), NEGATIVE);
        assert_eq!(signed_bucket(0), ZERO);
        assert_eq!(signed_bucket(i64::MAX), 63);
        for v in (0..4096u64).chain([u64::MAX, 1 << 40, (1 << 40) - 1]) {
            let (lo, hi) = bounds(bucket(v)).unwrap();
            assert!(lo <= u128::from(v) && u128::from(v) < hi, "{v}");
        }
        assert_eq!(bounds(NEGATIVE), None);
        assert_eq!(bounds(BUCKETS), None);
        assert_eq!(display_order().count(), BUCKETS);
    }

    #[test]
    fn bucket_lines() {
        let mut s = String::new();
        write_bucket(&mut s, ZERO, 3).unwrap();
        write_bucket(&mut s, 7, 2).unwrap();
        write_bucket(&mut s, 64, 1).unwrap();
        write_bucket(&mut s, NEGATIVE, 5).unwrap();
        assert_eq!(
            s,
            "[0, 1) 3\n[64, 128) 2\n[9223372036854775808, 18446744073709551616) 1\n< 0 5\n"
        );
    }

    #[test]
    fn fields_are_read_at_their_offset_with_their_sign() {
        let fields = [
            Field {
                name: "c",
                ty: T::Chars(3),
            },
            Field {
                name: "a",
                ty: T::I8,
            },
            Field {
                name: "b",
                ty: T::U16,
            },
            Field {
                name: "p",
                ty: T::I32,
            },
            Field {
                name: "q",
                ty: T::I64,
            },
            Field {
                name: "u",
                ty: T::U64,
            },
            Field {
                name: "f",
                ty: T::Bool,
            },
        ];
        let mut offs = [0u16; 7];
        offsets(&fields, &mut offs).unwrap();
        let mut buf = [0u8; 64];
        let values = [
            Value::Chars(b"ab"),
            Value::I(-128),
            Value::U(65535),
            Value::I(120),
            Value::I(-5),
            Value::U(u64::MAX),
            Value::Bool(true),
        ];
        let len = encode(&fields, &values, &mut buf).unwrap();
        let rec = &buf[..len];
        let at = |i: usize| usize::from(offs[i]);
        assert_eq!(field_bucket(rec, at(0), T::Chars(3)), None);
        assert_eq!(field_bucket(rec, at(1), T::I8), Some(NEGATIVE));
        // The same byte read unsigned.
        assert_eq!(field_bucket(rec, at(1), T::U8), Some(8));
        assert_eq!(field_bucket(rec, at(2), T::U16), Some(16));
        assert_eq!(field_bucket(rec, at(3), T::I32), Some(7));
        assert_eq!(field_bucket(rec, at(4), T::I64), Some(NEGATIVE));
        assert_eq!(field_bucket(rec, at(5), T::U64), Some(64));
        assert_eq!(field_bucket(rec, at(6), T::Bool), Some(1));
        // Out of the record: no value, no panic.
        assert_eq!(field_bucket(rec, len, T::U8), None);
        assert_eq!(field_bucket(rec, len - 7, T::U64), None);
        assert_eq!(field_bucket(rec, usize::MAX, T::U64), None);
        assert_eq!(field_bucket(&[], 0, T::Bool), None);
        for ty in [T::Str(4), T::Bytes(4), T::Chars(1)] {
            assert!(!is_integer(ty));
            assert_eq!(field_bucket(rec, 0, ty), None);
        }
    }

    #[test]
    fn commands_parse() {
        assert_eq!(
            parse(b"test:sched_switch prev_prio\n"),
            Ok(Command {
                remove: false,
                subsystem: "test",
                event: "sched_switch",
                field: "prev_prio"
            })
        );
        assert_eq!(
            parse(b" \t!sched:sched_wakeup  prio \t"),
            Ok(Command {
                remove: true,
                subsystem: "sched",
                event: "sched_wakeup",
                field: "prio"
            })
        );
    }

    #[test]
    fn bad_commands_are_refused_with_their_reason() {
        let long = [b'a'; COMMAND_MAX + 1];
        for (text, err) in [
            (&b""[..], ParseError::Empty),
            (b"\n", ParseError::Empty),
            (b"  \t \n", ParseError::Empty),
            (&long[..], ParseError::TooLong),
            (b"\x01\x02", ParseError::Binary),
            (b"a:b c\x00", ParseError::Binary),
            (b"a:b \xc3\xa9", ParseError::Binary),
            (b"a:b c\r\n", ParseError::Binary),
            (b"a:b c\nd:e f\n", ParseError::Lines),
            (b"a:b c\n\n", ParseError::Lines),
            (b"a:b", ParseError::Words),
            (b"a:b c d", ParseError::Words),
            (b"!", ParseError::Words),
            (b"ab c", ParseError::NoColon),
            (b"!ab c", ParseError::NoColon),
            (b"a:b:c d", ParseError::BadName),
            (b":b c", ParseError::BadName),
            (b"a: c", ParseError::BadName),
            (b"a:b 9c", ParseError::BadName),
            (b"te-st:b c", ParseError::BadName),
            (b"!!a:b c", ParseError::BadName),
            (b"a:b c!", ParseError::BadName),
        ] {
            assert_eq!(parse(text), Err(err), "{:?}", String::from_utf8_lossy(text));
            assert!(!err.reason().is_empty());
        }
        // The longest accepted names.
        let name = "n".repeat(NAME_MAX);
        let text = format!("{name}:{name} {name}");
        assert!(parse(text.as_bytes()).is_ok());
        let text = format!("{name}x:{name} {name}");
        assert_eq!(parse(text.as_bytes()), Err(ParseError::BadName));
        // Exactly COMMAND_MAX bytes is accepted by length.
        let mut text = [b' '; COMMAND_MAX];
        text[..5].copy_from_slice(b"a:b c");
        assert!(parse(&text).is_ok());
    }

    #[test]
    fn parsing_random_bytes_never_panics() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut buf = [0u8; COMMAND_MAX + 8];
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % buf.len() as u64) as usize;
            for b in buf.iter_mut().take(len) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = b"ab:! \t\n_9x\x00"[(x % 11) as usize];
            }
            if let Ok(c) = parse(&buf[..len]) {
                assert!(!c.subsystem.is_empty() && !c.event.is_empty() && !c.field.is_empty());
            }
        }
    }
}
