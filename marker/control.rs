// SPDX-License-Identifier: GPL-2.0

//! Run-time control of markers: connections by glob (`set_event`, a marker's `enable`), filters
//! (a marker's `filter`), and what the listing files show. Every change is checked whole before
//! anything is applied; a failure leaves everything as it was, with one line in the kernel log
//! saying why.

use core::fmt::Write;

use kernel::prelude::*;

use crate::filter::{glob_match, Filter};
use crate::registry::{copy, label, read, sink_name, text, Entry, Registry, PENDING_MAX};
use crate::rtrace::abi::RawMarker;
use crate::rtrace::kernel::kvec;
use crate::rtrace::kernel::rcu::{Pointer, Retired};
use crate::rtrace::marker::record::{Field, FieldType, FIELDS_MAX};
use crate::rtrace::marker::text::Escaped;
use crate::set_event::{is_glob, Word};

/// Most connections one write may make. Removals are not counted: they are bounded by the
/// connections that exist, and `!*:*:*` must remove them all.
const CHANGES_MAX: usize = 1024;

/// One planned change: connect (or disconnect) `sink` and `subsystem:event`.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Change<'a> {
    remove: bool,
    subsystem: &'a [u8],
    event: &'a [u8],
    sink: &'a [u8],
}

impl Registry {
    /// Applies `words` (from `file`, for messages): every word is expanded against the
    /// registered sinks, markers and connections first, into a plan without duplicates (words
    /// may overlap). A connecting word that matches nothing refuses the whole write with
    /// `ENOENT`; a disconnecting word that matches nothing changes nothing, as in ftrace.
    /// Connections are then made (undone if one fails), then removed. Returns whether the
    /// caller must wait for a grace period (something was removed, or connected and undone).
    pub(crate) fn apply(&mut self, file: &str, words: &[Word<'_>]) -> Result<bool> {
        // Sorted, so that a duplicate is found by binary search.
        let mut plan: KVec<Change<'_>> = KVec::new();
        // The plan borrows names from `self` and from `words`; it is applied below, after the
        // borrows of `self` end, through copies.
        for w in words {
            if w.remove {
                for c in self.connections.iter() {
                    if glob_match(w.sink, &c.sink)
                        && glob_match(w.subsystem, &c.subsystem)
                        && glob_match(w.event, &c.event)
                    {
                        push(&mut plan, true, &c.sink, &c.subsystem, &c.event)?;
                    }
                }
                continue;
            }
            let mut matched = false;
            let sinks = self.sinks.iter().map(|s| sink_name(s.raw));
            let literal_sink = (!is_glob(w.sink)).then_some(w.sink);
            let markers = self.markers.iter().map(|m| {
                let (s, e) = label(m.raw);
                (s.as_bytes(), e.as_bytes())
            });
            let literal_marker =
                (!is_glob(w.subsystem) && !is_glob(w.event)).then_some((w.subsystem, w.event));
            let sinks = Iterator::chain(
                literal_sink.into_iter(),
                sinks.filter(|s| literal_sink.is_none() && glob_match(w.sink, s)),
            );
            for sink in sinks {
                let pairs = Iterator::chain(
                    literal_marker.into_iter(),
                    markers.clone().filter(|(s, e)| {
                        literal_marker.is_none()
                            && glob_match(w.subsystem, s)
                            && glob_match(w.event, e)
                    }),
                );
                for (subsystem, event) in pairs {
                    // Connecting what is connected already, or planned by an earlier word of
                    // this write, is not an error.
                    matched = true;
                    if !self.has_connection(sink, subsystem, event) {
                        push(&mut plan, false, sink, subsystem, event)?;
                    }
                }
            }
            if !matched && !self.matches_any(w) {
                pr_err!(
                    "{}: '{}:{}:{}' matches no sink or marker\n",
                    file,
                    Escaped(w.sink),
                    Escaped(w.subsystem),
                    Escaped(w.event),
                );
                return Err(ENOENT);
            }
        }
        // Pending connections are capped: counted before this write's removals.
        let new_pending = plan
            .iter()
            .filter(|c| !c.remove && self.is_pending(c.sink, c.subsystem, c.event))
            .count();
        if self.pending() + new_pending > PENDING_MAX {
            pr_err!(
                "{}: {} more pending connections, {} already: at most {} in all\n",
                file,
                new_pending,
                self.pending(),
                PENDING_MAX
            );
            return Err(ENOSPC);
        }
        // Copies, so that the registry can change under the plan.
        let mut owned: KVec<(bool, [KVec<u8>; 3])> = KVec::with_capacity(plan.len(), GFP_KERNEL)?;
        for c in plan.iter() {
            owned.push(
                (
                    c.remove,
                    [copy(c.sink)?, copy(c.subsystem)?, copy(c.event)?],
                ),
                GFP_KERNEL,
            )?;
        }
        drop(plan);
        let mut done = 0;
        let (mut pending, mut first) = (0, None);
        for (remove, [k, s, e]) in owned.iter() {
            if *remove {
                continue;
            }
            let made = self.connect(k, s, e);
            if let Ok(true) = made {
                pending += 1;
                first.get_or_insert([k.as_slice(), s.as_slice(), e.as_slice()]);
            }
            if let Err(err) = made {
                pr_err!(
                    "{}: connecting {}:{}:{} failed ({:?}): nothing changed\n",
                    file,
                    text(k),
                    text(s),
                    text(e),
                    err
                );
                for (_, [k, s, e]) in owned.iter().filter(|(r, _)| !r).take(done) {
                    let _ = self.disconnect(k, s, e);
                }
                return Err(err);
            }
            done += 1;
        }
        // Once per write: a typo in a literal name arms a connection that may never be made.
        if let Some(first) = first {
            self.log_pending(file, pending, first);
        }
        let mut removed = false;
        for (_, [k, s, e]) in owned.iter().filter(|(r, _)| *r) {
            // Cannot fail: planned from the connections, and only removals follow.
            removed |= self.disconnect(k, s, e).is_ok();
        }
        Ok(removed)
    }

    /// Whether `w` (a connecting word) names at least one existing connection.
    fn matches_any(&self, w: &Word<'_>) -> bool {
        self.connections.iter().any(|c| {
            glob_match(w.sink, &c.sink)
                && glob_match(w.subsystem, &c.subsystem)
                && glob_match(w.event, &c.event)
        })
    }

    /// Whether `entry` is a registered marker's entry.
    pub(crate) fn holds(&self, entry: *const Entry) -> bool {
        self.markers.iter().any(|m| core::ptr::eq(&**m, entry))
    }

    /// How many connections name the sink `name`.
    pub(crate) fn connections_of(&self, name: &[u8]) -> usize {
        self.connections
            .iter()
            .filter(|c| c.sink.as_slice() == name)
            .count()
    }

    /// The registered marker with id `id`.
    pub(crate) fn by_id(&self, id: u32) -> Option<&Entry> {
        self.markers.iter().find(|m| m.id == id).map(|m| &**m)
    }

    /// `available_markers`: `subsystem:event` lines, by id.
    pub(crate) fn write_markers(&self, out: &mut impl Write) {
        let mut last = 0;
        // Few markers: a selection by increasing id needs no allocation.
        while let Some(m) = self
            .markers
            .iter()
            .filter(|m| m.id > last)
            .min_by_key(|m| m.id)
        {
            let (s, e) = label(m.raw);
            let _ = writeln!(out, "{s}:{e}");
            last = m.id;
        }
    }

    /// `available_sinks`: one name per line.
    pub(crate) fn write_sinks(&self, out: &mut impl Write) {
        for s in self.sinks.iter() {
            let _ = writeln!(out, "{}", text(sink_name(s.raw)));
        }
    }

    /// `set_event`: `sink:subsystem:event` lines, by marker then sink, with ` pending` after
    /// those whose sink or marker is not registered.
    pub(crate) fn write_connections(&self, out: &mut impl Write) {
        for c in self.connections.iter() {
            let _ = writeln!(
                out,
                "{}:{}:{}{}",
                text(&c.sink),
                text(&c.subsystem),
                text(&c.event),
                if self.is_pending(&c.sink, &c.subsystem, &c.event) {
                    " pending"
                } else {
                    ""
                }
            );
        }
    }

    /// A marker's `enable`: the names of the sinks connected to it, with ` pending` after those
    /// not registered.
    pub(crate) fn write_enable(&self, entry: &Entry, out: &mut impl Write) {
        let (s, e) = label(entry.raw);
        for c in self.connections_to(s.as_bytes(), e.as_bytes()) {
            let pending = if self.sink_registered(&c.sink) {
                ""
            } else {
                " pending"
            };
            let _ = writeln!(out, "{}{}", text(&c.sink), pending);
        }
    }

    /// Sets (or, for `0`, clears) `entry`'s filter. Returns the filter replaced, which dropping
    /// frees after a grace period (sites in flight may still evaluate it): drop it once the
    /// registry's mutex is released.
    pub(crate) fn set_filter(
        &mut self,
        entry: *const Entry,
        expression: &str,
    ) -> Result<Option<Retired<Filter>>> {
        let entry = self
            .markers
            .iter_mut()
            .find(|m| core::ptr::eq(&***m, entry))
            .ok_or(EIO)?;
        // The grammar is ASCII: other whitespace is not trimmed (and is refused by the parser).
        let expression = expression.trim_matches(|c: char| c.is_ascii_whitespace());
        let (s, e) = label(entry.raw);
        let new = if expression == "0" {
            None
        } else {
            let mut fields = [Field {
                name: "",
                ty: FieldType::U8,
            }; FIELDS_MAX];
            let (_, _, n) = read(entry.raw, &mut fields).map_err(|_| EINVAL)?;
            match Filter::compile(&fields[..n], expression.as_bytes()) {
                Ok(filter) => Some(KBox::new(filter, GFP_KERNEL)?),
                Err(why) => {
                    pr_err!(
                        "{}:{} filter: {}: '{}'\n",
                        s,
                        e,
                        why.message(),
                        Escaped(expression.as_bytes())
                    );
                    return Err(EINVAL);
                }
            }
        };
        let mut text = KVec::new();
        if new.is_some() {
            text = copy(expression.as_bytes())?;
        }
        entry.filter_text = text;
        Ok(filter(entry.raw).replace(new))
    }
}

/// The filter of a marker, as the core publishes it and its sites' calls evaluate it.
pub(crate) fn filter(marker: &RawMarker) -> &Pointer<Filter> {
    // SAFETY: only the core stores into a marker's filter (`RawMarker::filter`'s contract), and
    // only through this view: a `KBox<Filter>` or null, null from the marker's creation, replaced
    // by null before the marker is unregistered (registry.rs: `remove`).
    unsafe { Pointer::from_erased(marker.filter()) }
}

/// Adds a change to the sorted `plan`, unless it is there already.
fn push<'a>(
    plan: &mut KVec<Change<'a>>,
    remove: bool,
    sink: &'a [u8],
    subsystem: &'a [u8],
    event: &'a [u8],
) -> Result {
    let change = Change {
        remove,
        subsystem,
        event,
        sink,
    };
    let Err(at) = plan.binary_search(&change) else {
        return Ok(());
    };
    // Connections sort before removals.
    if !remove && plan.partition_point(|c| !c.remove) >= CHANGES_MAX {
        pr_err!(
            "set_event: more than {} connections in one write\n",
            CHANGES_MAX
        );
        return Err(E2BIG);
    }
    kvec::insert(plan, at, change, GFP_KERNEL)
}
