// SPDX-License-Identifier: GPL-2.0

//! The text form of events, shaped like ftrace's `trace` output:
//!
//! ```text
//!             bash-1234    [002]    17.000123: sched:switch: prev_comm=bash prev_pid=1234
//! CPU:2 [LOST 17 EVENTS]
//! ```
//!
//! Everything writes into any [`fmt::Write`] and allocates nothing. Field values are written as
//! decoded by [`record::decode`]: integers in decimal, `bool` as 0 or 1, `char[N]` and `str[N]`
//! as text with every byte that is not printable ASCII (and `\`) as `\xNN`, `bytes[N]` as hex
//! `{0a,ff}`.

use core::fmt;

use super::record::{self, Field, Value};

/// Written after the fields that decoded when a record does not hold what its fields say.
pub const MALFORMED: &str = "<malformed record>";

/// Writes `bytes` as text: printable ASCII as is, except `\`, and every other byte as `\xNN`.
pub fn write_escaped(out: &mut impl fmt::Write, bytes: &[u8]) -> fmt::Result {
    let plain = |c: &u8| (b' '..=b'~').contains(c) && *c != b'\\';
    let mut rest = bytes;
    while !rest.is_empty() {
        let run = rest.iter().position(|c| !plain(c)).unwrap_or(rest.len());
        let (text, tail) = rest.split_at(run);
        // Printable ASCII is UTF-8.
        out.write_str(core::str::from_utf8(text).map_err(|_| fmt::Error)?)?;
        rest = tail;
        if let Some((&c, tail)) = rest.split_first() {
            write!(out, "\\x{c:02x}")?;
            rest = tail;
        }
    }
    Ok(())
}

/// `bytes` displayed as [`write_escaped`] writes them: for text that came from userspace and
/// goes to the kernel log, where an embedded newline would start a forged log line of its own.
pub struct Escaped<'a>(pub &'a [u8]);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_escaped(f, self.0)
    }
}

/// The length of `bytes` as [`write_escaped`] writes them.
fn escaped_len(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .map(|&c| {
            if (b' '..=b'~').contains(&c) && c != b'\\' {
                1
            } else {
                4
            }
        })
        .sum()
}

/// Writes one field value.
pub fn write_value(out: &mut impl fmt::Write, value: &Value<'_>) -> fmt::Result {
    match *value {
        Value::U(v) => write!(out, "{v}"),
        Value::I(v) => write!(out, "{v}"),
        Value::Bool(b) => write!(out, "{}", u8::from(b)),
        Value::Chars(s) | Value::Str(s) => write_escaped(out, s),
        Value::Bytes(b) => {
            out.write_char('{')?;
            for (i, c) in b.iter().enumerate() {
                if i > 0 {
                    out.write_char(',')?;
                }
                write!(out, "{c:02x}")?;
            }
            out.write_char('}')
        }
    }
}

/// Writes the fields of `record` as `f1=v1 f2=v2 ...` (nothing for a marker without fields). A
/// field that does not decode ends the text with [`MALFORMED`], after the fields before it.
pub fn write_fields(out: &mut impl fmt::Write, fields: &[Field<'_>], record: &[u8]) -> fmt::Result {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.write_char(' ')?;
        }
        match record::decode(fields, record, i) {
            Ok(value) => {
                write!(out, "{}=", field.name)?;
                write_value(out, &value)?;
            }
            Err(_) => return out.write_str(MALFORMED),
        }
    }
    Ok(())
}

/// Writes the start of an event line as ftrace does with
/// `"%16s-%-7d [%03d] %5llu.%06lu: "`: `comm` right-aligned to 16 columns, the pid left-aligned
/// to 7, the CPU on 3 digits, the time in seconds (5 columns at least) and microseconds.
///
/// `comm` is taken up to its first NUL (a task's `comm` array is NUL-padded) and escaped as
/// [`write_escaped`] does.
pub fn write_line_prefix(
    out: &mut impl fmt::Write,
    comm: &[u8],
    pid: i32,
    cpu: u32,
    ts_ns: u64,
) -> fmt::Result {
    let end = comm.iter().position(|&c| c == 0).unwrap_or(comm.len());
    let comm = comm.get(..end).unwrap_or(comm);
    for _ in escaped_len(comm)..16 {
        out.write_char(' ')?;
    }
    write_escaped(out, comm)?;
    let (sec, usec) = (ts_ns / 1_000_000_000, ts_ns % 1_000_000_000 / 1000);
    write!(out, "-{pid:<7} [{cpu:03}] {sec:5}.{usec:06}: ")
}

