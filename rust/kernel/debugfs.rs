// SPDX-License-Identifier: GPL-2.0

//! debugfs directories and files, for rtrace's control files under `/sys/kernel/debug/rtrace/`.
//!
//! C header: [`include/linux/debugfs.h`](srctree/include/linux/debugfs.h),
//! [`include/linux/seq_file.h`](srctree/include/linux/seq_file.h)
//!
//! A file's callbacks are a type's methods: [`ShowFile`] (what reading shows, through
//! `seq_file`), [`WriteFile`] (a control write), [`StreamFile`] (a reader with its own state,
//! read and polled, `lseek()`/`pread()` refused). [`FileOps<T>`] is the `file_operations` table
//! built for the type at compile time, as 6.18's `kernel::debugfs` builds it, and
//! [`create_file`] makes a file with it. No C is involved beyond the kernel's exported functions
//! (`single_open()`, `seq_read()`, `stream_open()`, `debugfs_create_file()`, ...).

use core::ffi::{c_char, c_int, c_void, CStr};
use core::fmt;
use core::marker::PhantomData;

use kernel::alloc::{flags::GFP_KERNEL, KBox, KVec};
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
    fn debugfs_create_file(
        name: *const c_char,
        mode: u16,
        parent: *mut bindings::dentry,
        data: *mut c_void,
        fops: *const bindings::file_operations,
    ) -> *mut bindings::dentry;
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

    /// The dentry.
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

/// What a file shows when read, through `seq_file` (`single_open()`: the whole text is made at
/// the first read, and `seq_file` serves it at any offset).
pub trait ShowFile: 'static {
    /// Writes the file's text to `out`; `data` is the private data the file was created with
    /// (see [`create_file`]). An error is the read's.
    fn show(out: &mut SeqFile, data: *mut c_void) -> Result;
}

/// How a file takes a write.
pub trait WriteFile: 'static {
    /// Takes a write of `len` bytes at user address `buf` (e.g. through [`command_write`]) to
    /// the file created with `data`, and returns what `write()` returns: the bytes taken, or a
    /// negative error code.
    fn write(data: *mut c_void, buf: *const c_char, len: usize) -> isize;
}

/// A reader with state of its own per open file, which refuses offsets (`lseek()` and
/// `pread()` are `ESPIPE`, as for ftrace's `trace_pipe`).
pub trait StreamFile: 'static {
    /// What an open file keeps, from `open` to `release`; the file's reads and polls may run at
    /// once, on several CPUs.
    type Open: Send + Sync;

    /// Opens the file created with `data`.
    fn open(data: *mut c_void) -> Result<KBox<Self::Open>>;

    /// A read of `len` bytes to user address `buf`: the bytes read, or a negative error code.
    fn read(open: &Self::Open, file: &OpenFile, buf: *mut c_char, len: usize) -> isize;

    /// A poll: registers `file` on the wait queues through `table` (`poll_wait()`, a C inline)
    /// and returns the `EPOLL*` bits ready now.
    fn poll(open: &Self::Open, file: &OpenFile, table: *mut bindings::poll_table_struct) -> u32;
}

/// The open file a [`StreamFile`] callback runs for.
///
/// # Invariants
///
/// `0` is a file open on a [`StreamFile`] file, for the duration of the callback it was made for
/// (only this module's trampolines make one, and lend it to the callback).
pub struct OpenFile(*mut bindings::file);

impl OpenFile {
    /// Whether it was opened with `O_NONBLOCK`.
    pub fn nonblocking(&self) -> bool {
        // SAFETY: the file is open during the callback that got `self` (the type's invariant).
        let flags = unsafe { (*self.0).f_flags };
        flags & bindings::O_NONBLOCK != 0
    }

    /// The `struct file`, for a C shim (e.g. `poll_wait()`), during the callback only.
    pub fn as_ptr(&self) -> *mut bindings::file {
        self.0
    }
}

