// SPDX-License-Identifier: GPL-2.0

//! The binary records of the ring-buffer sink (format version [`FORMAT_VERSION`]), as the ring
//! stores them and `trace_pipe_raw` gives them, and the one decoder of that stream, used by the
//! kernel's text readers and by the tool.
//!
//! Every record starts with an 8-byte little-endian header, then its payload, then zero padding
//! to the next multiple of 4:
//!
//! ```text
//! u16 id      marker id (1 to ID_MAX), or LOST_ID, TIME_ID, CONTEXT_ID
//! u16 len     payload bytes, padding excluded
//! u32 ts_lo   low 32 bits of the time, in ns of local_clock()
//! payload[len], then 0 to 3 zero bytes
//! ```
//!
//! Three kinds of records carry what a marker's record leaves out:
//!
//! - a **context record** (`CONTEXT_ID`, 32 bytes: `u64 ts, i32 pid, i32 tgid, u8 comm[16]`)
//!   gives the full time and the task that writes the records after it. The writer puts one at
//!   the start of every sub-buffer, so that any sub-buffer decodes on its own (a reader that
//!   starts after an overwrite too), and one whenever the task on that CPU changes;
//! - a **time-extend record** (`TIME_ID`, 8 bytes: `u64 ts`) gives the full time when its high
//!   32 bits changed since the record before (at most every 4.29 s);
//! - a **lost-events notice** (`LOST_ID`, 16 bytes: `u64 count, u64 ts`) says that `count`
//!   records were lost there, at time `ts`.
//!
//! A marker's record's time is the high 32 bits of the last full time before it (context or
//! time-extend record) and its own `ts_lo`; its task is the last context record's. The times of
//! one CPU's records never decrease in stream order. [`Records`] walks a stream with a
//! [`Decoder`] and yields each marker record and notice with its full [`Header`].

/// Version of this format (the records, and what `trace_pipe_raw` gives).
#[allow(
    dead_code,
    reason = "the version this file describes, named for readers; nothing compares it yet"
)]
pub const FORMAT_VERSION: u32 = 2;

/// Bytes of a record header.
pub const HEADER_LEN: usize = 8;

/// Alignment of records in a stream.
pub const ALIGN: usize = 4;

/// The `id` of a lost-events notice (marker ids start at 1).
pub const LOST_ID: u16 = 0;

/// The `id` of a time-extend record.
pub const TIME_ID: u16 = 0xfffe;

/// The `id` of a context record.
pub const CONTEXT_ID: u16 = 0xffff;

/// The largest marker id a record can carry.
pub const ID_MAX: u16 = 0xffef;

/// Payload bytes of a lost-events notice: the count and the time.
pub const LOST_LEN: u16 = 16;

/// Payload bytes of a time-extend record: the time.
pub const TIME_LEN: u16 = 8;

/// Payload bytes of a context record: time, pid, tgid, comm.
pub const CONTEXT_LEN: u16 = 32;

/// Bytes of a whole context record.
pub const CONTEXT_RECORD: usize = padded_len(CONTEXT_LEN as usize);

/// Bytes of a whole time-extend record.
pub const TIME_RECORD: usize = padded_len(TIME_LEN as usize);

/// Bytes of a whole lost-events notice.
pub const LOST_RECORD: usize = padded_len(LOST_LEN as usize);

/// A record's header as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawHeader {
    /// A marker's id, or [`LOST_ID`], [`TIME_ID`], [`CONTEXT_ID`].
    pub id: u16,
    /// Payload bytes, padding excluded.
    pub len: u16,
    /// The low 32 bits of the time.
    pub ts_lo: u32,
}

impl RawHeader {
    /// The header of a record of `id` with `len` payload bytes at time `ts`.
    pub const fn new(id: u16, len: u16, ts: u64) -> Self {
        Self {
            id,
            len,
            ts_lo: ts as u32,
        }
    }

