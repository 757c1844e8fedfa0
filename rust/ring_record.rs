// SPDX-License-Identifier: GPL-2.0

//! The binary records of the ring-buffer sink, as `trace_pipe_raw` gives them: a 16-byte
//! little-endian header, the payload, and zero padding to the next multiple of 8.
//!
//! ```text
//! u64 ts_ns   (local_clock)
//! i32 pid
//! u16 id      (marker id; LOST_ID = lost-events notice)
//! u16 len     (payload bytes)
//! payload[len], then 0 to 7 zero bytes
//! ```
//!
//! A marker's payload is its record (rust/record.rs); a lost-events notice's is a `u64`, the
//! count of records lost on this CPU since the previous notice. [`Records`] walks a stream of
//! records and stops at the first one that is truncated or malformed.

/// Bytes of a record header.
pub const HEADER_LEN: usize = 16;

/// Alignment of records in a stream.
pub const ALIGN: usize = 8;

/// The `id` of a lost-events notice (marker ids start at 1).
pub const LOST_ID: u16 = 0;

/// Payload bytes of a lost-events notice: a `u64` count.
pub const LOST_LEN: u16 = 8;

/// The header of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Time of the event, in nanoseconds (`local_clock`).
    pub ts: u64,
    /// The emitting task's pid.
    pub pid: i32,
    /// The marker's id, or [`LOST_ID`].
    pub id: u16,
    /// Payload bytes, padding excluded.
    pub len: u16,
}

impl Header {
    /// Writes the header, little-endian.
    pub fn encode(&self, out: &mut [u8; HEADER_LEN]) {
        let (ts, rest) = out.split_at_mut(8);
        let (pid, rest) = rest.split_at_mut(4);
        let (id, len) = rest.split_at_mut(2);
        ts.copy_from_slice(&self.ts.to_le_bytes());
        pid.copy_from_slice(&self.pid.to_le_bytes());
        id.copy_from_slice(&self.id.to_le_bytes());
        len.copy_from_slice(&self.len.to_le_bytes());
    }

    /// Reads a header from the first [`HEADER_LEN`] bytes of `bytes`; `None` if there are fewer.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let ts = bytes.get(0..8)?.try_into().ok()?;
        let pid = bytes.get(8..12)?.try_into().ok()?;
        let id = bytes.get(12..14)?.try_into().ok()?;
        let len = bytes.get(14..16)?.try_into().ok()?;
        Some(Self {
            ts: u64::from_le_bytes(ts),
            pid: i32::from_le_bytes(pid),
            id: u16::from_le_bytes(id),
            len: u16::from_le_bytes(len),
        })
    }

    /// Bytes of the whole record in a stream: [`padded_len`] of `len`.
    pub const fn record_len(&self) -> usize {
        padded_len(self.len as usize)
    }
}

/// Bytes a record of `payload_len` payload bytes takes in a stream: header and payload, rounded
/// up to a multiple of [`ALIGN`]. Meant for payloads of at most `u16::MAX` bytes; saturates
/// (to a multiple of 8) rather than overflow.
pub const fn padded_len(payload_len: usize) -> usize {
    HEADER_LEN
        .saturating_add(payload_len)
        .saturating_add(ALIGN - 1)
        & !(ALIGN - 1)
}

/// Writes a whole record (header, `payload`, zero padding) at the start of `out` and returns its
/// length, [`padded_len`] of the payload's; `None`, writing nothing, if `payload` is longer than
/// `u16::MAX` bytes or `out` is too short.
pub fn write_record(out: &mut [u8], ts: u64, pid: i32, id: u16, payload: &[u8]) -> Option<usize> {
    let len = u16::try_from(payload.len()).ok()?;
    let total = padded_len(payload.len());
    let out = out.get_mut(..total)?;
    let (head, rest) = out.split_at_mut(HEADER_LEN);
    let (data, padding) = rest.split_at_mut(payload.len());
    Header { ts, pid, id, len }.encode(head.try_into().ok()?);
    data.copy_from_slice(payload);
    padding.fill(0);
    Some(total)
}