/// The `file_operations` of a debugfs file whose callbacks are `T`'s, built at compile time: one
/// table per type and kind of file, in read-only memory, owned by this module (an open file holds
/// a reference on it, so that it cannot unload under the file's callbacks).
#[repr(transparent)]
pub struct FileOps<T> {
    operations: bindings::file_operations,
    _callbacks: PhantomData<fn() -> T>,
}

// SAFETY: the table is never written: function pointers and this module's address.
unsafe impl<T> Sync for FileOps<T> {}

/// Every field of a `file_operations` null (no such operation), but the owner: this module.
const fn no_operations() -> bindings::file_operations {
    bindings::file_operations {
        // The module's own `struct module` (`THIS_MODULE`), defined by modpost: only its address
        // is taken.
        owner: &raw mut bindings::__this_module,
        // SAFETY: a `file_operations` of null pointers, zero flags and no callbacks is valid.
        ..unsafe { core::mem::zeroed() }
    }
}

impl<T: ShowFile> FileOps<T> {
    /// A read-only file: writing it is `EINVAL` (from the VFS).
    pub const READ_ONLY: Self = Self {
        operations: bindings::file_operations {
            open: Some(seq_open::<T>),
            read: Some(bindings::seq_read),
            llseek: Some(bindings::seq_lseek),
            release: Some(bindings::single_release),
            ..no_operations()
        },
        _callbacks: PhantomData,
    };
}

impl<T: ShowFile + WriteFile> FileOps<T> {
    /// A file read through `seq_file` and written by [`WriteFile::write`].
    pub const READ_WRITE: Self = Self {
        operations: bindings::file_operations {
            write: Some(file_write::<T>),
            ..FileOps::<T>::READ_ONLY.operations
        },
        _callbacks: PhantomData,
    };
}

impl<T: WriteFile> FileOps<T> {
    /// A write-only file: reading it is `EINVAL` (from the VFS).
    pub const WRITE_ONLY: Self = Self {
        operations: bindings::file_operations {
            write: Some(file_write::<T>),
            ..no_operations()
        },
        _callbacks: PhantomData,
    };
}

impl<T: StreamFile> FileOps<T> {
    /// A stream: [`StreamFile::read`] and [`StreamFile::poll`], offsets refused.
    pub const STREAM: Self = Self {
        operations: bindings::file_operations {
            open: Some(stream_open::<T>),
            read: Some(stream_read::<T>),
            poll: Some(stream_poll::<T>),
            release: Some(stream_release::<T>),
            ..no_operations()
        },
        _callbacks: PhantomData,
    };
}

/// Creates file `name` (mode `mode`) in `dir` with the callbacks of `fops`, which get `data`.
/// The file goes with `dir` (or with the returned dentry, removed by its owner).
///
/// # Safety
///
/// `data` is what `T`'s callbacks expect their `data` to be, for as long as the file exists
/// (e.g. a pointer to something that outlives the file).
pub unsafe fn create_file<T>(
    name: &CStr,
    mode: u16,
    dir: &Dir,
    data: *mut c_void,
    fops: &'static FileOps<T>,
) -> Result<*mut bindings::dentry> {
    // SAFETY: `dir` is a live directory, `name` NUL-terminated, `fops` a static table whose
    // callbacks expect `data` (the caller's promise).
    from_err_ptr(unsafe { debugfs_create_file(name.as_ptr(), mode, dir.0, data, &fops.operations) })
}

/// `open` of a [`ShowFile`] file.
///
/// # Safety
///
/// Called by the VFS as a `file_operations` callback of a [`FileOps<T>`] file.
unsafe extern "C" fn seq_open<T: ShowFile>(
    inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    // SAFETY: the inode and file being opened; `single_open` keeps the inode's private data
    // for `seq_show`, and `single_release` frees what it allocates.
    unsafe { bindings::single_open(file, Some(seq_show::<T>), (*inode).i_private) }
}

