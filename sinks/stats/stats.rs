// SPDX-License-Identifier: GPL-2.0

//! rtrace_stats: the statistics sink, named `stats`.
//!
//! Counts the records of every marker connected to it, per CPU, and keeps log2 histograms of
//! integer fields on demand. Its files are in `/sys/kernel/debug/rtrace/sinks/stats/` (see
//! Documentation/sinks.rst):
//!
//! - `counts` (r): `# marker total cpu0 cpu1 ...`, then `subsystem:event TOTAL N0 N1 ...` for
//!   each marker with records, and `other TOTAL ...` for the ids beyond [`IDS`];
//! - `hist` (rw): write `subsystem:event field` to set up a histogram of an integer field (at
//!   most 8), `!subsystem:event field` to remove it; read: `# subsystem:event field`, then
//!   `[LO, HI) COUNT` per non-empty bucket (`< 0 COUNT` for negative values), `total N`; last,
//!   `hist_missed N`;
//! - `reset` (w): `1` zeroes the counts and the histograms.
//!
//! The sink's callbacks run in any context, preemption disabled, and nest on a CPU (last
//! reserved, first committed): they take no lock and allocate nothing. Each CPU has a table of
//! counters indexed by marker id, allocated at load. `reserve` counts every record it is
//! offered and writes none, unless a histogram needs the record's field values: then it hands
//! out one of the CPU's scratch areas, one per nesting level, and `commit` reads the fields
//! there. Histograms are set up and removed from process context under the module's mutex and
//! reach the callbacks through an RCU-published snapshot.

use core::ffi::{c_char, c_int, c_void, CStr};
use core::fmt::Write;
use core::ptr::NonNull;
use core::sync::atomic::{compiler_fence, AtomicU32, AtomicU64, Ordering};

use kernel::bindings;
use kernel::prelude::*;

#[path = "../../rust/rtrace.rs"]
mod rtrace;

use rtrace::abi::{self, FieldRef, RawSink, MARKER_ABI};
use rtrace::debugfs::{command_write, Dir, SeqFile};
use rtrace::global_lock::GlobalLock;
use rtrace::histogram::{self, Command, BUCKETS, COMMAND_MAX, HISTS_MAX};
use rtrace::kvec;
use rtrace::rcu::Pointer;
use rtrace::record::FieldType;
use rtrace::sink::{self, Registration, Reservation, Sink};

module! {
    type: StatsModule,
    name: "rtrace_stats",
    author: "rtrace developers",
    description: "rtrace statistics sink: per-marker counts and log2 histograms",
    license: "GPL",
}

/// Marker ids counted one by one: 1 to `IDS`. Records of markers with larger ids (a core that
/// has registered more markers since it loaded) are counted together on the `other` line.
const IDS: usize = 4096;

/// Counters of one CPU: `other` at index 0, then one per id.
const SLOTS: usize = IDS + 1;

/// Scratch areas per CPU, one per nesting level (task, softirq, hardirq, NMI, as ftrace's
/// contexts); a record that nests deeper is counted but not added to histograms.
const LEVELS: usize = 4;

/// Longest write to `reset`, as for the ring tracer's control files.
const RESET_MAX: usize = 160;

/// Bytes of a scratch area; a longer record is counted but not added to histograms.
const SCRATCH: usize = 4096;

/// The same, in the `u64` words the areas are allocated as.
const SCRATCH_WORDS: usize = SCRATCH / 8;

extern "C" {
    fn rtrace_stats_lock();
    fn rtrace_stats_unlock();
}

// The dentry pointers are opaque here, never dereferenced.
#[allow(improper_ctypes)]
extern "C" {
    fn rtrace_stats_create_files(dir: *mut bindings::dentry) -> *mut bindings::dentry;
}

/// The number of the CPU the caller runs on, which must not change under it (preemption
/// disabled, as in the sink's callbacks).
#[inline(always)]
fn this_cpu() -> usize {
    crate::rtrace::percpu::this_cpu() as usize
}

/// `n` counters at zero.
fn zeroed(n: usize) -> Result<VVec<AtomicU64>> {
    let mut v = VVec::with_capacity(n, GFP_KERNEL)?;
    for _ in 0..n {
        v.push(AtomicU64::new(0), GFP_KERNEL)?;
    }
    Ok(v)
}

/// The sum of `counters[cpu * stride + index]` over `ncpu` CPUs.
fn sum(counters: &[AtomicU64], ncpu: usize, stride: usize, index: usize) -> u64 {
    (0..ncpu)
        .filter_map(|cpu| counters.get(cpu * stride + index))
        .fold(0, |s, c| s.wrapping_add(c.load(Ordering::Relaxed)))
}

