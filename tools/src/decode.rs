// SPDX-License-Identifier: GPL-2.0

//! The ring buffer's binary stream, read with the library's `ring_record` codec.
//!
//! The only thing the tool adds is [`Entry`], telling lost-events notices from markers'
//! records; the header, the stream iterator and the text line are the library's
//! (`rtrace::ring_record`, `rtrace::marker::text`), the same code the kernel's ring tracer prints with.

use rtrace::ring_record::{lost_count, LOST_ID};
pub use rtrace::ring_record::{Header, Records, StreamError};

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
        /// The header (id [`LOST_ID`]).
        header: Header,
        /// Records lost on this CPU since the previous notice.
        count: u64,
    },
}

impl<'a> Entry<'a> {
    /// The entry of a record as [`Records`] yields it. [`Records`] checks that a lost-events
    /// notice holds a count, so a notice always becomes [`Entry::Lost`].
    pub fn new(header: Header, payload: &'a [u8]) -> Self {
        match (header.id, lost_count(payload)) {
            (LOST_ID, Some(count)) => Self::Lost { header, count },
            _ => Self::Event { header, payload },
        }
    }

    /// The header.
    pub fn header(&self) -> Header {
        match *self {
            Self::Event { header, .. } | Self::Lost { header, .. } => header,
        }
    }
}

/// What [`Records::error`] means, for messages.
pub fn reason(error: StreamError) -> &'static str {
    match error {
        StreamError::Truncated => "truncated record",
        StreamError::Malformed => {
            "malformed record (a context, time-extend or lost-events record of another length, \
             or an unknown id)"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtrace::ring_record::{write_context, write_lost, write_record, Context};

    #[test]
    fn entries_tell_lost_notices() {
        let mut s = vec![0u8; 128];
        let mut comm = [0u8; 16];
        comm[..4].copy_from_slice(b"bash");
        let ctx = Context {
            pid: 1,
            tgid: 1,
            comm,
        };
        let a = write_context(&mut s, 5, &ctx);
        let b = write_record(&mut s[a..], 5, 3, b"abc").unwrap();
        let c = write_lost(&mut s[a + b..], 6, 7).unwrap();
        let d = write_record(&mut s[a + b + c..], 7, 4, b"").unwrap();
        s.truncate(a + b + c + d);
        let got: Vec<_> = Records::new(&s).map(|(h, p)| Entry::new(h, p)).collect();
        let h = |ts, pid, comm, id, len| Header {
            ts,
            pid,
            tgid: pid,
            comm,
            id,
            len,
        };
        assert_eq!(
            got,
            [
                Entry::Event {
                    header: h(5, 1, comm, 3, 3),
                    payload: b"abc"
                },
                Entry::Lost {
                    header: h(6, 0, [0; 16], LOST_ID, 16),
                    count: 7
                },
                Entry::Event {
                    header: h(7, 1, comm, 4, 0),
                    payload: b""
                },
            ]
        );
        assert_eq!(got[1].header().ts, 6);
        let mut cut = Records::new(&s[..a + b + 4]);
        assert_eq!(cut.by_ref().count(), 1);
        assert_eq!(cut.error().map(reason), Some("truncated record"));
        assert_eq!(cut.consumed(), a + b);
    }
}