/// Writes a whole event line, newline included:
/// `<prefix><subsystem>:<event>: <fields>\n` ([`write_line_prefix`], [`write_fields`]).
#[allow(clippy::too_many_arguments)]
pub fn write_event_line(
    out: &mut impl fmt::Write,
    comm: &[u8],
    pid: i32,
    cpu: u32,
    ts_ns: u64,
    subsystem: &str,
    event: &str,
    fields: &[Field<'_>],
    record: &[u8],
) -> fmt::Result {
    write_line_prefix(out, comm, pid, cpu, ts_ns)?;
    write!(out, "{subsystem}:{event}: ")?;
    write_fields(out, fields, record)?;
    out.write_char('\n')
}

/// Writes the lost-events line `CPU:<cpu> [LOST <count> EVENTS]`, without a newline.
pub fn write_lost(out: &mut impl fmt::Write, cpu: u32, count: u64) -> fmt::Result {
    write!(out, "CPU:{cpu} [LOST {count} EVENTS]")
}

#[cfg(test)]
mod tests {
    use super::*;
    use record::FieldType as T;

    const fn f(name: &'static str, ty: T) -> Field<'static> {
        Field { name, ty }
    }

    fn enc(fields: &[Field<'_>], values: &[Value<'_>]) -> Vec<u8> {
        let mut buf = vec![0; record::max_size(fields)];
        let len = record::encode(fields, values, &mut buf).unwrap();
        buf.truncate(len);
        buf
    }

    fn fields_text(fields: &[Field<'_>], record: &[u8]) -> String {
        let mut s = String::new();
        write_fields(&mut s, fields, record).unwrap();
        s
    }

    const ALL: [Field<'static>; 12] = [
        f("a", T::U8),
        f("b", T::U16),
        f("c", T::U32),
        f("d", T::U64),
        f("e", T::I8),
        f("g", T::I16),
        f("h", T::I32),
        f("i", T::I64),
        f("flag", T::Bool),
        f("comm", T::Chars(16)),
        f("path", T::Str(64)),
        f("data", T::Bytes(8)),
    ];

    #[test]
    fn every_type() {
        let record = enc(
            &ALL,
            &[
                Value::U(255),
                Value::U(65535),
                Value::U(0),
                Value::U(u64::MAX),
                Value::I(-128),
                Value::I(-1),
                Value::I(i32::MAX.into()),
                Value::I(i64::MIN),
                Value::Bool(true),
                Value::Chars(b"bash"),
                Value::Str(b"/tmp/a b\\c\n\x7f\xff"),
                Value::Bytes(&[0x0a, 0xff, 0]),
            ],
        );
        assert_eq!(
            fields_text(&ALL, &record),
            "a=255 b=65535 c=0 d=18446744073709551615 e=-128 g=-1 h=2147483647 \
             i=-9223372036854775808 flag=1 comm=bash path=/tmp/a b\\x5cc\\x0a\\x7f\\xff \
             data={0a,ff,00}"
        );
        let record = enc(
            &ALL[8..],
            &[
                Value::Bool(false),
                Value::Chars(b""),
                Value::Str(b""),
                Value::Bytes(b""),
            ],
        );
        assert_eq!(
            fields_text(&ALL[8..], &record),
            "flag=0 comm= path= data={}"
        );
        assert_eq!(fields_text(&[], &[]), "");
    }

    #[test]
    fn malformed_records() {
        let fields = [f("x", T::U8), f("s", T::Str(8)), f("y", T::U16)];
        let record = enc(&fields, &[Value::U(7), Value::Str(b"hi"), Value::U(9)]);
        assert_eq!(fields_text(&fields, &record), "x=7 s=hi y=9");
        // A data_loc longer than the field's maximum: the text stops there.
        let mut bad = record.clone();
        bad[1] = 0xff;
        assert_eq!(fields_text(&fields, &bad), "x=7 <malformed record>");
        // Shorter than the fixed part: nothing decodes.
        assert_eq!(fields_text(&fields, &record[..4]), "<malformed record>");
        let flag = [f("flag", T::Bool)];
        assert_eq!(fields_text(&flag, &[2]), "<malformed record>");
    }

    #[test]
    fn escaping() {
        let mut s = String::new();
        write_escaped(&mut s, b"ok \\ \x00\x1f\x20\x7e\x7f\x80\xff").unwrap();
        assert_eq!(s, "ok \\x5c \\x00\\x1f ~\\x7f\\x80\\xff");
        assert_eq!(escaped_len(b"ok \\ \x00\x1f\x20\x7e\x7f\x80\xff"), s.len());
        let mut s = String::new();
        write_escaped(&mut s, b"").unwrap();
        assert_eq!(s, "");
        // A log line cannot be forged: no newline, carriage return or escape goes through.
        let forged = format!("{}", Escaped(b"1\nBUG: x\r\x1b[2K\xe3\x80\x80"));
        assert_eq!(forged, "1\\x0aBUG: x\\x0d\\x1b[2K\\xe3\\x80\\x80");
        assert!(forged.bytes().all(|c| (b' '..=b'~').contains(&c)));
    }

    #[test]
    fn line_prefix_is_ftraces() {
        for (comm, pid, cpu, ts) in [
            ("bash", 1234, 2, 17_000_123_456u64),
            ("kworker/0:1", 7, 0, 0),
            ("a_sixteen_chars_", -1, 127, 123_456_789_012_345_678),
            ("", 0, 1000, 999_999_999),
            ("x", i32::MIN, u32::MAX, u64::MAX),
        ] {
            let mut s = String::new();
            write_line_prefix(&mut s, comm.as_bytes(), pid, cpu, ts).unwrap();
            let (sec, usec) = (ts / 1_000_000_000, ts % 1_000_000_000 / 1000);
            assert_eq!(
                s,
                format!(
                    "{:>16}-{:<7} [{:03}] {:5}.{:06}: ",
                    comm, pid, cpu, sec, usec
                )
            );
        }
        let mut s = String::new();
        write_line_prefix(&mut s, b"bash", 1234, 2, 17_000_123_456).unwrap();
        assert_eq!(s, "            bash-1234    [002]    17.000123: ");
        // NUL padding is cut, other bytes escaped (and counted escaped for the alignment).
        let mut s = String::new();
        write_line_prefix(&mut s, b"sh\0\0\0\0", 1, 0, 1_500_000_000).unwrap();
        assert_eq!(s, "              sh-1       [000]     1.500000: ");
        let mut s = String::new();
        write_line_prefix(&mut s, b"a\tb", 1, 0, 0).unwrap();
        assert_eq!(s, "          a\\x09b-1       [000]     0.000000: ");
    }

    #[test]
    fn whole_line_and_lost_line() {
        let fields = [f("prev_comm", T::Chars(16)), f("prev_pid", T::I32)];
        let record = enc(&fields, &[Value::Chars(b"bash"), Value::I(1234)]);
        let mut s = String::new();
        write_event_line(
            &mut s,
            b"bash",
            1234,
            3,
            5_000_001_000,
            "sched",
            "switch",
            &fields,
            &record,
        )
        .unwrap();
        assert_eq!(
            s,
            "            bash-1234    [003]     5.000001: sched:switch: prev_comm=bash prev_pid=1234\n"
        );
        let mut s = String::new();
        write_lost(&mut s, 2, 17).unwrap();
        assert_eq!(s, "CPU:2 [LOST 17 EVENTS]");
    }

    #[test]
    fn errors_of_the_writer_are_passed_on() {
        /// Takes `room` bytes, then fails.
        struct Small {
            room: usize,
        }
        impl fmt::Write for Small {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                self.room = self.room.checked_sub(s.len()).ok_or(fmt::Error)?;
                Ok(())
            }
        }
        let fields = [f("comm", T::Chars(16)), f("data", T::Bytes(4))];
        let record = enc(&fields, &[Value::Chars(b"a\x01b"), Value::Bytes(&[1, 2])]);
        let full = fields_text(&fields, &record);
        assert_eq!(full, "comm=a\\x01b data={01,02}");
        for room in 0..full.len() {
            assert!(write_fields(&mut Small { room }, &fields, &record).is_err());
        }
        assert!(write_fields(&mut Small { room: full.len() }, &fields, &record).is_ok());
        assert!(write_line_prefix(&mut Small { room: 10 }, b"x", 1, 1, 1).is_err());
    }
}
