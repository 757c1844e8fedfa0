// SPDX-License-Identifier: GPL-2.0

//! The ring buffer's binary stream and the tracer's text line, per /work/spec.md.
//!
//! These are the tool's private stand-ins for the library's `ring_record` (the 16-byte header
//! codec and the stream iterator) and `text` (`write_line_prefix`, `write_fields`) modules; once
//! those land, this module re-exports them instead and nothing else changes.
//!
//! A stream is a sequence of records, each 8-byte aligned: `u64 ts_ns`, `i32 pid`, `u16 id`,
//! `u16 len` (little-endian), `len` payload bytes, zero padding to the next multiple of 8. Id 0 is
//! a lost-events notice whose payload is a `u64` count.

use std::fmt::{self, Write};

use rtrace::record::{self, Field, Value};

/// Bytes of a record header.
pub const HEADER_LEN: usize = 16;

/// The id of a lost-events notice.
pub const LOST_ID: u16 = 0;

/// A record header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// `local_clock()` time in nanoseconds.
    pub ts: u64,
    /// The pid of the task that emitted the record.
    pub pid: i32,
    /// The marker id, or [`LOST_ID`].
    pub id: u16,
    /// Payload bytes.
    pub len: u16,
}

impl Header {
    /// Decodes the first [`HEADER_LEN`] bytes of `bytes`.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let b = bytes.get(..HEADER_LEN)?;
        Some(Self {
            ts: u64::from_le_bytes(b[0..8].try_into().ok()?),
            pid: i32::from_le_bytes(b[8..12].try_into().ok()?),
            id: u16::from_le_bytes(b[12..14].try_into().ok()?),
            len: u16::from_le_bytes(b[14..16].try_into().ok()?),
        })
    }

    /// The header's bytes (the tool only reads streams; its tests write them).
    #[cfg_attr(not(test), allow(dead_code))]
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[0..8].copy_from_slice(&self.ts.to_le_bytes());
        out[8..12].copy_from_slice(&self.pid.to_le_bytes());
        out[12..14].copy_from_slice(&self.id.to_le_bytes());
        out[14..16].copy_from_slice(&self.len.to_le_bytes());
        out
    }
}

/// `n` rounded up to a multiple of 8.
pub const fn align8(n: usize) -> usize {
    (n + 7) & !7
}

/// One record of a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry<'a> {
    /// A marker's record: its header and payload.
    Event {
        /// The header.
        header: Header,
        /// The marker record.
        payload: &'a [u8],
    },
    /// A lost-events notice.
    Lost {
        /// The header (id 0).
        header: Header,
        /// Records lost on this CPU since the previous notice.
        count: u64,
    },
}

impl Entry<'_> {
    /// The header.
    pub fn header(&self) -> Header {
        match *self {
            Self::Event { header, .. } | Self::Lost { header, .. } => header,
        }
    }
}

/// Why a stream cannot be read further.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamError {
    /// Byte offset of the bad record.
    pub offset: usize,
    /// What is wrong.
    pub reason: &'static str,
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}: {}", self.offset, self.reason)
    }
}

/// Iterates over the records of a stream; stops after the first error.
#[derive(Debug, Clone)]
pub struct Records<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Records<'a> {
    /// The records of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Self { data, at: 0 }
    }

    /// Offset of the next record.
    pub fn offset(&self) -> usize {
        self.at
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Entry<'a>, StreamError>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.data.get(self.at..).filter(|r| !r.is_empty())?;
        let offset = self.at;
        let fail = |reason| Some(Err(StreamError { offset, reason }));
        let Some(header) = Header::decode(rest) else {
            self.at = self.data.len();
            return fail("truncated header");
        };
        let len = usize::from(header.len);
        let Some(payload) = rest.get(HEADER_LEN..HEADER_LEN + len) else {
            self.at = self.data.len();
            return fail("truncated payload");
        };
        // The last record's padding may be missing if the stream was cut; not an error.
        self.at = (offset + align8(HEADER_LEN + len)).min(self.data.len());
        if header.id == LOST_ID {
            let Ok(count) = <[u8; 8]>::try_from(payload) else {
                self.at = self.data.len();
                return fail("lost-events notice without an 8-byte count");
            };
            return Some(Ok(Entry::Lost {
                header,
                count: u64::from_le_bytes(count),
            }));
        }
        Some(Ok(Entry::Event { header, payload }))
    }
}

/// Writes the ftrace-shaped prefix `%16s-%-7d [%03d] %5llu.%06lu: `.
pub fn write_line_prefix(
    out: &mut impl Write,
    comm: &str,
    pid: i32,
    cpu: u32,
    ts_ns: u64,
) -> fmt::Result {
    let (sec, usec) = (ts_ns / 1_000_000_000, ts_ns % 1_000_000_000 / 1000);
    write!(out, "{comm:>16}-{pid:<7} [{cpu:03}] {sec:5}.{usec:06}: ")
}

/// Writes text bytes, non-printable ones (outside 0x20..=0x7e) as `\xNN`.
pub fn write_text(out: &mut impl Write, bytes: &[u8]) -> fmt::Result {
    for &c in bytes {
        if (0x20..=0x7e).contains(&c) {
            out.write_char(char::from(c))?;
        } else {
            write!(out, "\\x{c:02x}")?;
        }
    }
    Ok(())
}