/// `show` of a [`ShowFile`] file.
///
/// # Safety
///
/// Called by `seq_read()` for a file opened by [`seq_open`].
unsafe extern "C" fn seq_show<T: ShowFile>(m: *mut bindings::seq_file, _v: *mut c_void) -> c_int {
    // SAFETY: the seq_file of this callback, used only during it; `private` is the data the file
    // was created with (`seq_open`).
    let (mut out, data) = unsafe { (SeqFile::from_raw(m), (*m).private) };
    match T::show(&mut out, data) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// `write` of a [`WriteFile`] file.
///
/// # Safety
///
/// Called by the VFS as a `file_operations` callback of a [`FileOps<T>`] file.
unsafe extern "C" fn file_write<T: WriteFile>(
    file: *mut bindings::file,
    buf: *const kernel::ffi::c_char,
    len: usize,
    _ppos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: an open file of this module's debugfs file; its inode's private data is the data
    // the file was created with.
    let data = unsafe { (*(*file).f_inode).i_private };
    T::write(data, buf.cast(), len)
}

/// `open` of a [`StreamFile`].
///
/// # Safety
///
/// Called by the VFS as a `file_operations` callback of a [`FileOps<T>`] file.
unsafe extern "C" fn stream_open<T: StreamFile>(
    inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    // SAFETY: the inode of the file being opened; its private data is the data it was created
    // with.
    let open = match T::open(unsafe { (*inode).i_private }) {
        Ok(open) => open,
        Err(e) => return e.to_errno(),
    };
    // SAFETY: the file being opened: `stream_release` frees what is stored here, and
    // `stream_open()` only clears the file's offset modes.
    unsafe {
        (*file).private_data = KBox::into_raw(open).cast();
        bindings::stream_open(inode, file)
    }
}

/// The state `stream_open` stored in `file`.
///
/// # Safety
///
/// `file` is open on a [`StreamFile`] file of `T`, not released, for as long as the result is used.
unsafe fn stream_state<'a, T: StreamFile>(file: *mut bindings::file) -> &'a T::Open {
    // SAFETY: by the function's contract, `private_data` is the `KBox<T::Open>` of `stream_open`,
    // freed only by `stream_release`, after every read and poll of the file.
    unsafe { &*(*file).private_data.cast::<T::Open>() }
}

/// `read` of a [`StreamFile`].
///
/// # Safety
///
/// Called by the VFS as a `file_operations` callback of a [`FileOps<T>`] file.
unsafe extern "C" fn stream_read<T: StreamFile>(
    file: *mut bindings::file,
    buf: *mut kernel::ffi::c_char,
    len: usize,
    _ppos: *mut bindings::loff_t,
) -> isize {
    // SAFETY: a read of an open file: not released meanwhile.
    let open = unsafe { stream_state::<T>(file) };
    T::read(open, &OpenFile(file), buf.cast(), len)
}

/// `poll` of a [`StreamFile`].
///
/// # Safety
///
/// Called by the VFS as a `file_operations` callback of a [`FileOps<T>`] file.
unsafe extern "C" fn stream_poll<T: StreamFile>(
    file: *mut bindings::file,
    table: *mut bindings::poll_table_struct,
) -> bindings::__poll_t {
    // SAFETY: a poll of an open file: not released meanwhile.
    let open = unsafe { stream_state::<T>(file) };
    T::poll(open, &OpenFile(file), table)
}

/// `release` of a [`StreamFile`].
///
/// # Safety
///
/// Called by the VFS as a `file_operations` callback of a [`FileOps<T>`] file.
unsafe extern "C" fn stream_release<T: StreamFile>(
    _inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    // SAFETY: the `KBox<T::Open>` that `stream_open` stored; the file's last callback.
    drop(unsafe { KBox::from_raw((*file).private_data.cast::<T::Open>()) });
    0
}