/// One CPU's nested reservations of scratch areas, used by that CPU only.
struct Nesting {
    /// Scratch areas in use: levels `0..depth`.
    depth: AtomicU32,
    /// The marker id of the record reserved at each level.
    ids: [AtomicU32; LEVELS],
    /// Its length.
    lens: [AtomicU32; LEVELS],
    /// Records a histogram needed that got no scratch area (too deep or too long).
    missed: AtomicU64,
}

/// The per-CPU counters and scratch areas, for `nr_cpu_ids` CPUs, allocated at load.
///
/// # Invariants
///
/// `scratch` is the buffer of a `VVec<u64>` of length `scratch_len` and capacity
/// `scratch_cap`, owned by this value, with `scratch_len == ncpu * LEVELS * SCRATCH_WORDS`.
struct Tables {
    ncpu: usize,
    /// `ncpu * SLOTS` record counters.
    counts: VVec<AtomicU64>,
    /// One per CPU.
    nesting: KVec<Nesting>,
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
    fn new() -> Result<KBox<Self>> {
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
    fn area(&self, cpu: usize, level: usize) -> *mut u8 {
        self.scratch
            .wrapping_add((cpu * LEVELS + level) * SCRATCH_WORDS)
            .cast()
    }

    fn missed(&self) -> u64 {
        self.nesting
            .iter()
            .fold(0, |s, n| s.wrapping_add(n.missed.load(Ordering::Relaxed)))
    }

    fn reset(&self) {
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

/// A histogram of one integer field of one marker.
struct Hist {
    /// `subsystem:event field`, as set up and shown.
    name: KVec<u8>,
    /// The marker's id when the histogram was set up.
    id: u32,
    /// The field's offset in the marker's records.
    offset: usize,
    /// The field's type, an integer type.
    ty: FieldType,
    /// `ncpu * BUCKETS` counters.
    buckets: VVec<AtomicU64>,
}

impl Hist {
    fn name(&self) -> &str {
        core::str::from_utf8(&self.name).unwrap_or("?")
    }
}

/// The histograms as the callbacks see them: a snapshot, replaced whole.
///
/// # Invariants
///
/// `hists[..len]` point to histograms owned by [`CONTROL`], each freed only after a grace period
/// that follows the publication of a snapshot without it; a snapshot is freed only after a
/// grace period that follows its replacement.
struct Snapshot {
    hists: [*const Hist; HISTS_MAX],
    len: usize,
}

// SAFETY: the histograms pointed to are counters (atomics), shared by every CPU, and alive as
// the type invariant says wherever the snapshot is used or freed.
unsafe impl Send for Snapshot {}
// SAFETY: as above; a snapshot is never written once published.
unsafe impl Sync for Snapshot {}

impl Snapshot {
    /// The histograms of the marker with id `id`.
    fn of(&self, id: u32) -> impl Iterator<Item = &Hist> {
        self.hists
            .iter()
            .take(self.len)
            // SAFETY: by the type invariant, alive while `self` is, which its user's read side
            // guarantees.
            .map(|&h| unsafe { &*h })
            .filter(move |h| h.id == id)
    }
}

/// The histograms, owned here, set up and removed under the module's mutex.
struct Control {
    /// Boxed: snapshots point to them.
    hists: KVec<KBox<Hist>>,
}

static CONTROL: GlobalLock<Control> = {
    // SAFETY: the shim's `mutex_lock()` and `mutex_unlock()` of rtrace_stats_mutex, which
    // protects nothing else.
    unsafe {
        GlobalLock::new(
            Control { hists: KVec::new() },
            rtrace_stats_lock,
            rtrace_stats_unlock,
        )
    }
};

/// The current snapshot of the histograms (none when there are none).
static SNAPSHOT: Pointer<Snapshot> = Pointer::null();

/// The tables, set before the sink is registered and cleared after it is unregistered and its
/// files are removed.
static TABLES: Pointer<Tables> = Pointer::null();

/// The sink. Its callbacks run where markers are emitted, with preemption disabled, inside the
/// site's RCU-sched read side (rust/marker.rs: `emit`).
struct StatsSink;

static SINK: StatsSink = StatsSink;

static RAW: RawSink = sink::raw_sink(c"stats", &SINK);

/// The tables, from a callback.
fn tables() -> Option<&'static Tables> {
    // SAFETY: the tables are replaced (by none) only once the sink is unregistered, which
    // returns when no callback runs any more, and its files removed, which waits for their
    // callbacks: a callback runs before, and no `replace` runs meanwhile.
    unsafe { TABLES.get_protected() }
}

/// The current snapshot, from a callback of the sink.
fn snapshot() -> Option<&'static Snapshot> {
    // SAFETY: the sink's callbacks run inside the marker site's RCU-sched read side, which holds
    // off the grace period before a replaced snapshot is freed (`replace`). The `'static` is
    // not used beyond the callback.
    unsafe { SNAPSHOT.dereference() }
}

// SAFETY: a reservation is this CPU's scratch area of its nesting level (`SCRATCH` bytes, at least
// `len`), used by nothing else until the level is released by the commit of its handle (the
// level); levels are taken and released last in, first out.
unsafe impl Sink for StatsSink {
    unsafe fn reserve(&self, id: u32, len: usize) -> Option<Reservation> {
        let t = tables()?;
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
        if !snapshot().is_some_and(|s| s.of(id).next().is_some()) {
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
        let Some(t) = tables() else {
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
                if let Some(s) = snapshot() {
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

/// A snapshot of `hists`.
fn make_snapshot<'a>(hists: impl Iterator<Item = &'a Hist>) -> Result<KBox<Snapshot>> {
    let mut s = Snapshot {
        hists: [core::ptr::null(); HISTS_MAX],
        len: 0,
    };
    for (slot, h) in s.hists.iter_mut().zip(hists) {
        *slot = h;
        s.len += 1;
    }
    Ok(KBox::new(s, GFP_KERNEL)?)
}

/// Publishes `new` (no snapshot if `None`) and frees the one it replaces once no callback can
/// see it. Sleeps.
fn replace(new: Option<KBox<Snapshot>>) {
    // The histograms `new` points to are initialised before a callback sees it (a release).
    let old = SNAPSHOT.replace(new);
    // Histograms the new snapshot leaves out are freed by the caller after this grace period,
    // which is waited for even when there was no snapshot before.
    match old {
        Some(old) => old.free(),
        None => rtrace::rcu::synchronize(),
    }
}

/// `text` as a NUL-terminated name in `buf`.
fn cname<'a>(text: &str, buf: &'a mut [u8; 65]) -> Result<&'a CStr> {
    let bytes = text.as_bytes();
    let room = buf.get_mut(..=bytes.len()).ok_or(EINVAL)?;
    if let Some((last, name)) = room.split_last_mut() {
        name.copy_from_slice(bytes);
        *last = 0;
    }
    CStr::from_bytes_with_nul(&buf[..=bytes.len()]).map_err(|_| EINVAL)
}

/// Where the field of `cmd` lies in its marker's records, from the marker core.
fn field_ref(cmd: &Command<'_>) -> Result<FieldRef> {
    let (mut a, mut b, mut c) = ([0u8; 65], [0u8; 65], [0u8; 65]);
    let subsystem = cname(cmd.subsystem, &mut a)?;
    let event = cname(cmd.event, &mut b)?;
    let field = cname(cmd.field, &mut c)?;
    let mut out = FieldRef::default();
    // SAFETY: three NUL-terminated strings and a `FieldRef` to fill, for the call.
    let ret = unsafe {
        abi::rtrace_marker_field(
            MARKER_ABI,
            subsystem.as_ptr(),
            event.as_ptr(),
            field.as_ptr(),
            &mut out,
        )
    };
    kernel::error::to_result(ret).map(|()| out)
}

/// `subsystem:event field` of `cmd`.
fn hist_name(cmd: &Command<'_>) -> Result<KVec<u8>> {
    let mut name = KVec::with_capacity(
        cmd.subsystem.len() + cmd.event.len() + cmd.field.len() + 2,
        GFP_KERNEL,
    )?;
    for part in [cmd.subsystem, ":", cmd.event, " ", cmd.field] {
        name.extend_from_slice(part.as_bytes(), GFP_KERNEL)?;
    }
    Ok(name)
}

/// Sets up the histogram of `cmd`.
fn add(control: &mut Control, cmd: &Command<'_>) -> Result {
    let (s, e, f) = (cmd.subsystem, cmd.event, cmd.field);
    let name = hist_name(cmd)?;
    if control.hists.iter().any(|h| h.name == name) {
        pr_err!("hist: {}:{} {}: already set up\n", s, e, f);
        return Err(EEXIST);
    }
    if control.hists.len() >= HISTS_MAX {
        pr_err!(
            "hist: {}:{} {}: too many histograms (at most {})\n",
            s,
            e,
            f,
            HISTS_MAX
        );
        return Err(EINVAL);
    }
    let field = match field_ref(cmd) {
        Ok(field) => field,
        Err(err) => {
            if err == ENOENT {
                pr_err!("hist: {}:{} {}: no such marker or field\n", s, e, f);
            } else {
                pr_err!("hist: {}:{} {}: lookup failed ({:?})\n", s, e, f, err);
            }
            return Err(err);
        }
    };
    let Some(ty) =
        FieldType::from_raw(field.kind, field.size).filter(|&t| histogram::is_integer(t))
    else {
        pr_err!(
            "hist: {}:{} {}: not an integer field (u8 to u64, s8 to s64, bool)\n",
            s,
            e,
            f
        );
        return Err(EINVAL);
    };
    let ncpu = tables().map_or(0, |t| t.ncpu);
    let hist = KBox::new(
        Hist {
            name,
            id: field.id,
            offset: usize::from(field.offset),
            ty,
            buckets: zeroed(ncpu * BUCKETS)?,
        },
        GFP_KERNEL,
    )?;
    control.hists.reserve(1, GFP_KERNEL)?;
    let old = control.hists.iter().map(|h| &**h);
    let snapshot = make_snapshot(Iterator::chain(old, core::iter::once(&*hist)))?;
    // Cannot fail: the room is reserved.
    control.hists.push(hist, GFP_KERNEL)?;
    replace(Some(snapshot));
    Ok(())
}

/// Removes the histogram of `cmd`.
fn remove(control: &mut Control, cmd: &Command<'_>) -> Result {
    let name = hist_name(cmd)?;
    let Some(i) = control.hists.iter().position(|h| h.name == name) else {
        pr_err!(
            "hist: {}:{} {}: no such histogram\n",
            cmd.subsystem,
            cmd.event,
            cmd.field
        );
        return Err(ENOENT);
    };
    let rest = control
        .hists
        .iter()
        .enumerate()
        .filter(|&(j, _)| j != i)
        .map(|(_, h)| &**h);
    let snapshot = if control.hists.len() > 1 {
        Some(make_snapshot(rest)?)
    } else {
        None
    };
    replace(snapshot);
    // No callback sees it any more.
    drop(kvec::remove(&mut control.hists, i));
    Ok(())
}

/// A write to `hist`, past the checks every control file makes (`command_write`).
fn hist_command(text: &str) -> Result {
    let cmd = histogram::parse(text.as_bytes()).map_err(|e| {
        pr_err!("hist: {}\n", e.reason());
        EINVAL
    })?;
    let mut control = CONTROL.lock();
    if cmd.remove {
        remove(&mut control, &cmd)
    } else {
        add(&mut control, &cmd)
    }
}

#[no_mangle]
extern "C" fn rtrace_stats_hist_write(
    _file: *mut bindings::file,
    buf: *const c_char,
    len: usize,
    _ppos: *mut bindings::loff_t,
) -> isize {
    command_write::<COMMAND_MAX>("hist", buf, len, hist_command)
}

/// A write to `reset`, past the checks every control file makes.
fn reset_command(text: &str) -> Result {
    if text.trim_matches(|c: char| c.is_ascii_whitespace()) != "1" {
        pr_err!("reset: write 1 to zero the counts and histograms\n");
        return Err(EINVAL);
    }
    if let Some(t) = tables() {
        t.reset();
    }
    for h in CONTROL.lock().hists.iter() {
        for c in h.buckets.iter() {
            c.store(0, Ordering::Relaxed);
        }
    }
    Ok(())
}

#[no_mangle]
extern "C" fn rtrace_stats_reset_write(
    _file: *mut bindings::file,
    buf: *const c_char,
    len: usize,
    _ppos: *mut bindings::loff_t,
) -> isize {
    command_write::<RESET_MAX>("reset", buf, len, reset_command)
}

/// Writes the name of the marker with id `id`: `subsystem:event`, or `id:N` if none has it.
fn write_marker_name(out: &mut SeqFile, id: u32) {
    let mut name = [0u8; 2 * rtrace::record::NAME_MAX + 1];
    let (at, len) = (name.as_mut_ptr().cast(), name.len());
    // SAFETY: `name` is valid for writes of its length for the call.
    let n = unsafe { abi::rtrace_marker_name(MARKER_ABI, id, at, len) };
    let text = usize::try_from(n)
        .ok()
        .filter(|&n| n > 0)
        .and_then(|n| name.get(..n))
        .and_then(|bytes| core::str::from_utf8(bytes).ok());
    let _ = match text {
        Some(text) => out.write_str(text),
        None => write!(out, "id:{id}"),
    };
}

#[no_mangle]
extern "C" fn rtrace_stats_counts_show(m: *mut bindings::seq_file, _v: *mut c_void) -> c_int {
    // SAFETY: `m` is the seq_file of this show callback, used only during it.
    let mut out = unsafe { SeqFile::from_raw(m) };
    let Some(t) = tables() else {
        return 0;
    };
    // Each counter is read once: the columns of a line add up to its total.
    let mut row = match KVec::from_elem(0u64, t.ncpu, GFP_KERNEL) {
        Ok(row) => row,
        Err(_) => return ENOMEM.to_errno(),
    };
    let _ = write!(out, "# marker total");
    for cpu in 0..t.ncpu {
        let _ = write!(out, " cpu{cpu}");
    }
    let _ = writeln!(out);
    // Ids in order, then `other`.
    for slot in Iterator::chain(1..SLOTS, core::iter::once(0)) {
        let mut total = 0u64;
        for (cpu, value) in row.iter_mut().enumerate() {
            *value = t
                .counts
                .get(cpu * SLOTS + slot)
                .map_or(0, |c| c.load(Ordering::Relaxed));
            total = total.wrapping_add(*value);
        }
        if total == 0 {
            continue;
        }
        if slot == 0 {
            let _ = out.write_str("other");
        } else {
            write_marker_name(&mut out, slot as u32);
        }
        let _ = write!(out, " {total}");
        for value in row.iter() {
            let _ = write!(out, " {value}");
        }
        let _ = writeln!(out);
    }
    0
}

#[no_mangle]
extern "C" fn rtrace_stats_hist_show(m: *mut bindings::seq_file, _v: *mut c_void) -> c_int {
    // SAFETY: `m` is the seq_file of this show callback, used only during it.
    let mut out = unsafe { SeqFile::from_raw(m) };
    let Some(t) = tables() else {
        return 0;
    };
    let control = CONTROL.lock();
    for h in control.hists.iter() {
        let _ = writeln!(out, "# {}", h.name());
        let mut total = 0u64;
        for k in histogram::display_order() {
            let count = sum(&h.buckets, t.ncpu, BUCKETS, k);
            if count != 0 {
                let _ = histogram::write_bucket(&mut out, k, count);
                total = total.wrapping_add(count);
            }
        }
        let _ = writeln!(out, "total {total}");
    }
    let _ = writeln!(out, "hist_missed {}", t.missed());
    0
}

struct StatsModule {
    dir: Option<Dir>,
    sink: Option<Registration>,
}

impl kernel::Module for StatsModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let tables = Tables::new()?;
        let ncpu = tables.ncpu;
        // Nothing was published before: no grace period to wait for (dropping `None`).
        drop(TABLES.replace(Some(tables)));
        // From here on, a failure drops `this`, which frees what was set up.
        let mut this = Self {
            dir: None,
            sink: None,
        };
        // SAFETY: no precondition; the marker core, on which this module depends, owns the
        // directory and outlives this module.
        let sinks = unsafe { abi::rtrace_sinks_debugfs_dir(MARKER_ABI) };
        if sinks.is_null() {
            pr_warn!("no debugfs: /sys/kernel/debug/rtrace/sinks/stats not created\n");
        } else {
            // SAFETY: `sinks` is live for as long as this module (see above).
            let sinks = unsafe { Dir::borrowed(sinks) };
            let dir = Dir::new(c"stats", Some(&sinks))?;
            // SAFETY: `dir` is a live debugfs directory; the files go with it.
            kernel::error::from_err_ptr(unsafe { rtrace_stats_create_files(dir.as_ptr()) })?;
            this.dir = Some(dir);
        }
        this.sink = Some(Registration::new(&RAW, &crate::THIS_MODULE)?);
        pr_info!(
            "sink stats registered: {} CPUs, marker ids 1 to {} counted by id\n",
            ncpu,
            IDS
        );
        Ok(this)
    }
}

impl Drop for StatsModule {
    fn drop(&mut self) {
        // Unregistering returns once no callback runs; removing the files waits for their
        // callbacks. Then nothing uses the histograms or the tables any more.
        self.sink = None;
        self.dir = None;
        // No user is left; the grace periods the retired values wait for are short.
        drop(SNAPSHOT.replace(None));
        drop(core::mem::take(&mut CONTROL.lock().hists));
        drop(TABLES.replace(None));
    }
}
