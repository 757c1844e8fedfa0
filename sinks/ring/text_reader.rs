// SPDX-License-Identifier: GPL-2.0

//! The text of `trace` (not consuming, from what was committed at open, after a header of
//! counters) and `trace_pipe` (consuming, with `CPU:N [LOST M EVENTS]` lines): every CPU's
//! records merged by timestamp, one ftrace-shaped line each.

use core::ffi::c_char;
use core::fmt::Write;

use kernel::prelude::*;

use crate::files::{Buf, Kind};
use crate::readers::{to_user_partly, Reader, TRIES};
use crate::ring_buffer::{CpuRing, Found};
use crate::ring_record::{Decoder, Header, HEADER_LEN};
use crate::rtrace::abi::{self, MARKER_ABI};
use crate::rtrace::marker::text;
use crate::tracer::{Buffers, SUB_SIZE};

/// Longest text line: a record of a sub-buffer, every byte escaped, and the prefix.
pub(crate) const LINE_MAX: usize = 4 * SUB_SIZE + 256;

/// A marker's record found at the head of a CPU's buffer, decoded.
struct Next {
    cpu: usize,
    from: u64,
    found: Found,
    header: Header,
    /// The decoder's state after it.
    decoder: Decoder,
}

impl Reader {
    /// The next marker record of CPU `cpu` (its ring `ring`), copied into its cursor: the
    /// context and time records before it are taken in on the way (consumed by `trace_pipe`).
    fn next_of(&mut self, cpu: usize, ring: &CpuRing) -> Option<Next> {
        let consuming = self.kind.consumes();
        let c = self.cpus.get_mut(cpu)?;
        for _ in 0..TRIES {
            let from = if consuming { ring.read_pos() } else { c.pos };
            if consuming && c.pos != from {
                c.decoder = None;
            }
            let decoder = match c.decoder {
                Some(d) => d,
                None => match ring.state_at(from) {
                    Some(d) => d,
                    None => {
                        // Overwritten while we looked: go on from the oldest record left.
                        c.pos = ring.read_pos().max(c.pos);
                        continue;
                    }
                },
            };
            c.pos = from;
            c.decoder = Some(decoder);
            let found = ring.peek(from, c.end, &mut c.copy)?;
            let raw = found.header;
            let payload = c.copy.get(HEADER_LEN..HEADER_LEN + raw.len as usize);
            let (Some(payload), false) = (payload, found.len == 0) else {
                c.decoder = None;
                c.pos = ring.read_pos().max(from + 4);
                continue;
            };
            let mut after = decoder;
            match after.apply(&raw, payload) {
                Ok(Some(header)) if raw.is_event() => {
                    return Some(Next {
                        cpu,
                        from,
                        found,
                        header,
                        decoder: after,
                    });
                }
                // A context or time record (or one this reader cannot use): taken in.
                _ => {
                    let taken = if consuming {
                        ring.consume(from, found)
                    } else {
                        ring.still_valid(found.pos)
                    };
                    if taken {
                        c.pos = found.pos + found.len as u64;
                        c.decoder = Some(after);
                    } else {
                        c.decoder = None;
                        c.pos = ring.read_pos().max(c.pos);
                    }
                }
            }
        }
        None
    }

    /// The oldest marker record at the head of any CPU's buffer.
    fn oldest(&mut self, buffers: &Buffers) -> Option<Next> {
        let mut best: Option<Next> = None;
        for (cpu, buf) in buffers.cpus.iter().enumerate() {
            let Some(next) = self.next_of(cpu, &buf.ring) else {
                continue;
            };
            if best.as_ref().map_or(true, |b| next.header.ts < b.header.ts) {
                best = Some(next);
            }
        }
        best
    }