    /// The header as stored, little-endian.
    pub const fn to_bytes(self) -> [u8; HEADER_LEN] {
        let id = self.id.to_le_bytes();
        let len = self.len.to_le_bytes();
        let ts = self.ts_lo.to_le_bytes();
        [id[0], id[1], len[0], len[1], ts[0], ts[1], ts[2], ts[3]]
    }

    /// Reads a header from the first [`HEADER_LEN`] bytes of `bytes`; `None` if there are fewer.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let b: &[u8; HEADER_LEN] = bytes.get(..HEADER_LEN)?.try_into().ok()?;
        Some(Self {
            id: u16::from_le_bytes([b[0], b[1]]),
            len: u16::from_le_bytes([b[2], b[3]]),
            ts_lo: u32::from_le_bytes([b[4], b[5], b[6], b[7]]),
        })
    }

    /// Bytes of the whole record: [`padded_len`] of `len`.
    pub const fn record_len(&self) -> usize {
        padded_len(self.len as usize)
    }

    /// Whether this is a marker's record (not one of the format's own).
    pub const fn is_event(&self) -> bool {
        self.id != LOST_ID && self.id <= ID_MAX
    }
}

/// Bytes a record of `payload_len` payload bytes takes in a stream: header and payload, rounded
/// up to a multiple of [`ALIGN`]. Meant for payloads of at most `u16::MAX` bytes; saturates
/// (to a multiple of 4) rather than overflow.
pub const fn padded_len(payload_len: usize) -> usize {
    HEADER_LEN
        .saturating_add(payload_len)
        .saturating_add(ALIGN - 1)
        & !(ALIGN - 1)
}

/// The task that writes records: what a context record carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Context {
    /// Its pid (the thread's id; 0 for a CPU's idle task).
    pub pid: i32,
    /// Its thread group's id (the process's pid).
    pub tgid: i32,
    /// Its name, NUL-padded.
    pub comm: [u8; 16],
}

impl Context {
    /// Before any context record: pid -1, no name.
    pub const UNKNOWN: Self = Self {
        pid: -1,
        tgid: -1,
        comm: [0; 16],
    };

    /// The name, up to its first NUL.
    #[allow(dead_code, reason = "for the tool's decoder")]
    pub fn comm(&self) -> &[u8] {
        let end = self.comm.iter().position(|&b| b == 0).unwrap_or(16);
        &self.comm[..end]
    }
}

/// Writes a context record of time `ts` and task `ctx` at the start of `out`: the payload is
/// `u64 ts, i32 pid, i32 tgid, comm[16]`. Returns its length, [`CONTEXT_RECORD`].
///
/// # Panics
///
/// If `out` is shorter than [`CONTEXT_RECORD`]; the ring writer gives exactly that.
#[inline(always)]
pub fn write_context(out: &mut [u8], ts: u64, ctx: &Context) -> usize {
    let out = &mut out[..CONTEXT_RECORD];
    put(
        out,
        0,
        RawHeader::new(CONTEXT_ID, CONTEXT_LEN, ts).to_bytes(),
    );
    put(out, 8, ts.to_le_bytes());
    put(out, 16, ctx.pid.to_le_bytes());
    put(out, 20, ctx.tgid.to_le_bytes());
    put(out, 24, ctx.comm);
    CONTEXT_RECORD
}

/// Writes a time-extend record of time `ts` at the start of `out`; returns [`TIME_RECORD`].
///
/// # Panics
///
/// If `out` is shorter than [`TIME_RECORD`].
#[inline(always)]
pub fn write_time(out: &mut [u8], ts: u64) -> usize {
    let out = &mut out[..TIME_RECORD];
    put(out, 0, RawHeader::new(TIME_ID, TIME_LEN, ts).to_bytes());
    put(out, 8, ts.to_le_bytes());
    TIME_RECORD
}

