// SPDX-License-Identifier: GPL-2.0

//! What the rtrace cores need of other modules: their names, for messages, and a notifier that
//! tells when one goes, to clean up after a module that did not undo its registrations.
//!
//! C header: [`include/linux/module.h`](srctree/include/linux/module.h)

use core::ffi::{c_int, c_void, CStr};

use kernel::bindings;
use kernel::error::{to_result, Result};
use kernel::types::Opaque;

/// The name of `module`, for messages (`?` for null, or a name that is not UTF-8).
///
/// # Safety
///
/// `module` is null, or a `struct module` that stays loaded for `'a`: the caller's own, or one
/// that holds a registration the caller has not released yet (its going notifier has not run).
pub unsafe fn name<'a>(module: *mut bindings::module) -> &'a str {
    if module.is_null() {
        return "?";
    }
    // SAFETY: by the function's contract `module` is live for `'a`; its `name` is a
    // NUL-terminated array.
    let name = unsafe { CStr::from_ptr((*module).name.as_ptr().cast()) };
    name.to_str().unwrap_or("?")
}

/// A module notifier calling `going(module)` for every module that goes (after its exit, before
/// its memory is freed), registered by [`GoingNotifier::register`] and removed on drop.
///
/// # Invariants
///
/// `block.notifier_call` is `notify::<F>` for the `F` the notifier was created with.
pub struct GoingNotifier {
    block: Opaque<bindings::notifier_block>,
}

// SAFETY: the block is only written by the notifier chain code, under the chain's lock.
unsafe impl Sync for GoingNotifier {}

/// What a [`GoingNotifier`] calls.
pub trait Going {
    /// `module` is going.
    fn going(module: *mut bindings::module);
}

/// # Safety
///
/// Called by the module notifier chain: for `MODULE_STATE_GOING`, `data` is the going module.
unsafe extern "C" fn notify<F: Going>(
    _nb: *mut bindings::notifier_block,
    action: usize,
    data: *mut c_void,
) -> c_int {
    if action == bindings::module_state_MODULE_STATE_GOING as usize {
        F::going(data.cast());
    }
    bindings::NOTIFY_OK as c_int
}

impl GoingNotifier {
    /// A notifier for `F`, with `priority` in the chain (higher runs first).
    pub const fn new<F: Going>(priority: c_int) -> Self {
        Self {
            block: Opaque::new(bindings::notifier_block {
                notifier_call: Some(notify::<F>),
                next: core::ptr::null_mut(),
                priority,
            }),
        }
    }

    /// Adds the notifier to the module notifier chain.
    pub fn register(&'static self) -> Result {
        // SAFETY: the block is static and initialised; `unregister` removes it.
        to_result(unsafe { bindings::register_module_notifier(self.block.get()) })
    }

    /// Removes it; waits for running callbacks.
    pub fn unregister(&'static self) {
        // SAFETY: registered by `register`.
        unsafe { bindings::unregister_module_notifier(self.block.get()) };
    }
}