/// Writes a lost-events notice of `count` records, as [`write_record`].
pub fn write_lost(out: &mut [u8], ts: u64, count: u64) -> Option<usize> {
    write_record(out, ts, 0, LOST_ID, &count.to_le_bytes())
}

/// The count of a lost-events notice's payload; `None` if it is not [`LOST_LEN`] bytes.
pub fn lost_count(payload: &[u8]) -> Option<u64> {
    Some(u64::from_le_bytes(payload.try_into().ok()?))
}

/// Why [`Records`] stopped before the end of its stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamError {
    /// The stream ends inside a record (header, payload or padding).
    Truncated,
    /// A lost-events notice whose payload is not [`LOST_LEN`] bytes.
    Malformed,
}

/// An iterator over the records of a stream, yielding each header and its payload (padding
/// excluded). It stops at the end of the stream, or at the first truncated or malformed record,
/// which [`Records::error`] then tells.
#[derive(Debug, Clone)]
pub struct Records<'a> {
    rest: &'a [u8],
    consumed: usize,
    error: Option<StreamError>,
}

impl<'a> Records<'a> {
    /// Iterates over the records of `stream`, the first at its start.
    pub fn new(stream: &'a [u8]) -> Self {
        Self {
            rest: stream,
            consumed: 0,
            error: None,
        }
    }

    /// Why the iteration stopped early, if it did.
    pub fn error(&self) -> Option<StreamError> {
        self.error
    }

    /// Bytes of the stream taken by the records yielded so far.
    pub fn consumed(&self) -> usize {
        self.consumed
    }

    /// The part of the stream not yet yielded (where an error was found, after one).
    pub fn rest(&self) -> &'a [u8] {
        self.rest
    }

    fn fail(&mut self, error: StreamError) -> Option<(Header, &'a [u8])> {
        self.error = Some(error);
        None
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = (Header, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        if self.error.is_some() || self.rest.is_empty() {
            return None;
        }
        let Some(header) = Header::decode(self.rest) else {
            return self.fail(StreamError::Truncated);
        };
        if header.id == LOST_ID && header.len != LOST_LEN {
            return self.fail(StreamError::Malformed);
        }
        let total = header.record_len();
        let end = HEADER_LEN + usize::from(header.len);
        let (Some(payload), Some(next)) = (self.rest.get(HEADER_LEN..end), self.rest.get(total..))
        else {
            return self.fail(StreamError::Truncated);
        };
        self.rest = next;
        self.consumed += total;
        Some((header, payload))
    }
}

