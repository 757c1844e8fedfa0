// SPDX-License-Identifier: GPL-2.0

//! The registry of tracepoints and probes, by name, whether the tracepoint is defined yet or not.
//!
//! An [`Entry`] exists for each name that is defined by a module or has probes registered. Its
//! probes are kept in call order (rust/probe_array.rs); while the tracepoint is defined, the
//! entry's probes are also published as the tracepoint's RCU-protected array (probes.rs) and its
//! static key is on. A probe registered before the tracepoint's module loads waits here,
//! *pending*, and is connected by `define`; `undefine` makes it pending again.
//!
//! Every function here runs under `rtrace_tracepoints_mutex` (the [`Guard`] of [`lock`]).

use core::ffi::{c_void, CStr};

use kernel::bindings;
use kernel::prelude::*;

use crate::probes;
use crate::rtrace::abi::{RawTracepoint, NAME_MAX, SIGNATURE_MAX};
use crate::rtrace::declaration::{normalize_signature, valid_name};
use crate::rtrace::global_lock::{GlobalLock, Guard};
use crate::rtrace::kvec;
use crate::rtrace::probe_array::{self, AddError, Probe};

/// A registered probe.
pub(crate) struct Registration {
    pub(crate) func: *const c_void,
    pub(crate) data: *const c_void,
    pub(crate) prio: i32,
    /// The module that registered it: it must unregister before it goes.
    pub(crate) owner: *mut bindings::module,
}

impl Probe for Registration {
    fn key(&self) -> (usize, usize) {
        (self.func as usize, self.data as usize)
    }
    fn prio(&self) -> i32 {
        self.prio
    }
}

/// Everything known under one tracepoint name.
pub(crate) struct Entry {
    pub(crate) name: KVec<u8>,
    /// Normalized (rust/declaration.rs); fixed by whoever created the entry.
    pub(crate) signature: KVec<u8>,
    /// The definition, when a module has defined the tracepoint.
    pub(crate) defined: Option<Definition>,
    /// In call order.
    pub(crate) probes: KVec<Registration>,
}

/// A tracepoint defined by a loaded module.
pub(crate) struct Definition {
    pub(crate) tp: &'static RawTracepoint,
    pub(crate) owner: *mut bindings::module,
}

/// All entries.
pub(crate) struct Registry {
    pub(crate) entries: KVec<Entry>,
}

// SAFETY: the raw pointers in the registry are to modules, tracepoints, markers, sinks and
// dentries that stay valid while registered, whichever task holds the registry's mutex.
unsafe impl Send for Registry {}

/// The registry. Protected by rtrace_tracepoints_mutex.
static REGISTRY: GlobalLock<Registry> = {
    extern "C" {
        fn rtrace_tracepoints_lock();
        fn rtrace_tracepoints_unlock();
    }
    // SAFETY: the shim's `mutex_lock()` and `mutex_unlock()` of rtrace_tracepoints_mutex, which protects
    // nothing else.
    unsafe {
        GlobalLock::new(
            Registry {
                entries: KVec::new(),
            },
            rtrace_tracepoints_lock,
            rtrace_tracepoints_unlock,
        )
    }
};

/// Takes the registry mutex (sleeps).
pub(crate) fn lock() -> Guard<'static, Registry> {
    REGISTRY.lock()
}

pub(crate) use crate::rtrace::module::name as module_name;

fn copy(bytes: &[u8]) -> Result<KVec<u8>> {
    let mut v = KVec::with_capacity(bytes.len(), GFP_KERNEL)?;
    v.extend_from_slice(bytes, GFP_KERNEL)?;
    Ok(v)
}

fn normalized(signature: &[u8]) -> Result<KVec<u8>> {
    let mut out = KVec::with_capacity(signature.len() + signature.len() / 2 + 1, GFP_KERNEL)?;
    let mut failed = false;
    normalize_signature(signature, |c| failed |= out.push(c, GFP_KERNEL).is_err());
    if failed {
        return Err(ENOMEM);
    }
    Ok(out)
}

fn text(bytes: &[u8]) -> &str {
    core::str::from_utf8(bytes).unwrap_or("?")
}

