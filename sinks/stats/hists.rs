// SPDX-License-Identifier: GPL-2.0

//! The statistics sink's histograms: set up and removed by writes to `hist` under the module's
//! mutex ([`CONTROL`]), seen by the sink's callbacks through a snapshot published with an
//! `rcu::Pointer` ([`SNAPSHOT`]) and replaced whole.

use core::ffi::CStr;
use core::sync::atomic::AtomicU64;

use kernel::bindings;
use kernel::prelude::*;

use crate::histogram::{self, Command, BUCKETS, HISTS_MAX};
use crate::rtrace;
use crate::rtrace::abi::{self, FieldRef, MARKER_ABI};
use crate::rtrace::kernel::global_lock::GlobalLock;
use crate::rtrace::kernel::kvec;
use crate::rtrace::kernel::rcu::Pointer;
use crate::rtrace::marker::record::FieldType;
use crate::tables::{tables, zeroed};

/// A histogram of one integer field of one marker.
pub(crate) struct Hist {
    /// `subsystem:event field`, as set up and shown.
    name: KVec<u8>,
    /// The marker's id when the histogram was set up.
    id: u32,
    /// The field's offset in the marker's records.
    pub(crate) offset: usize,
    /// The field's type, an integer type.
    pub(crate) ty: FieldType,
    /// `ncpu * BUCKETS` counters.
    pub(crate) buckets: VVec<AtomicU64>,
}

impl Hist {
    pub(crate) fn name(&self) -> &str {
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
pub(crate) struct Snapshot {
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
    pub(crate) fn of(&self, id: u32) -> impl Iterator<Item = &Hist> {
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
pub(crate) struct Control {
    /// Boxed: snapshots point to them.
    pub(crate) hists: KVec<KBox<Hist>>,
}

pub(crate) static CONTROL: GlobalLock<Control> = {
    extern "C" {
        /// `DEFINE_MUTEX` in sinks/stats/stats_shim.c.
        static rtrace_stats_mutex: kernel::types::Opaque<bindings::mutex>;
    }
    // SAFETY: rtrace_stats_mutex is defined by `DEFINE_MUTEX` and protects nothing else.
    unsafe { GlobalLock::new(Control { hists: KVec::new() }, &rtrace_stats_mutex) }
};

/// The current snapshot of the histograms (none when there are none).
pub(crate) static SNAPSHOT: Pointer<Snapshot> = Pointer::null();

/// The current snapshot, from a callback of the sink.
///
/// # Safety
///
/// The caller runs inside an RCU-sched read-side section (a callback of the sink: the marker
/// site's) and uses the result only within it.
pub(crate) unsafe fn snapshot<'a>() -> Option<&'a Snapshot> {
    // SAFETY: inside the caller's read side (its promise), which holds off the grace period
    // before a replaced snapshot is freed (`replace`).
    unsafe { SNAPSHOT.dereference() }
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
        None => rtrace::kernel::rcu::synchronize(),
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
    // SAFETY: `add` runs for a write to `hist`, a callback of this module's debugfs file.
    let ncpu = unsafe { tables() }.map_or(0, |t| t.ncpu);
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
pub(crate) fn hist_command(text: &str) -> Result {
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