/// Stores `bytes` at `at` in `out`, which holds them (the writers above, whose offsets and
/// lengths are constants: an array store each, where `copy_from_slice` would be a call into
/// the kernel's `core`, out of line).
#[inline(always)]
fn put<const N: usize>(out: &mut [u8], at: usize, bytes: [u8; N]) {
    if let Some(to) = out.get_mut(at..).and_then(|o| o.first_chunk_mut::<N>()) {
        *to = bytes;
    }
}

/// Writes a whole record (header, `payload`, zero padding) of `id` at time `ts` at the start of
/// `out` and returns its length, [`padded_len`] of the payload's; `None`, writing nothing, if
/// `payload` is longer than `u16::MAX` bytes or `out` is too short.
pub fn write_record(out: &mut [u8], ts: u64, id: u16, payload: &[u8]) -> Option<usize> {
    let len = u16::try_from(payload.len()).ok()?;
    let total = padded_len(payload.len());
    let out = out.get_mut(..total)?;
    let (head, rest) = out.split_at_mut(HEADER_LEN);
    let (data, padding) = rest.split_at_mut(payload.len());
    head.copy_from_slice(&RawHeader::new(id, len, ts).to_bytes());
    data.copy_from_slice(payload);
    padding.fill(0);
    Some(total)
}

/// Writes a lost-events notice of `count` records lost at time `ts`, as [`write_record`].
pub fn write_lost(out: &mut [u8], ts: u64, count: u64) -> Option<usize> {
    let mut payload = [0u8; LOST_LEN as usize];
    payload[..8].copy_from_slice(&count.to_le_bytes());
    payload[8..].copy_from_slice(&ts.to_le_bytes());
    write_record(out, ts, LOST_ID, &payload)
}

/// Writes the records that give a decoder the state `state` (a context record), as
/// [`write_context`]; for a stream that starts in the middle of a CPU's records.
pub fn write_state(out: &mut [u8], state: &Decoder) -> usize {
    write_context(out, state.ts, &state.ctx)
}

/// The count and time of a lost-events notice's payload; `None` if it is not [`LOST_LEN`]
/// bytes.
pub fn lost_notice(payload: &[u8]) -> Option<(u64, u64)> {
    let count = u64::from_le_bytes(payload.get(0..8)?.try_into().ok()?);
    let ts = u64::from_le_bytes(payload.get(8..16)?.try_into().ok()?);
    (payload.len() == LOST_LEN as usize).then_some((count, ts))
}

/// The count of a lost-events notice's payload; `None` if it is not [`LOST_LEN`] bytes.
#[allow(dead_code, reason = "for the tool's decoder")]
pub fn lost_count(payload: &[u8]) -> Option<u64> {
    lost_notice(payload).map(|(count, _)| count)
}

/// A marker's record or a lost-events notice, decoded: its full time and its task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Time of the event, in nanoseconds (`local_clock`).
    pub ts: u64,
    /// The emitting task's pid (-1 before any context record; 0 for a notice).
    pub pid: i32,
    /// Its thread group's id.
    pub tgid: i32,
    /// Its name, NUL-padded (empty when not known).
    pub comm: [u8; 16],
    /// The marker's id, or [`LOST_ID`].
    pub id: u16,
    /// Payload bytes, padding excluded.
    pub len: u16,
}

impl Header {
    /// The task's name, up to its first NUL.
    pub fn comm(&self) -> &[u8] {
        let end = self.comm.iter().position(|&b| b == 0).unwrap_or(16);
        &self.comm[..end]
    }
}

/// What a decoder knows at a point of one CPU's stream: the last full time and the task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoder {
    /// The time of the last record (full).
    pub ts: u64,
    /// The task of the last context record.
    pub ctx: Context,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

/// Why a record does not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code, reason = "the tool's decoder's errors")]
pub enum StreamError {
    /// The stream ends inside a record (header, payload or padding).
    Truncated,
    /// A record of the format's own (context, time-extend, lost) of another length.
    Malformed,
}

impl Decoder {
    /// A decoder at the start of a stream: time 0, task unknown.
    pub const fn new() -> Self {
        Self {
            ts: 0,
            ctx: Context::UNKNOWN,
        }
    }