    /// Produces the next line of text into `self.text` (from offset 0); false when there is
    /// nothing to show now.
    fn next_line(&mut self, buffers: &Buffers) -> bool {
        loop {
            let mut line = Buf::new(&mut self.text);
            if self.kind == Kind::Trace && !self.started {
                self.started = true;
                let c = buffers.counters();
                let _ = writeln!(line, "# tracer: rtrace ring buffer");
                let _ = writeln!(
                    line,
                    "# entries-in-buffer/entries-written: {}/{}   #P:{}",
                    c.in_buffer(),
                    c.entries,
                    buffers.cpus.len()
                );
                let _ = writeln!(
                    line,
                    "# lost: {} (dropped {}, overrun {})",
                    c.lost(),
                    c.dropped,
                    c.overrun
                );
                let _ = writeln!(line, "#");
                let _ = writeln!(line, "#           TASK-PID     CPU#     TIMESTAMP  EVENT");
                let len = line.len;
                self.set_text(len);
                return true;
            }
            if self.kind == Kind::TracePipe {
                for (cpu, buf) in buffers.cpus.iter().enumerate() {
                    if let Some(due) = buf.losses.due(&buf.ring) {
                        buf.losses.mark(&buf.ring, &due);
                        let _ = text::write_lost(&mut line, cpu as u32, due.count);
                        let _ = writeln!(line);
                        let len = line.len;
                        self.set_text(len);
                        return true;
                    }
                }
            }
            let Some(next) = self.oldest(buffers) else {
                return false;
            };
            let ring = &buffers.cpus[next.cpu].ring;
            let valid = if self.kind.consumes() {
                ring.consume(next.from, next.found)
            } else {
                ring.still_valid(next.found.pos)
            };
            let cursor = &mut self.cpus[next.cpu];
            if !valid {
                // Overwritten while we looked: go on from the oldest record left.
                cursor.decoder = None;
                cursor.pos = ring.read_pos().max(cursor.pos);
                continue;
            }
            cursor.pos = next.found.pos + next.found.len as u64;
            cursor.decoder = Some(next.decoder);
            let record = &cursor.copy;
            let mut line = Buf::new(&mut self.text);
            let h = &next.header;
            // Pid 0 is every CPU's idle task, shown as `<idle>` as ftrace does.
            let comm: &[u8] = match (h.pid, h.comm()) {
                (0, _) => b"<idle>",
                (_, b"") => b"<...>",
                (_, comm) => comm,
            };
            let _ = text::write_line_prefix(&mut line, comm, h.pid, next.cpu as u32, h.ts);
            let payload = record
                .get(HEADER_LEN..HEADER_LEN + h.len as usize)
                .unwrap_or(&[]);
            print_record(&mut line, h.id, payload);
            let _ = writeln!(line);
            let len = line.len;
            // A line cut short still ends with its newline.
            if len == LINE_MAX {
                self.text[LINE_MAX - 1] = b'\n';
            }
            self.set_text(len);
            return true;
        }
    }

    fn set_text(&mut self, len: usize) {
        self.text_len = len;
        self.text_at = 0;
    }

    fn pending(&self) -> &[u8] {
        &self.text[self.text_at..self.text_len]
    }

    fn drain(&mut self, n: usize) {
        self.text_at += n;
    }

    /// A read of `trace` or `trace_pipe` into `len` bytes at user address `buf`: whole lines
    /// while they fit, then the start of the next (the rest comes with the next read).
    pub(crate) fn read_text(
        &mut self,
        buffers: &Buffers,
        buf: *mut c_char,
        len: usize,
    ) -> Result<usize> {
        if self.kind == Kind::Trace && self.generation != buffers.generation {
            return Ok(0);
        }
        let mut copied = 0;
        while copied < len {
            if self.pending().is_empty() && !self.next_line(buffers) {
                break;
            }
            let n = self.pending().len().min(len - copied);
            // Into a buffer mapped only in part, what was copied is returned (`EFAULT` if
            // nothing was), and the rest of the line stays pending for the next read.
            let done = to_user_partly(buf, copied, &self.pending()[..n]);
            self.drain(done);
            copied += done;
            if done < n {
                return if copied > 0 { Ok(copied) } else { Err(EFAULT) };
            }
        }
        Ok(copied)
    }
}

/// `subsystem:event: field=value ...`, as the marker core prints the record.
fn print_record(out: &mut Buf<'_>, id: u16, payload: &[u8]) {
    let room = &mut out.out[out.len..];
    // SAFETY: `payload` and `room` are valid for their lengths for the call.
    let n = unsafe {
        abi::rtrace_marker_print(
            MARKER_ABI,
            id as u32,
            payload.as_ptr(),
            payload.len(),
            room.as_mut_ptr().cast(),
            room.len(),
        )
    };
    if n >= 0 {
        out.len += (n as usize).min(room.len());
    } else {
        let _ = write!(out, "id {id}: {} bytes", payload.len());
    }
}