impl core::iter::FusedIterator for Records<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_layout_and_round_trip() {
        let header = Header {
            ts: 0x0102_0304_0506_0708,
            pid: -2,
            id: 0xabcd,
            len: 0x1234,
        };
        let mut out = [0u8; HEADER_LEN];
        header.encode(&mut out);
        assert_eq!(
            out,
            [
                0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, 0xfe, 0xff, 0xff, 0xff, 0xcd, 0xab,
                0x34, 0x12
            ]
        );
        assert_eq!(Header::decode(&out), Some(header));
        for header in [
            Header {
                ts: u64::MAX,
                pid: i32::MIN,
                id: u16::MAX,
                len: u16::MAX,
            },
            Header {
                ts: 0,
                pid: i32::MAX,
                id: 0,
                len: 0,
            },
        ] {
            header.encode(&mut out);
            assert_eq!(Header::decode(&out), Some(header));
            let mut longer = out.to_vec();
            longer.extend_from_slice(&[9; 5]);
            assert_eq!(Header::decode(&longer), Some(header));
        }
        for n in 0..HEADER_LEN {
            assert_eq!(Header::decode(&out[..n]), None);
        }
    }

    #[test]
    fn padding() {
        assert_eq!(padded_len(0), 16);
        assert_eq!(padded_len(1), 24);
        assert_eq!(padded_len(7), 24);
        assert_eq!(padded_len(8), 24);
        assert_eq!(padded_len(9), 32);
        assert_eq!(padded_len(65535), 65552);
        assert_eq!(padded_len(usize::MAX) % 8, 0);
        for n in 0..100 {
            let p = padded_len(n);
            assert_eq!(p % 8, 0);
            assert!(p >= 16 + n && p < 16 + n + 8, "{n}");
        }
    }

    #[test]
    fn write_and_iterate() {
        let mut stream = [0xa5u8; 200];
        let mut at = 0;
        at += write_record(&mut stream[at..], 10, 42, 3, b"abc").unwrap();
        assert_eq!(at, 24);
        assert_eq!(&stream[16..24], b"abc\0\0\0\0\0");
        at += write_lost(&mut stream[at..], 11, 7).unwrap();
        assert_eq!(at, 48);
        at += write_record(&mut stream[at..], 12, 1, 5, &[]).unwrap();
        at += write_record(&mut stream[at..], 13, 2, 6, &[1; 8]).unwrap();
        assert_eq!(at, 88);
        let stream = &stream[..at];

        let mut records = Records::new(stream);
        let all: Vec<_> = records.by_ref().collect();
        assert_eq!(records.error(), None);
        assert_eq!(records.consumed(), 88);
        assert!(records.rest().is_empty());
        let h = |ts, pid, id, len| Header { ts, pid, id, len };
        assert_eq!(
            all,
            vec![
                (h(10, 42, 3, 3), &b"abc"[..]),
                (h(11, 0, LOST_ID, 8), &7u64.to_le_bytes()[..]),
                (h(12, 1, 5, 0), &[][..]),
                (h(13, 2, 6, 8), &[1; 8][..]),
            ]
        );
        assert_eq!(lost_count(all[1].1), Some(7));
        assert_eq!(lost_count(b"abc"), None);
        assert_eq!(Records::new(&[]).count(), 0);
    }

    #[test]
    fn write_refusals() {
        let mut out = [0u8; 23];
        assert_eq!(write_record(&mut out, 0, 0, 1, b"a"), None);
        assert_eq!(out, [0; 23]);
        assert_eq!(write_record(&mut out, 0, 0, 1, b""), Some(16));
        let big = vec![0u8; 65536];
        let mut room = vec![0u8; 70000];
        assert_eq!(write_record(&mut room, 0, 0, 1, &big), None);
        assert_eq!(write_record(&mut room, 0, 0, 1, &big[1..]), Some(65552));
        assert_eq!(write_lost(&mut out, 0, 1), None);
    }

    #[test]
    fn truncated_and_malformed_streams() {
        let mut stream = vec![0u8; 64];
        let a = write_record(&mut stream, 1, 1, 1, b"12345").unwrap();
        let b = write_record(&mut stream[a..], 2, 2, 2, b"x").unwrap();
        let full = &stream[..a + b];
        assert_eq!(a + b, 48);

        // Every cut inside the second record: the first is still yielded.
        for cut in a + 1..a + b {
            let mut records = Records::new(&full[..cut]);
            assert_eq!(records.next().map(|r| r.0.ts), Some(1), "{cut}");
            assert_eq!(records.next(), None);
            assert_eq!(records.error(), Some(StreamError::Truncated), "{cut}");
            assert_eq!(records.consumed(), a);
            assert_eq!(records.rest(), &full[a..cut]);
            assert_eq!(records.next(), None);
        }
        // Every cut inside the first.
        for cut in 1..a {
            let mut records = Records::new(&full[..cut]);
            assert_eq!(records.next(), None);
            assert_eq!(records.error(), Some(StreamError::Truncated));
            assert_eq!(records.consumed(), 0);
        }

        // A lost notice of another length.
        let mut bad = full.to_vec();
        Header {
            ts: 3,
            pid: 0,
            id: LOST_ID,
            len: 4,
        }
        .encode((&mut bad[a..a + 16]).try_into().unwrap());
        let mut records = Records::new(&bad);
        assert_eq!(records.next().map(|r| r.0.id), Some(1));
        assert_eq!(records.next(), None);
        assert_eq!(records.error(), Some(StreamError::Malformed));
        assert_eq!(records.next(), None);

        // A length running past the end.
        let mut bad = full.to_vec();
        bad[a + 14] = 0xff;
        let mut records = Records::new(&bad);
        assert_eq!(records.by_ref().count(), 1);
        assert_eq!(records.error(), Some(StreamError::Truncated));
    }
}
