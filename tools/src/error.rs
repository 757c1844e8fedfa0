// SPDX-License-Identifier: GPL-2.0

//! The errors the tool reports to its user, each saying what to do, and the exit code of each.
//!
//! Anything else (an unexpected I/O error, say) goes through `anyhow` and exits with
//! [`EXIT_OTHER`]; clap's usage errors exit with 2.

use std::io;
use std::path::PathBuf;

/// Exit code of an error that is not a [`ToolError`].
pub const EXIT_OTHER: u8 = 1;

/// An error with a remedy and its own exit code.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    /// The debugfs root is missing or empty.
    #[error(
        "debugfs is not mounted at {0}: mount it with `mount -t debugfs none /sys/kernel/debug` \
         (or point --debugfs / RTRACE_DEBUGFS at where it is mounted)"
    )]
    NotMounted(PathBuf),
    /// An rtrace file or directory that a module creates is missing.
    #[error(
        "{path} does not exist: {module} is not loaded; load the rtrace modules one file per \
         insmod, in this order: `insmod rtrace_tracepoint.ko && insmod rtrace_marker.ko && \
         insmod rtrace_ring.ko` (and `insmod rtrace_bridge.ko` for the kernel's sched:* and \
         irq:* events)"
    )]
    NotLoaded {
        /// The missing file.
        path: PathBuf,
        /// The module that creates it.
        module: &'static str,
    },
    /// Permission denied on an rtrace file.
    #[error("permission denied on {0}: rtrace's debugfs files are root-only; run rtrace as root")]
    NotRoot(PathBuf),
    /// A `subsystem:event` pattern matches no marker.
    #[error("no marker matches {0}: `rtrace list markers` shows the available ones")]
    UnknownMarker(String),
    /// A sink pattern matches no registered sink.
    #[error(
        "no sink matches {0}: `rtrace list sinks` shows the registered ones (the ring sink is \
         rtrace_ring.ko)"
    )]
    UnknownSink(String),
    /// A pattern is not `subsystem:event`.
    #[error("bad pattern {0:?}: expected subsystem:event, each part may contain * and ?")]
    BadPattern(String),
    /// A write to a control file failed.
    #[error(
        "the kernel refused {text:?} written to {path}: {errno}; `dmesg | tail -n 1` shows \
         the kernel's reason"
    )]
    Refused {
        /// The control file.
        path: PathBuf,
        /// What was written.
        text: String,
        /// The error of the write.
        errno: io::Error,
    },
    /// The output exists already.
    #[error("{0} already exists: give a new path or remove it first")]
    OutputExists(PathBuf),
    /// The output cannot be created or written.
    #[error("cannot write {path}: {err}; check the directory exists and is writable")]
    OutputNotWritable {
        /// The output file or directory.
        path: PathBuf,
        /// The error (not a `source`: its text is in the message already).
        err: io::Error,
    },
    /// A recording directory is not as `rtrace record` writes it.
    #[error("malformed recording {path}: {reason}")]
    Malformed {
        /// The recording's file (or directory) at fault.
        path: PathBuf,
        /// What is wrong, with the byte offset where it applies.
        reason: String,
    },
}

impl ToolError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::NotMounted(_) => 3,
            Self::NotLoaded { .. } => 4,
            Self::NotRoot(_) => 5,
            Self::UnknownMarker(_) | Self::UnknownSink(_) | Self::BadPattern(_) => 6,
            Self::Refused { .. } => 7,
            Self::OutputExists(_) | Self::OutputNotWritable { .. } => 8,
            Self::Malformed { .. } => 9,
        }
    }

    /// A [`ToolError::Malformed`] for `path`.
    pub fn malformed(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        Self::Malformed {
            path: path.into(),
            reason: reason.into(),
        }
    }

    /// A [`ToolError::OutputNotWritable`] for `path`.
    pub fn output(path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self::OutputNotWritable {
            path: path.into(),
            err: source,
        }
    }
}

/// The exit code for any error: a [`ToolError`]'s anywhere in the chain, else [`EXIT_OTHER`].
pub fn exit_code(err: &anyhow::Error) -> u8 {
    err.chain()
        .find_map(|e| e.downcast_ref::<ToolError>())
        .map_or(EXIT_OTHER, ToolError::exit_code)
}
