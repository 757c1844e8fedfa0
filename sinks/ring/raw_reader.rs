// SPDX-License-Identifier: GPL-2.0

//! The binary readers of one CPU's records (the format of sinks/ring/ring_record.rs), whole records
//! per read, each read decodable on its own (it starts with a context record where the stream
//! does not give one):
//!
//! - `per_cpu/cpuN/trace_pipe_raw` consumes them, with a lost-events notice where records were
//!   lost;
//! - `per_cpu/cpuN/snapshot_raw` copies what was committed when it was opened, consuming
//!   nothing, with a lost-events notice for the records it could not show (overwritten or
//!   consumed by others while it read); then it ends.

use core::ffi::c_char;

use kernel::prelude::*;

use crate::readers::{start, to_user, Reader, TRIES};
use crate::ring_buffer::{CpuRing, Found};
use crate::ring_record::{self, CONTEXT_ID, CONTEXT_RECORD, HEADER_LEN, LOST_RECORD};
use crate::tracer::Buffers;

extern "C" {
    fn rtrace_ring_clock() -> u64;
}

/// The time of the record `found` (copied in `copy`): a context record's own, or its decoded one.
fn time_of(ring: &CpuRing, found: &Found, copy: &[u8]) -> Option<u64> {
    if found.header.id == CONTEXT_ID {
        let ts = copy.get(HEADER_LEN..HEADER_LEN + 8)?;
        return Some(u64::from_le_bytes(ts.try_into().ok()?));
    }
    Some(ring.state_at(found.pos)?.time_of(&found.header))
}

/// Bytes a read needs to take `found`: the record, the context record before it if the read
/// starts there (`extra`), and the record after a context or time record, which goes with it
/// (the two are written in one reservation).
fn needed(ring: &CpuRing, found: &Found, extra: usize, end: u64) -> usize {
    let mut need = found.len + extra;
    if !found.header.is_event() && found.header.id != ring_record::LOST_ID {
        let mut none = [0u8; 0];
        if let Some(next) = ring.peek(found.pos + found.len as u64, end, &mut none) {
            need += next.len;
        }
    }
    need
}

/// Writes a lost-events notice of `count` records at `ts` to user address `buf + at`; its length.
fn notice_to_user(buf: *mut c_char, at: usize, ts: u64, count: u64) -> Result<usize> {
    let mut notice = [0u8; LOST_RECORD];
    let n = ring_record::write_lost(&mut notice, ts, count).unwrap_or(0);
    to_user(buf, at, &notice[..n])?;
    Ok(n)
}

/// The time to give a notice before `found`: its own, or now if there is no record after it.
fn notice_time(ring: &CpuRing, found: Option<&Found>, copy: &[u8]) -> u64 {
    found
        .and_then(|f| time_of(ring, f, copy))
        // SAFETY: no precondition.
        .unwrap_or_else(|| unsafe { rtrace_ring_clock() })
}

impl Reader {
    /// A read of CPU `cpu`'s `trace_pipe_raw` into `len` bytes at user address `buf`.
    pub(crate) fn read_raw(
        &mut self,
        buffers: &Buffers,
        cpu: usize,
        buf: *mut c_char,
        len: usize,
    ) -> Result<usize> {
        let cpu_buf = buffers.cpus.get(cpu).ok_or(ENODEV)?;
        let ring = &cpu_buf.ring;
        let copy = &mut self.cpus.get_mut(0).ok_or(EINVAL)?.copy;
        let mut copied = 0;
        let mut state = [0u8; CONTEXT_RECORD];
        let mut first = true;
        for _ in 0..TRIES {
            loop {
                let from = ring.read_pos();
                let found = ring.peek(from, u64::MAX, copy);
                // Losses go where they happened: overruns before the oldest record left, drops
                // after the records before them. A notice that does not fit waits for the next
                // read (unless the buffer could never take one).
                if let Some(due) = cpu_buf.losses.due(ring) {
                    if len - copied >= LOST_RECORD {
                        let ts = due
                            .ts
                            .unwrap_or_else(|| notice_time(ring, found.as_ref(), copy));
                        match notice_to_user(buf, copied, ts, due.count) {
                            Ok(n) => copied += n,
                            // Not delivered: it stays due.
                            Err(e) => return if copied > 0 { Ok(copied) } else { Err(e) },
                        }
                        cpu_buf.losses.mark(ring, &due);
                        // The records after it decode without what came before.
                        first = true;
                    } else if copied > 0 {
                        return Ok(copied);
                    }
                }
                let Some(found) = found else {
                    return Ok(copied);
                };
                if found.len == 0 {
                    // Overwritten while we looked.
                    break;
                }
                let extra = if first && found.header.id != CONTEXT_ID {
                    let Some(d) = ring.state_at(found.pos) else {
                        break;
                    };
                    ring_record::write_state(&mut state, &d)
                } else {
                    0
                };
                if needed(ring, &found, extra, u64::MAX) > len - copied {
                    if copied == 0 {
                        // The caller's buffer cannot take one record.
                        return Err(EINVAL);
                    }
                    return Ok(copied);
                }
                if let Err(e) = to_user(buf, copied, &state[..extra])
                    .and_then(|()| to_user(buf, copied + extra, &copy[..found.len]))
                {
                    // Not consumed: what was copied before is returned.
                    return if copied > 0 { Ok(copied) } else { Err(e) };
                }
                // Only a record consumed intact counts; otherwise its bytes are overwritten in
                // the caller's buffer by the next.
                if !ring.consume(from, found) {
                    break;
                }
                copied += extra + found.len;
                first = false;
            }
        }
        Ok(copied)
    }

