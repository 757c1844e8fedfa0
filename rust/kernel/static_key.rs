// SPDX-License-Identifier: GPL-2.0

//! Static keys: the jump-label site that costs a NOP while a tracepoint is disabled, and the switch
//! that patches it.
//!
//! C header: [`include/linux/jump_label.h`](srctree/include/linux/jump_label.h)
//!
//! With `CONFIG_JUMP_LABEL` on x86_64, [`static_branch_unlikely!`] emits a 5-byte NOP and a
//! `__jump_table` entry `{ site - ., target - ., key - . }` in the module; the module loader
//! records the entry and [`StaticKey::enable`] has the kernel rewrite the NOP into a `jmp` to the
//! out-of-line target. Elsewhere the site is one load of the key's count and a branch.

use kernel::bindings;
use kernel::types::Opaque;

/// A static key whose branch defaults to false (`struct static_key_false`).
///
/// # Invariants
///
/// The key lives in static storage of the module that holds the sites using it (every site is an
/// entry of that module's `__jump_table`), and is only changed through [`StaticKey::enable`],
/// [`StaticKey::disable`] and the kernel's jump-label code.
#[repr(transparent)]
pub struct StaticKey(Opaque<bindings::static_key_false>);

// SAFETY: the key is only written by the kernel's jump-label code, which serialises updates with
// `jump_label_mutex`, and read with atomic loads; sharing it between CPUs is what it is for.
unsafe impl Sync for StaticKey {}

impl StaticKey {
    /// A disabled key, as `STATIC_KEY_FALSE_INIT`: every field zero (`enabled` 0 and the
    /// `JUMP_TYPE_FALSE` type bit clear).
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        // SAFETY: `static_key_false` is plain data (an atomic counter and a tagged pointer/word
        // union), for which all-zero is the documented initial state `STATIC_KEY_FALSE_INIT`.
        Self(Opaque::new(unsafe { core::mem::zeroed() }))
    }

    fn as_raw(&self) -> *mut bindings::static_key {
        // `key` is the first and only field of `static_key_false`.
        self.0.get().cast()
    }

    /// Turns the branch on: every site using the key jumps to its out-of-line path.
    ///
    /// Sleeps (takes `cpus_read_lock` and `jump_label_mutex`); idempotent.
    pub fn enable(&self) {
        // SAFETY: by the type invariant the key is a valid, initialised static key in static
        // storage; `static_key_enable` serialises with every other update of it.
        unsafe { bindings::static_key_enable(self.as_raw()) };
    }

    /// Turns the branch off again: every site is a NOP once this returns.
    ///
    /// Sleeps; idempotent.
    pub fn disable(&self) {
        // SAFETY: as in `enable`.
        unsafe { bindings::static_key_disable(self.as_raw()) };
    }

    /// Whether the branch is on, from the key's count (one atomic load).
    #[inline(always)]
    pub fn is_enabled(&self) -> bool {
        // SAFETY: `enabled` is an `atomic_t`, an `int` only accessed atomically by the kernel;
        // the pointer is valid for the key's (static) lifetime and suitably aligned.
        let enabled = unsafe {
            core::sync::atomic::AtomicI32::from_ptr(core::ptr::addr_of_mut!(
                (*self.as_raw()).enabled.counter
            ))
        };
        enabled.load(core::sync::atomic::Ordering::Relaxed) > 0
    }
}

/// `static_branch_unlikely(STATIC + OFFSET)`: evaluates to whether the static key at byte `OFFSET`
/// of the static `STATIC` is enabled, as a NOP that the kernel patches into a jump.
///
/// `STATIC` must be a path to a `static` (the jump table entry names it with a relocation) whose
/// field at `OFFSET` is a [`StaticKey`].
#[cfg(all(CONFIG_JUMP_LABEL, target_arch = "x86_64"))]
#[macro_export]
macro_rules! static_branch_unlikely {
    ($static:path, $offset:expr) => {
        'site: {
            // A 5-byte NOP and a `__jump_table` entry (site, target, key) in the layout of
            // x86_64's `struct jump_entry`, touching no register or memory; the key is
            // `$static + $offset`, a `StaticKey` by the macro's contract.
            // SAFETY: the jump-label code only patches this NOP into a jump to `enabled` and back.
            unsafe {
                ::core::arch::asm!(
                    "2: .byte 0x0f, 0x1f, 0x44, 0x00, 0x00",
                    ".pushsection __jump_table, \"aw\"",
                    ".balign 8",
                    ".long 2b - .",
                    ".long {enabled} - .",
                    ".quad {key} + {offset} - .",
                    ".popsection",
                    key = sym $static,
                    offset = const $offset,
                    enabled = label { break 'site true; },
                    options(nostack),
                );
            }
            false
        }
    };
}

/// `static_branch_unlikely(STATIC + OFFSET)` without jump labels (or on an architecture whose
/// jump-table layout rtrace does not emit yet): one load and a branch.
#[cfg(not(all(CONFIG_JUMP_LABEL, target_arch = "x86_64")))]
#[macro_export]
macro_rules! static_branch_unlikely {
    ($static:path, $offset:expr) => {{
        let key: &$crate::rtrace::kernel::static_key::StaticKey =
            // SAFETY: by the macro's contract the field at `$offset` of `$static` is a `StaticKey`.
            unsafe { &*::core::ptr::addr_of!($static).cast::<u8>().add($offset).cast() };
        key.is_enabled()
    }};
}
