// SPDX-License-Identifier: GPL-2.0

//! The statistics sink's callbacks: `reserve` counts every record offered and hands out a
//! scratch area only when a histogram needs the record's fields; `commit` adds those to the
//! histograms. Lock-free and allocation-free, in any context.

use core::ptr::NonNull;
use core::sync::atomic::{compiler_fence, Ordering};

use crate::histogram::{self, BUCKETS};
use crate::hists::snapshot;
use crate::rtrace::abi::RawSink;
use crate::rtrace::sink::{self, Reservation, Sink};
use crate::tables::{tables, this_cpu};
use crate::{IDS, LEVELS, SCRATCH, SLOTS};

/// The sink. Its callbacks run where markers are emitted, with preemption disabled, inside the
/// site's RCU-sched read side (rust/marker/marker.rs: `emit`).
struct StatsSink;

static SINK: StatsSink = StatsSink;

pub(crate) static RAW: RawSink = sink::raw_sink(c"stats", &SINK);

// SAFETY: a reservation is this CPU's scratch area of its nesting level (`SCRATCH` bytes, at least
// `len`), used by nothing else until the level is released by the commit of its handle (the
// level); levels are taken and released last in, first out.
unsafe impl Sink for StatsSink {
    unsafe fn reserve(&self, id: u32, len: usize) -> Option<Reservation> {
        // SAFETY: a callback of the sink, using the tables only during it.
        let t = unsafe { tables() }?;
        let cpu = this_cpu();
        let nest = t.nesting.get(cpu)?;
        let slot = if (1..=IDS as u32).contains(&id) {
            id as usize
        } else {
            0
        };
        if let Some(c) = t.counts.get(cpu * SLOTS + slot) {
            c.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: a callback of the sink: inside the marker site's RCU-sched read side.
        if !unsafe { snapshot() }.is_some_and(|s| s.of(id).next().is_some()) {
            return None;
        }
        let depth = nest.depth.load(Ordering::Relaxed) as usize;
        if depth >= LEVELS || len > SCRATCH {
            nest.missed.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        // The level is taken before it is filled in: a record nested from here on takes the
        // next one, and one nested before this store is committed before it.
        nest.depth.store(depth as u32 + 1, Ordering::Relaxed);
        compiler_fence(Ordering::SeqCst);
        nest.ids.get(depth)?.store(id, Ordering::Relaxed);
        nest.lens.get(depth)?.store(len as u32, Ordering::Relaxed);
        NonNull::new(t.area(cpu, depth)).map(|record| Reservation::new(record, depth))
    }

    unsafe fn commit(&self, handle: usize) {
        // SAFETY: a callback of the sink, using the tables only during it.
        let Some(t) = (unsafe { tables() }) else {
            return;
        };
        let cpu = this_cpu();
        let Some(nest) = t.nesting.get(cpu) else {
            return;
        };
        // Last reserved, first committed: `handle` is the top level.
        let Some(level) = (nest.depth.load(Ordering::Relaxed) as usize).checked_sub(1) else {
            return;
        };
        if let (Some(id), Some(len)) = (nest.ids.get(level), nest.lens.get(level)) {
            let (id, len) = (
                id.load(Ordering::Relaxed),
                len.load(Ordering::Relaxed) as usize,
            );
            if handle == level && len <= SCRATCH {
                // SAFETY: the area of this level is `SCRATCH` bytes, of which the site wrote
                // the `len` of the record before committing; nothing else writes it until the
                // level is released below.
                let bytes = unsafe { core::slice::from_raw_parts(t.area(cpu, level), len) };
                // SAFETY: a callback of the sink: inside the marker site's RCU-sched read side.
                if let Some(s) = unsafe { snapshot() } {
                    for h in s.of(id) {
                        if let Some(k) = histogram::field_bucket(bytes, h.offset, h.ty) {
                            if let Some(c) = h.buckets.get(cpu * BUCKETS + k) {
                                c.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                }
            }
        }
        // The area is read before the level is released to records nested from here on.
        compiler_fence(Ordering::SeqCst);
        nest.depth.store(level as u32, Ordering::Relaxed);
    }
}