/// Writes a value as the text line shows it: integers in decimal, bool 0/1, text as
/// [`write_text`], bytes as `{0a,ff}`.
pub fn write_value(out: &mut impl Write, value: &Value<'_>) -> fmt::Result {
    match *value {
        Value::U(v) => write!(out, "{v}"),
        Value::I(v) => write!(out, "{v}"),
        Value::Bool(b) => write!(out, "{}", u8::from(b)),
        Value::Chars(s) | Value::Str(s) => write_text(out, s),
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

/// Why fields cannot be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldsError {
    /// The record does not decode.
    Record(record::RecordError),
    /// The output refused.
    Fmt,
}

impl From<fmt::Error> for FieldsError {
    fn from(_: fmt::Error) -> Self {
        Self::Fmt
    }
}

/// Writes `f1=v1 f2=v2 ...` for the fields of `record` (nothing for a marker without fields).
pub fn write_fields(
    out: &mut impl Write,
    fields: &[Field<'_>],
    record: &[u8],
) -> Result<(), FieldsError> {
    for (i, field) in fields.iter().enumerate() {
        let value = record::decode(fields, record, i).map_err(FieldsError::Record)?;
        if i > 0 {
            out.write_char(' ')?;
        }
        write!(out, "{}=", field.name)?;
        write_value(out, &value)?;
    }
    Ok(())
}

/// Writes the lost-events line `CPU:<n> [LOST <count> EVENTS]`.
pub fn write_lost(out: &mut impl Write, cpu: u32, count: u64) -> fmt::Result {
    write!(out, "CPU:{cpu} [LOST {count} EVENTS]")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtrace::record::FieldType;

    #[test]
    fn header_round_trips() {
        let h = Header {
            ts: 0x0102_0304_0506_0708,
            pid: -2,
            id: 0x1234,
            len: 9,
        };
        let bytes = h.encode();
        assert_eq!(bytes[..8], [8, 7, 6, 5, 4, 3, 2, 1]);
        assert_eq!(bytes[8..12], [0xfe, 0xff, 0xff, 0xff]);
        assert_eq!(bytes[12..], [0x34, 0x12, 9, 0]);
        assert_eq!(Header::decode(&bytes), Some(h));
        assert_eq!(Header::decode(&bytes[..15]), None);
    }

    fn push(stream: &mut Vec<u8>, h: Header, payload: &[u8]) {
        stream.extend(h.encode());
        stream.extend(payload);
        stream.resize(align8(stream.len()), 0);
    }

    #[test]
    fn streams_iterate_and_stop_at_damage() {
        let mut s = Vec::new();
        let h = |id, len| Header {
            ts: 5,
            pid: 1,
            id,
            len,
        };
        push(&mut s, h(3, 3), b"abc");
        push(&mut s, h(0, 8), &7u64.to_le_bytes());
        push(&mut s, h(4, 0), b"");
        let got: Vec<_> = Records::new(&s).collect::<Result<_, _>>().unwrap();
        assert_eq!(
            got,
            [
                Entry::Event {
                    header: h(3, 3),
                    payload: b"abc"
                },
                Entry::Lost {
                    header: h(0, 8),
                    count: 7
                },
                Entry::Event {
                    header: h(4, 0),
                    payload: b""
                },
            ]
        );
        let cut: Vec<_> = Records::new(&s[..40]).collect();
        assert_eq!(cut.len(), 2);
        assert_eq!(
            cut[1],
            Err(StreamError {
                offset: 24,
                reason: "truncated payload"
            })
        );
        let mut bad = Vec::new();
        push(&mut bad, h(0, 4), b"abcd");
        assert!(Records::new(&bad).next().unwrap().is_err());
    }

    #[test]
    fn lines_look_like_ftrace() {
        let mut line = String::new();
        write_line_prefix(&mut line, "bash", 42, 1, 12_345_678_901).unwrap();
        assert_eq!(line, "            bash-42      [001]    12.345678: ");
        let fields = [
            Field {
                name: "c",
                ty: FieldType::Chars(8),
            },
            Field {
                name: "n",
                ty: FieldType::I16,
            },
            Field {
                name: "b",
                ty: FieldType::Bytes(4),
            },
            Field {
                name: "f",
                ty: FieldType::Bool,
            },
        ];
        let mut rec = [0u8; 64];
        let len = record::encode(
            &fields,
            &[
                Value::Chars(b"a\tb"),
                Value::I(-3),
                Value::Bytes(&[10, 255]),
                Value::Bool(true),
            ],
            &mut rec,
        )
        .unwrap();
        let mut text = String::new();
        write_fields(&mut text, &fields, &rec[..len]).unwrap();
        assert_eq!(text, "c=a\\x09b n=-3 b={0a,ff} f=1");
        let mut lost = String::new();
        write_lost(&mut lost, 2, 9).unwrap();
        assert_eq!(lost, "CPU:2 [LOST 9 EVENTS]");
    }
}