    /// A read of CPU `cpu`'s `snapshot_raw` into `len` bytes at user address `buf`: as
    /// `trace_pipe_raw`, from the cursor up to what was committed at open, consuming nothing.
    pub(crate) fn read_snapshot(
        &mut self,
        buffers: &Buffers,
        cpu: usize,
        buf: *mut c_char,
        len: usize,
    ) -> Result<usize> {
        // After a reset or a resize the positions mean nothing: the file ends.
        if self.generation != buffers.generation {
            return Ok(0);
        }
        let ring = &buffers.cpus.get(cpu).ok_or(ENODEV)?.ring;
        let c = self.cpus.get_mut(0).ok_or(EINVAL)?;
        let mut copied = 0;
        let mut state = [0u8; CONTEXT_RECORD];
        let mut first = true;
        for _ in 0..TRIES {
            loop {
                // Records overwritten (or consumed) before this reader showed them: it goes on
                // from the oldest left and says how many it missed.
                if c.pos < ring.read_pos() {
                    let (pos, passed) = start(ring);
                    // Only those before the end were the snapshot's to show.
                    let passed = passed.min(c.passed_end);
                    c.missed += passed.saturating_sub(c.passed);
                    (c.pos, c.passed) = (pos.max(c.pos), passed.max(c.passed));
                    // What follows decodes without what was skipped.
                    first = true;
                }
                let found = ring.peek(c.pos, c.end, &mut c.copy);
                if c.missed > 0 {
                    if len - copied >= LOST_RECORD {
                        let ts = notice_time(ring, found.as_ref(), &c.copy);
                        match notice_to_user(buf, copied, ts, c.missed) {
                            Ok(n) => copied += n,
                            Err(e) => return if copied > 0 { Ok(copied) } else { Err(e) },
                        }
                        c.missed = 0;
                        first = true;
                    } else if copied > 0 {
                        return Ok(copied);
                    }
                }
                let Some(found) = found else {
                    return Ok(copied);
                };
                if found.len == 0 {
                    // Overwritten while we looked.
                    break;
                }
                let extra = if first && found.header.id != CONTEXT_ID {
                    let Some(d) = ring.state_at(found.pos) else {
                        break;
                    };
                    ring_record::write_state(&mut state, &d)
                } else {
                    0
                };
                if needed(ring, &found, extra, c.end) > len - copied {
                    if copied == 0 {
                        return Err(EINVAL);
                    }
                    return Ok(copied);
                }
                if let Err(e) = to_user(buf, copied, &state[..extra])
                    .and_then(|()| to_user(buf, copied + extra, &c.copy[..found.len]))
                {
                    // Not shown: the cursor stays, the next read gives it again.
                    return if copied > 0 { Ok(copied) } else { Err(e) };
                }
                // Only a record still intact after the copy counts; otherwise its bytes are
                // overwritten in the caller's buffer by the next.
                if !ring.still_valid(found.pos) {
                    break;
                }
                c.pos = found.pos + found.len as u64;
                c.passed += u64::from(found.header.is_event());
                copied += extra + found.len;
                first = false;
            }
        }
        Ok(copied)
    }
}