    /// The full time of a record whose header is `raw`, after what this decoder saw.
    pub const fn time_of(&self, raw: &RawHeader) -> u64 {
        (self.ts & !0xffff_ffff) | raw.ts_lo as u64
    }

    /// Takes in the record `raw` with its `payload`: a context or time-extend record updates
    /// the state and yields nothing; a marker's record or a notice yields its header.
    pub fn apply(
        &mut self,
        raw: &RawHeader,
        payload: &[u8],
    ) -> Result<Option<Header>, StreamError> {
        let word = |at: usize| -> u64 {
            let mut b = [0u8; 8];
            b.copy_from_slice(&payload[at..at + 8]);
            u64::from_le_bytes(b)
        };
        match raw.id {
            CONTEXT_ID => {
                if payload.len() != CONTEXT_LEN as usize {
                    return Err(StreamError::Malformed);
                }
                self.ts = word(0);
                let mut comm = [0u8; 16];
                comm.copy_from_slice(&payload[16..32]);
                self.ctx = Context {
                    pid: i32::from_le_bytes([payload[8], payload[9], payload[10], payload[11]]),
                    tgid: i32::from_le_bytes([payload[12], payload[13], payload[14], payload[15]]),
                    comm,
                };
                Ok(None)
            }
            TIME_ID => {
                if payload.len() != TIME_LEN as usize {
                    return Err(StreamError::Malformed);
                }
                self.ts = word(0);
                Ok(None)
            }
            LOST_ID => {
                let (_, ts) = lost_notice(payload).ok_or(StreamError::Malformed)?;
                Ok(Some(Header {
                    ts,
                    pid: 0,
                    tgid: 0,
                    comm: [0; 16],
                    id: LOST_ID,
                    len: raw.len,
                }))
            }
            id if id > ID_MAX => Err(StreamError::Malformed),
            id => {
                self.ts = self.time_of(raw);
                Ok(Some(Header {
                    ts: self.ts,
                    pid: self.ctx.pid,
                    tgid: self.ctx.tgid,
                    comm: self.ctx.comm,
                    id,
                    len: raw.len,
                }))
            }
        }
    }
}

/// An iterator over the marker records and lost-events notices of one CPU's stream, yielding
/// each with its decoded header and its payload (padding excluded); context and time-extend
/// records are taken in on the way. It stops at the end of the stream, or at the first
/// truncated or malformed record, which [`Records::error`] then tells.
#[derive(Debug, Clone)]
#[allow(
    dead_code,
    reason = "the tool's decoder: the kernel writes the stream, never walks it"
)]
pub struct Records<'a> {
    rest: &'a [u8],
    consumed: usize,
    error: Option<StreamError>,
    decoder: Decoder,
}

#[allow(
    dead_code,
    reason = "the tool's decoder: the kernel writes the stream, never walks it"
)]
impl<'a> Records<'a> {
    /// Iterates over the records of `stream`, the first at its start, with a new [`Decoder`].
    pub fn new(stream: &'a [u8]) -> Self {
        Self::with_decoder(stream, Decoder::new())
    }

    /// Iterates over the records of `stream` that follow what `decoder` saw.
    pub fn with_decoder(stream: &'a [u8], decoder: Decoder) -> Self {
        Self {
            rest: stream,
            consumed: 0,
            error: None,
            decoder,
        }
    }

    /// Why the iteration stopped early, if it did.
    pub fn error(&self) -> Option<StreamError> {
        self.error
    }

    /// Bytes of the stream taken in so far.
    pub fn consumed(&self) -> usize {
        self.consumed
    }

