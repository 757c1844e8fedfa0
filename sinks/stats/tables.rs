// SPDX-License-Identifier: GPL-2.0

//! The statistics sink's per-CPU tables: record counters indexed by marker id, and the scratch
//! areas (one per nesting level) where records that a histogram needs are written. Allocated at
//! load, published with an `rcu::Pointer` before the sink is registered.

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use kernel::bindings;
use kernel::prelude::*;

use crate::rtrace::kernel::rcu::Pointer;
use crate::{LEVELS, SCRATCH_WORDS, SLOTS};

/// The number of the CPU the caller runs on, which must not change under it (preemption
/// disabled, as in the sink's callbacks).
#[inline(always)]
pub(crate) fn this_cpu() -> usize {
    crate::rtrace::kernel::percpu::this_cpu() as usize
}

/// `n` counters at zero.
pub(crate) fn zeroed(n: usize) -> Result<VVec<AtomicU64>> {
    let mut v = VVec::with_capacity(n, GFP_KERNEL)?;
    for _ in 0..n {
        v.push(AtomicU64::new(0), GFP_KERNEL)?;
    }
    Ok(v)
}

/// The sum of `counters[cpu * stride + index]` over `ncpu` CPUs.
pub(crate) fn sum(counters: &[AtomicU64], ncpu: usize, stride: usize, index: usize) -> u64 {
    (0..ncpu)
        .filter_map(|cpu| counters.get(cpu * stride + index))
        .fold(0, |s, c| s.wrapping_add(c.load(Ordering::Relaxed)))
}

/// One CPU's nested reservations of scratch areas, used by that CPU only.
pub(crate) struct Nesting {
    /// Scratch areas in use: levels `0..depth`.
    pub(crate) depth: AtomicU32,
    /// The marker id of the record reserved at each level.
    pub(crate) ids: [AtomicU32; LEVELS],
    /// Its length.
    pub(crate) lens: [AtomicU32; LEVELS],
    /// Records a histogram needed that got no scratch area (too deep or too long).
    pub(crate) missed: AtomicU64,
}

/// The per-CPU counters and scratch areas, for `nr_cpu_ids` CPUs, allocated at load.
///
/// # Invariants
///
/// `scratch` is the buffer of a `VVec<u64>` of length `scratch_len` and capacity
/// `scratch_cap`, owned by this value, with `scratch_len == ncpu * LEVELS * SCRATCH_WORDS`.
pub(crate) struct Tables {
    pub(crate) ncpu: usize,
    /// `ncpu * SLOTS` record counters.
    pub(crate) counts: VVec<AtomicU64>,
    /// One per CPU.
    pub(crate) nesting: KVec<Nesting>,
    /// `ncpu * LEVELS` areas of `SCRATCH` bytes, written by emitting sites through the pointers
    /// `reserve` hands out.
    scratch: *mut u64,
    scratch_len: usize,
    scratch_cap: usize,
}

// SAFETY: the counters are atomics; a scratch area is written only between `reserve` and
// `commit` on its own CPU, by the one site that holds it (see `StatsSink`).
unsafe impl Send for Tables {}
// SAFETY: as above.
unsafe impl Sync for Tables {}

impl Tables {
    pub(crate) fn new() -> Result<KBox<Self>> {
        // SAFETY: `nr_cpu_ids` is set before modules load and never changes afterwards.
        let ncpu = unsafe { bindings::nr_cpu_ids } as usize;
        let counts = zeroed(ncpu * SLOTS)?;
        let mut nesting = KVec::with_capacity(ncpu, GFP_KERNEL)?;
        for _ in 0..ncpu {
            nesting.push(
                Nesting {
                    depth: AtomicU32::new(0),
                    ids: [const { AtomicU32::new(0) }; LEVELS],
                    lens: [const { AtomicU32::new(0) }; LEVELS],
                    missed: AtomicU64::new(0),
                },
                GFP_KERNEL,
            )?;
        }
        let scratch = VVec::from_elem(0u64, ncpu * LEVELS * SCRATCH_WORDS, GFP_KERNEL)?;
        let (scratch, scratch_len, scratch_cap) = scratch.into_raw_parts();
        Ok(KBox::new(
            Self {
                ncpu,
                counts,
                nesting,
                scratch,
                scratch_len,
                scratch_cap,
            },
            GFP_KERNEL,
        )?)
    }

    /// The scratch area of nesting level `level` of CPU `cpu` (both in range).
    pub(crate) fn area(&self, cpu: usize, level: usize) -> *mut u8 {
        self.scratch
            .wrapping_add((cpu * LEVELS + level) * SCRATCH_WORDS)
            .cast()
    }

    pub(crate) fn missed(&self) -> u64 {
        self.nesting
            .iter()
            .fold(0, |s, n| s.wrapping_add(n.missed.load(Ordering::Relaxed)))
    }

    pub(crate) fn reset(&self) {
        for c in self.counts.iter() {
            c.store(0, Ordering::Relaxed);
        }
        for n in self.nesting.iter() {
            n.missed.store(0, Ordering::Relaxed);
        }
    }
}

impl Drop for Tables {
    fn drop(&mut self) {
        // SAFETY: by the type invariant, the parts of a `VVec<u64>` that this value owns.
        drop(unsafe { VVec::from_raw_parts(self.scratch, self.scratch_len, self.scratch_cap) });
    }
}

/// The tables, set before the sink is registered and cleared after it is unregistered and its
/// files are removed.
pub(crate) static TABLES: Pointer<Tables> = Pointer::null();

/// The tables, from a callback.
///
/// # Safety
///
/// The caller is a callback of the sink or of the module's debugfs files (or runs while they are
/// registered, as the files' writers do), and uses the result only during that callback.
pub(crate) unsafe fn tables<'a>() -> Option<&'a Tables> {
    // SAFETY: the tables are replaced (by none) only once the sink is unregistered, which
    // returns when no callback runs any more, and its files removed, which waits for their
    // callbacks: the caller runs before (its promise), and no `replace` runs meanwhile.
    unsafe { TABLES.get_protected() }
}