/// Checks a name and signature given by `who`, returning the normalized signature.
fn check_declaration(
    name: &[u8],
    signature: &[u8],
    who: *mut bindings::module,
) -> Result<KVec<u8>> {
    if !valid_name(name, NAME_MAX) {
        pr_err!(
            "module {}: invalid tracepoint name '{}' (1 to {} of [A-Za-z0-9_])\n",
            // SAFETY: `who` is the calling module, loaded during the call.
            unsafe { module_name(who) },
            text(&name[..name.len().min(NAME_MAX + 1)]),
            NAME_MAX
        );
        return Err(EINVAL);
    }
    if signature.len() > SIGNATURE_MAX {
        pr_err!(
            "module {}: tracepoint {}: signature longer than {} bytes\n",
            // SAFETY: `who` is the calling module, loaded during the call.
            unsafe { module_name(who) },
            text(name),
            SIGNATURE_MAX
        );
        return Err(EINVAL);
    }
    normalized(signature)
}

impl Registry {
    fn find(&self, name: &[u8]) -> Option<usize> {
        self.entries.iter().position(|e| e.name.as_slice() == name)
    }

    /// The entry for `name`, created if needed; refuses a signature other than the entry's.
    fn entry(
        &mut self,
        name: &[u8],
        signature: KVec<u8>,
        who: *mut bindings::module,
    ) -> Result<usize> {
        if let Some(i) = self.find(name) {
            let e = &self.entries[i];
            if e.signature.as_slice() != signature.as_slice() {
                pr_err!(
                    "module {}: tracepoint {}({}) does not match its declaration {}({}){}: refused\n",
                    // SAFETY: `who` is the calling module, loaded during the call.
                    unsafe { module_name(who) },
                    text(name),
                    text(&signature),
                    text(name),
                    text(&e.signature),
                    if e.defined.is_some() {
                        " in the defining module"
                    } else {
                        " of the probes already registered"
                    }
                );
                return Err(EINVAL);
            }
            return Ok(i);
        }
        let entry = Entry {
            name: copy(name)?,
            signature,
            defined: None,
            probes: KVec::new(),
        };
        self.entries.push(entry, GFP_KERNEL)?;
        Ok(self.entries.len() - 1)
    }

    /// Drops entry `i` if nothing refers to it any more.
    fn prune(&mut self, i: usize) {
        let e = &self.entries[i];
        if e.defined.is_none() && e.probes.is_empty() {
            let _ = kvec::swap_remove(&mut self.entries, i);
        }
    }

    /// Defines `tp` for `owner` and connects its pending probes.
    pub(crate) fn define(
        &mut self,
        tp: &'static RawTracepoint,
        owner: *mut bindings::module,
    ) -> Result {
        // SAFETY: by the type invariant of `RawTracepoint` both strings are static and
        // NUL-terminated.
        let (name, signature) = unsafe { (CStr::from_ptr(tp.name), CStr::from_ptr(tp.signature)) };
        let (name, signature) = (name.to_bytes(), signature.to_bytes());
        let signature = check_declaration(name, signature, owner)?;
        let i = self.entry(name, signature, owner)?;
        let e = &mut self.entries[i];
        if let Some(d) = &e.defined {
            pr_err!(
                "module {}: tracepoint {} is already defined by module {}\n",
                // SAFETY: `owner` is the calling module, loaded during the call.
                unsafe { module_name(owner) },
                text(name),
                // SAFETY: `d.owner` holds a registration, kept by the registry's mutex.
                unsafe { module_name(d.owner) }
            );
            return Err(EEXIST);
        }
        if let Err(err) = probes::publish(tp, &e.probes) {
            self.prune(i);
            return Err(err);
        }
        // The array is published before the key turns on: a site that sees the key enabled
        // finds the array (or, if it races with the publication, a null array, and skips).
        if !e.probes.is_empty() {
            tp.key.enable();
        }
        e.defined = Some(Definition { tp, owner });
        Ok(())
    }

