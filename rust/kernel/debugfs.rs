// SPDX-License-Identifier: GPL-2.0

//! debugfs directories and `seq_file` output, for rtrace's control files under
//! `/sys/kernel/debug/rtrace/`.
//!
//! C header: [`include/linux/debugfs.h`](srctree/include/linux/debugfs.h),
//! [`include/linux/seq_file.h`](srctree/include/linux/seq_file.h)
//!
//! Files themselves are created by each module's C shim, because their `file_operations` come from
//! `DEFINE_SHOW_ATTRIBUTE`; their `show` callbacks are written in Rust with [`SeqFile`].

use core::ffi::c_char;
use core::fmt;

use kernel::alloc::{flags::GFP_KERNEL, KVec};
use kernel::bindings;
use kernel::error::{from_err_ptr, Result};

// Exported by fs/debugfs/inode.c; `include/linux/debugfs.h` is not in the 6.12 bindings.
// The dentry pointers are opaque here, never dereferenced.
#[allow(improper_ctypes)]
extern "C" {
    fn debugfs_create_dir(
        name: *const c_char,
        parent: *mut bindings::dentry,
    ) -> *mut bindings::dentry;
    fn debugfs_remove(dentry: *mut bindings::dentry);
}

/// A debugfs directory, removed with everything in it when dropped.
///
/// # Invariants
///
/// `0` is a valid dentry returned by `debugfs_create_dir`, owned by this value.
pub struct Dir(*mut bindings::dentry);

// SAFETY: a dentry pointer may be used and removed from any thread.
unsafe impl Send for Dir {}
// SAFETY: `&Dir` only hands out the raw pointer.
unsafe impl Sync for Dir {}

impl Dir {
    /// Creates directory `name` (NUL-terminated) under `parent`, or at the debugfs root.
    pub fn new(name: &core::ffi::CStr, parent: Option<&Dir>) -> Result<Self> {
        let parent = parent.map_or(core::ptr::null_mut(), |d| d.0);
        // SAFETY: `name` is NUL-terminated; `parent` is null or a live directory (borrowed).
        let dentry = from_err_ptr(unsafe { debugfs_create_dir(name.as_ptr(), parent) })?;
        Ok(Self(dentry))
    }

    /// Creates directory `name` (at most 64 bytes, no NUL) under `parent`.
    pub fn with_name(name: &str, parent: &Dir) -> Result<Self> {
        let mut buf = [0u8; 65];
        Self::new(c_name(name, &mut buf)?, Some(parent))
    }

    /// A directory that `dentry` (a live debugfs directory owned by someone else, who removes it
    /// after `self` is gone) already is; dropping the result does not remove it.
    ///
    /// # Safety
    ///
    /// `dentry` outlives the returned value and every directory created under it through it.
    pub unsafe fn borrowed(dentry: *mut bindings::dentry) -> core::mem::ManuallyDrop<Self> {
        core::mem::ManuallyDrop::new(Self(dentry))
    }

    /// Takes ownership of `dentry`, a debugfs file or directory that nothing else removes: it is
    /// removed when the result is dropped.
    ///
    /// # Safety
    ///
    /// `dentry` was returned by a successful debugfs creation and is owned by the caller.
    pub unsafe fn owned(dentry: *mut bindings::dentry) -> Self {
        Self(dentry)
    }

    /// The dentry, for the C shim's file creation functions.
    pub fn as_ptr(&self) -> *mut bindings::dentry {
        self.0
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        // SAFETY: by the type invariant the dentry is ours; removal is recursive and waits for
        // open files' operations to end.
        unsafe { debugfs_remove(self.0) };
    }
}

/// `text` (a name of at most 64 bytes, without NUL) as a NUL-terminated string in `buf`;
/// `EINVAL` if it is longer or holds a NUL.
pub fn c_name<'a>(text: &str, buf: &'a mut [u8; 65]) -> Result<&'a core::ffi::CStr> {
    let bytes = text.as_bytes();
    if bytes.len() >= buf.len() {
        return Err(kernel::error::code::EINVAL);
    }
    buf[..bytes.len()].copy_from_slice(bytes);
    buf[bytes.len()] = 0;
    core::ffi::CStr::from_bytes_with_nul(&buf[..=bytes.len()])
        .map_err(|_| kernel::error::code::EINVAL)
}

/// The `seq_file` a `show` callback writes to.
pub struct SeqFile(*mut bindings::seq_file);

impl SeqFile {
    /// # Safety
    ///
    /// `m` is the `seq_file` passed to a `show` callback, used only during that callback.
    pub unsafe fn from_raw(m: *mut bindings::seq_file) -> Self {
        Self(m)
    }
}

impl fmt::Write for SeqFile {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // Overflow is handled by seq_file, which calls `show` again with a larger buffer, so
        // the return value needs no check.
        // SAFETY: `self.0` is this callback's live `seq_file` (`from_raw`); `s` is `s.len()` bytes.
        unsafe { bindings::seq_write(self.0, s.as_ptr().cast(), s.len()) };
        Ok(())
    }
}

/// Copies a control-file write of `len` bytes at user address `buf` into `out` and returns it as
/// text without its trailing newline. Writes longer than `out`, or not UTF-8, are `EINVAL`; a bad
/// address is `EFAULT`.
pub fn user_text(buf: *const c_char, len: usize, out: &mut [u8]) -> Result<&str> {
    if len > out.len() {
        return Err(kernel::error::code::EINVAL);
    }
    kernel::uaccess::UserSlice::new(buf as usize, len)
        .reader()
        .read_slice(&mut out[..len])?;
    let text = core::str::from_utf8(&out[..len]).map_err(|_| kernel::error::code::EINVAL)?;
    Ok(text.strip_suffix('\n').unwrap_or(text))
}

/// The body of a control file's `write`: reads the user's text (see [`user_text`]), hands it to
/// `command`, and returns what `write` returns: the whole length, or the command's error.
pub fn control_write(
    buf: *const c_char,
    len: usize,
    command: impl FnOnce(&str) -> Result,
) -> isize {
    command_write::<160>("control", buf, len, command)
}

/// Like [`control_write`] for file `file`, with writes of up to `N` bytes, and a line in the
/// kernel log for a write too long, not text, or empty.
pub fn command_write<const N: usize>(
    file: &str,
    buf: *const c_char,
    len: usize,
    command: impl FnOnce(&str) -> Result,
) -> isize {
    if len > N {
        kernel::pr_err!("{}: write of {} bytes: at most {} at once\n", file, len, N);
        return kernel::error::code::EINVAL.to_errno() as isize;
    }
    // On the heap: `N` may be a page, too much for the kernel stack.
    let mut text = match KVec::from_elem(0u8, len, GFP_KERNEL) {
        Ok(t) => t,
        Err(_) => return kernel::error::code::ENOMEM.to_errno() as isize,
    };
    let text = match user_text(buf, len, &mut text) {
        // ASCII whitespace only, as every control file's grammar is ASCII.
        Ok(t) if t.bytes().all(|c| c.is_ascii_whitespace()) => {
            kernel::pr_err!("{}: empty write\n", file);
            return kernel::error::code::EINVAL.to_errno() as isize;
        }
        Ok(t) => t,
        Err(e) => {
            if e == kernel::error::code::EINVAL {
                kernel::pr_err!("{}: the write is not text (UTF-8)\n", file);
            }
            return e.to_errno() as isize;
        }
    };
    match command(text) {
        Ok(()) => len as isize,
        Err(e) => e.to_errno() as isize,
    }
}
