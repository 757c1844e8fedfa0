// SPDX-License-Identifier: GPL-2.0

//! The registry of tracepoints and probes, by name, whether the tracepoint is defined yet or not.
//!
//! An [`Entry`] exists for each name that is defined by a module or has probes registered. Its
//! probes are kept in call order (rust/tracepoint/probe_array.rs); while the tracepoint is defined, the
//! entry's probes are also published as the tracepoint's RCU-protected array (probes.rs) and its
//! static key is on. A probe registered before the tracepoint's module loads waits here,
//! *pending*, and is connected by `define`; `undefine` makes it pending again.
//!
//! Every function here runs under `rtrace_tracepoints_mutex` (the [`Guard`] of [`lock`]).

use core::ffi::c_void;
use core::fmt::Write;

use kernel::bindings;
use kernel::prelude::*;

use crate::probes::{self, Transitions};
use crate::rtrace::abi::{RawTracepoint, ARGS_MAX, NAME_MAX, SIGNATURE_MAX};
use crate::rtrace::kernel::global_lock::{GlobalLock, Guard};
use crate::rtrace::kernel::kvec;
use crate::rtrace::tracepoint::declaration::{self, normalize_signature, valid_name};
use crate::rtrace::tracepoint::probe_array::{self, AddError, Probe};

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
    /// Normalized (rust/tracepoint/declaration.rs); fixed by whoever created the entry, and shown.
    pub(crate) signature: KVec<u8>,
    /// The identity of the argument types (`type/size/align, ...`): what is compared.
    pub(crate) types: KVec<u8>,
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
    /// The grace periods owed between static-call transitions (tracepoint/probes.rs).
    transitions: Transitions,
}

// SAFETY: the raw pointers in the registry are to modules, tracepoints, markers, sinks and
// dentries that stay valid while registered, whichever task holds the registry's mutex.
unsafe impl Send for Registry {}

/// The registry. Protected by rtrace_tracepoints_mutex.
static REGISTRY: GlobalLock<Registry> = {
    extern "C" {
        /// `DEFINE_MUTEX` in tracepoint/tracepoint_shim.c.
        static rtrace_tracepoints_mutex: kernel::types::Opaque<bindings::mutex>;
    }
    // SAFETY: rtrace_tracepoints_mutex is defined by `DEFINE_MUTEX` and protects nothing else.
    unsafe {
        GlobalLock::new(
            Registry {
                entries: KVec::new(),
                transitions: Transitions::new(),
            },
            &rtrace_tracepoints_mutex,
        )
    }
};

/// Takes the registry mutex (sleeps).
pub(crate) fn lock() -> Guard<'static, Registry> {
    REGISTRY.lock()
}

pub(crate) use crate::rtrace::kernel::module::name as module_name;

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

/// Writes into a `KVec`, failing when memory is short.
struct Text(KVec<u8>);

impl Write for Text {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.0
            .extend_from_slice(s.as_bytes(), GFP_KERNEL)
            .map_err(|_| core::fmt::Error)
    }
}

/// The identity of `tp`'s argument types: `type/size/align` for each, separated by `, `.
fn identity(tp: &RawTracepoint, who: *mut bindings::module) -> Result<KVec<u8>> {
    let mut out = Text(KVec::new());
    for i in 0..=ARGS_MAX {
        let Some((name, size, align)) = tp.arg_type(i).get() else {
            return Ok(out.0);
        };
        if i == ARGS_MAX {
            break;
        }
        if i != 0 {
            out.write_str(", ").map_err(|_| ENOMEM)?;
        }
        // The type's path inside its crate (see `write_type_name`), then its size and alignment.
        let mut failed = false;
        declaration::write_type_name(name.as_bytes(), |c| {
            failed |= out.0.push(c, GFP_KERNEL).is_err();
        });
        if failed {
            return Err(ENOMEM);
        }
        write!(out, "/{size}/{align}").map_err(|_| ENOMEM)?;
    }
    pr_err!(
        "module {}: tracepoint {}: more than {} arguments\n",
        // SAFETY: `who` is the calling module, loaded during the call.
        unsafe { module_name(who) },
        text(tp.name().to_bytes()),
        ARGS_MAX
    );
    Err(EINVAL)
}

/// A tracepoint's declaration as the registry keeps it.
struct Declaration<'a> {
    name: &'a [u8],
    signature: KVec<u8>,
    types: KVec<u8>,
}

/// Checks the declaration of `tp` given by `who`: name, signature text and argument types.
fn check_declaration(
    tp: &RawTracepoint,
    who: *mut bindings::module,
) -> Result<Declaration<'static>> {
    let (name, signature) = (tp.name().to_bytes(), tp.signature().to_bytes());
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
    Ok(Declaration {
        name,
        signature: normalized(signature)?,
        types: identity(tp, who)?,
    })
}

impl Registry {
    fn find(&self, name: &[u8]) -> Option<usize> {
        self.entries.iter().position(|e| e.name.as_slice() == name)
    }

    /// The entry for `decl`'s name, created if needed; refuses argument types other than the
    /// entry's.
    fn entry(&mut self, decl: Declaration<'_>, who: *mut bindings::module) -> Result<usize> {
        if let Some(i) = self.find(decl.name) {
            let e = &self.entries[i];
            if e.types.as_slice() != decl.types.as_slice() {
                pr_err!(
                    "module {}: tracepoint {}({}) does not match its declaration {}({}){}: argument types ({}) vs ({}): refused\n",
                    // SAFETY: `who` is the calling module, loaded during the call.
                    unsafe { module_name(who) },
                    text(decl.name),
                    text(&decl.signature),
                    text(decl.name),
                    text(&e.signature),
                    if e.defined.is_some() {
                        " in the defining module"
                    } else {
                        " of the probes already registered"
                    },
                    text(&decl.types),
                    text(&e.types),
                );
                return Err(EINVAL);
            }
            return Ok(i);
        }
        let entry = Entry {
            name: copy(decl.name)?,
            signature: decl.signature,
            types: decl.types,
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
        let name = tp.name().to_bytes();
        let i = self.entry(check_declaration(tp, owner)?, owner)?;
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
        if let Err(err) = probes::define(tp, &e.probes) {
            self.prune(i);
            return Err(err);
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
        probes::clear(tp);
        e.defined = None;
        self.prune(i);
        crate::rtrace::kernel::rcu::synchronize();
        Ok(())
    }

    /// Registers a probe for the tracepoint declared by `tp` (defined or not).
    pub(crate) fn register(&mut self, tp: &RawTracepoint, probe: Registration) -> Result {
        let i = self.entry(check_declaration(tp, probe.owner)?, probe.owner)?;
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
            if let Err(err) = probes::add(d.tp, &e.probes, &mut self.transitions) {
                kvec::remove(&mut e.probes, at);
                return Err(err);
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
            probes::remove(d.tp, &e.probes, (func, data), &mut self.transitions);
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
                    probes::remove(d.tp, &e.probes, (p.func, p.data), &mut self.transitions);
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
                probes::clear(d.tp);
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