    /// The part of the stream not yet taken in (where an error was found, after one).
    pub fn rest(&self) -> &'a [u8] {
        self.rest
    }

    /// The decoder's state: what a stream that continues this one starts from.
    pub fn decoder(&self) -> Decoder {
        self.decoder
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = (Header, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        while self.error.is_none() && !self.rest.is_empty() {
            let Some(raw) = RawHeader::decode(self.rest) else {
                self.error = Some(StreamError::Truncated);
                return None;
            };
            let total = raw.record_len();
            let end = HEADER_LEN + usize::from(raw.len);
            let (Some(payload), Some(next)) =
                (self.rest.get(HEADER_LEN..end), self.rest.get(total..))
            else {
                self.error = Some(StreamError::Truncated);
                return None;
            };
            match self.decoder.apply(&raw, payload) {
                Err(e) => {
                    self.error = Some(e);
                    return None;
                }
                Ok(found) => {
                    self.rest = next;
                    self.consumed += total;
                    if let Some(header) = found {
                        return Some((header, payload));
                    }
                }
            }
        }
        None
    }
}

impl core::iter::FusedIterator for Records<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(pid: i32, name: &[u8]) -> Context {
        let mut comm = [0u8; 16];
        comm[..name.len()].copy_from_slice(name);
        Context {
            pid,
            tgid: pid + 1000,
            comm,
        }
    }

    #[test]
    fn header_layout() {
        let h = RawHeader::new(0xabcd, 0x1234, 0x0102_0304_0506_0708);
        assert_eq!(
            h.to_bytes(),
            [0xcd, 0xab, 0x34, 0x12, 0x08, 0x07, 0x06, 0x05]
        );
        assert_eq!(RawHeader::decode(&h.to_bytes()), Some(h));
        for n in 0..HEADER_LEN {
            assert_eq!(RawHeader::decode(&h.to_bytes()[..n]), None);
        }
        // The bench event: 3 x u32 + char[16] = 28 payload bytes in 36.
        assert_eq!(padded_len(28), 36);
        assert_eq!(HEADER_LEN, 8);
        assert_eq!((CONTEXT_RECORD, TIME_RECORD, LOST_RECORD), (40, 16, 24));
    }

    #[test]
    fn padding() {
        assert_eq!(padded_len(0), 8);
        assert_eq!(padded_len(1), 12);
        assert_eq!(padded_len(4), 12);
        assert_eq!(padded_len(5), 16);
        assert_eq!(padded_len(65535), 65544);
        assert_eq!(padded_len(usize::MAX) % 4, 0);
        for n in 0..100 {
            let p = padded_len(n);
            assert_eq!(p % 4, 0);
            assert!(p >= 8 + n && p < 8 + n + 4, "{n}");
        }
    }

    /// A stream as the ring writes it: a context record, events, a task change, a time extend.
    #[test]
    fn decode_context_time_and_events() {
        let mut s = vec![0xa5u8; 400];
        let t0 = 0x0000_0007_ffff_fff0u64;
        let mut at = write_context(&mut s, t0, &ctx(42, b"bash"));
        at += write_record(&mut s[at..], t0 + 5, 3, b"abc").unwrap();
        assert_eq!(&s[at - 4..at], b"abc\0");
        // The high bits change: a time extend.
        let t1 = t0 + 0x20;
        at += write_time(&mut s[at..], t1);
        at += write_record(&mut s[at..], t1, 4, &[]).unwrap();
        at += write_context(&mut s[at..], t1 + 1, &ctx(7, b"kworker/0:1"));
        at += write_record(&mut s[at..], t1 + 2, 5, &[9; 8]).unwrap();
        at += write_lost(&mut s[at..], t1 + 3, 11).unwrap();
        let s = &s[..at];
        let mut records = Records::new(s);
        let got: Vec<_> = records.by_ref().collect();
        assert_eq!(records.error(), None);
        assert_eq!(records.consumed(), at);
        let summary: Vec<_> = got
            .iter()
            .map(|(h, p)| (h.ts, h.pid, h.tgid, h.comm().to_vec(), h.id, p.len()))
            .collect();
        assert_eq!(
            summary,
            vec![
                (t0 + 5, 42, 1042, b"bash".to_vec(), 3, 3),
                (t1, 42, 1042, b"bash".to_vec(), 4, 0),
                (t1 + 2, 7, 1007, b"kworker/0:1".to_vec(), 5, 8),
                (t1 + 3, 0, 0, vec![], LOST_ID, 16),
            ]
        );
        assert_eq!(lost_count(got[3].1), Some(11));
        assert_eq!(records.decoder().ctx.pid, 7);
        // A stream that continues from a state.
        let mut tail = vec![0u8; 64];
        let n = write_record(&mut tail, t1 + 9, 6, b"x").unwrap();
        let (h, _) = Records::with_decoder(&tail[..n], records.decoder())
            .next()
            .unwrap();
        assert_eq!((h.ts, h.pid), (t1 + 9, 7));
        // A stream that starts with no context: pid -1, the low time bits only.
        let (h, _) = Records::new(&tail[..n]).next().unwrap();
        assert_eq!((h.ts, h.pid), ((t1 + 9) & 0xffff_ffff, -1));
        // The state as a context record.
        let mut st = [0u8; CONTEXT_RECORD];
        write_state(&mut st, &records.decoder());
        let mut d = Decoder::new();
        let raw = RawHeader::decode(&st).unwrap();
        assert_eq!(d.apply(&raw, &st[8..]), Ok(None));
        assert_eq!(d, records.decoder());
    }

    #[test]
    fn write_refusals() {
        let mut out = [0u8; 11];
        assert_eq!(write_record(&mut out, 0, 1, b"abcd"), None);
        assert_eq!(out, [0; 11]);
        assert_eq!(write_record(&mut out, 0, 1, b""), Some(8));
        let big = vec![0u8; 65536];
        let mut room = vec![0u8; 70000];
        assert_eq!(write_record(&mut room, 0, 1, &big), None);
        assert_eq!(write_record(&mut room, 0, 1, &big[1..]), Some(65544));
        assert_eq!(write_lost(&mut out, 0, 1), None);
    }

    #[test]
    fn truncated_and_malformed_streams() {
        let mut stream = vec![0u8; 128];
        let a = write_context(&mut stream, 1, &ctx(1, b"a"));
        let b = write_record(&mut stream[a..], 2, 2, b"12345").unwrap();
        let c = write_record(&mut stream[a + b..], 3, 2, b"x").unwrap();
        let full = &stream[..a + b + c];
        // Every cut inside the last record: the one before is still yielded.
        for cut in a + b + 1..a + b + c {
            let mut records = Records::new(&full[..cut]);
            assert_eq!(records.next().map(|r| r.0.ts), Some(2), "{cut}");
            assert_eq!(records.next(), None);
            assert_eq!(records.error(), Some(StreamError::Truncated), "{cut}");
            assert_eq!(records.consumed(), a + b);
            assert_eq!(records.rest(), &full[a + b..cut]);
        }
        // Every cut inside the context record.
        for cut in 1..a {
            let mut records = Records::new(&full[..cut]);
            assert_eq!(records.next(), None);
            assert_eq!(records.error(), Some(StreamError::Truncated));
            assert_eq!(records.consumed(), 0);
        }
        // Records of the format's own with another length, and an id past ID_MAX.
        for (id, len) in [(CONTEXT_ID, 8), (TIME_ID, 4), (LOST_ID, 8), (0xfff0, 0)] {
            let mut bad = full.to_vec();
            bad[a + b..a + b + 8].copy_from_slice(&RawHeader::new(id, len, 3).to_bytes());
            bad.truncate(a + b + padded_len(len as usize));
            bad.resize(a + b + padded_len(len as usize), 0);
            let mut records = Records::new(&bad);
            assert_eq!(records.by_ref().count(), 1, "{id:#x}");
            assert_eq!(records.error(), Some(StreamError::Malformed), "{id:#x}");
        }
        // A length running past the end.
        let mut bad = full.to_vec();
        bad[a + 3] = 0xff;
        let mut records = Records::new(&bad);
        assert_eq!(records.by_ref().count(), 0);
        assert_eq!(records.error(), Some(StreamError::Truncated));
    }
}