    /// Removes the definition of `tp`; its probes stay, pending. Waits for a grace period, so
    /// that no CPU is left in the tracepoint's site when this returns.
    pub(crate) fn undefine(&mut self, tp: &RawTracepoint) -> Result {
        let Some(i) = self
            .entries
            .iter()
            .position(|e| e.defined.as_ref().is_some_and(|d| core::ptr::eq(d.tp, tp)))
        else {
            return Err(ENOENT);
        };
        let e = &mut self.entries[i];
        // The key goes off first, then the array: sites stop entering, then lose their probes.
        tp.key.disable();
        // Publishing an empty list does not allocate.
        let _ = probes::publish(tp, &[]);
        e.defined = None;
        self.prune(i);
        crate::rtrace::rcu::synchronize();
        Ok(())
    }

    /// Registers a probe for `name` (defined or not).
    pub(crate) fn register(
        &mut self,
        name: &[u8],
        signature: &[u8],
        probe: Registration,
    ) -> Result {
        let signature = check_declaration(name, signature, probe.owner)?;
        let i = self.entry(name, signature, probe.owner)?;
        let result = self.connect(i, probe);
        if result.is_err() {
            self.prune(i);
        }
        result
    }

    fn connect(&mut self, i: usize, probe: Registration) -> Result {
        let e = &mut self.entries[i];
        let at = match probe_array::add_position(&e.probes, probe.key(), probe.prio) {
            Ok(at) => at,
            Err(AddError::Exists) => return Err(EEXIST),
        };
        kvec::insert(&mut e.probes, at, probe, GFP_KERNEL)?;
        if let Some(d) = &e.defined {
            if let Err(err) = probes::publish(d.tp, &e.probes) {
                kvec::remove(&mut e.probes, at);
                return Err(err);
            }
            if e.probes.len() == 1 {
                d.tp.key.enable();
            }
        }
        Ok(())
    }

    /// Unregisters the probe (`func`, `data`) from `name`. Never fails for lack of memory.
    pub(crate) fn unregister(
        &mut self,
        name: &[u8],
        func: *const c_void,
        data: *const c_void,
    ) -> Result {
        let i = self.find(name).ok_or(ENOENT)?;
        let e = &mut self.entries[i];
        let at = probe_array::find(&e.probes, (func as usize, data as usize)).ok_or(ENOENT)?;
        kvec::remove(&mut e.probes, at);
        if let Some(d) = &e.defined {
            if e.probes.is_empty() {
                // Last one: the key goes off before the array, as in `undefine`.
                d.tp.key.disable();
            }
            if probes::publish(d.tp, &e.probes).is_err() {
                probes::stub_out(d.tp, func, data);
            }
        }
        self.prune(i);
        Ok(())
    }

    /// Cleans up after a module that went without undoing its definitions or registrations.
    /// Returns whether anything was removed (the caller then waits for a grace period).
    pub(crate) fn module_going(&mut self, module: *mut bindings::module) -> bool {
        let mut removed = false;
        let mut i = 0;
        while i < self.entries.len() {
            let e = &mut self.entries[i];
            while let Some(at) = e.probes.iter().position(|p| p.owner == module) {
                pr_err!(
                    "module {} went without unregistering its probe from tracepoint {}: disconnected\n",
                    // SAFETY: `module` is going; it is freed only after the notifier returns.
                    unsafe { module_name(module) },
                    text(&e.name)
                );
                let p = kvec::remove(&mut e.probes, at);
                if let Some(d) = &e.defined {
                    if e.probes.is_empty() {
                        d.tp.key.disable();
                    }
                    if probes::publish(d.tp, &e.probes).is_err() {
                        probes::stub_out(d.tp, p.func, p.data);
                    }
                }
                removed = true;
            }
            if let Some(d) = e.defined.as_ref().filter(|d| d.owner == module) {
                pr_err!(
                    "module {} went without removing its tracepoint {}: removed\n",
                    // SAFETY: `module` is going; it is freed only after the notifier returns.
                    unsafe { module_name(module) },
                    text(&e.name)
                );
                d.tp.key.disable();
                let _ = probes::publish(d.tp, &[]);
                e.defined = None;
                removed = true;
            }
            let before = self.entries.len();
            self.prune(i);
            if self.entries.len() == before {
                i += 1;
            }
        }
        removed
    }
}
