// SPDX-License-Identifier: GPL-2.0

//! Access to rtrace's debugfs files: where they are, reading and writing control files, and the
//! mapping of failures to [`ToolError`]s that say what to do.
//!
//! The root is `/sys/kernel/debug` unless `--debugfs DIR` or `RTRACE_DEBUGFS` says otherwise, so
//! that tests can point the tool at a fake tree of plain files.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::error::ToolError;

/// The default debugfs mount point.
pub const DEFAULT_ROOT: &str = "/sys/kernel/debug";

/// rtrace's directory in debugfs, checked to be there.
#[derive(Debug, Clone)]
pub struct Debugfs {
    /// `<debugfs>/rtrace`.
    rtrace: PathBuf,
}

/// The module that creates `rel` (a path relative to `rtrace/`), for error messages.
fn module_of(rel: &str) -> &'static str {
    if rel.starts_with("tracepoints") {
        "rtrace_tracepoint.ko"
    } else if rel.starts_with("sinks/ring") {
        "rtrace_ring.ko (the ring sink)"
    } else if rel.starts_with("sinks/stats") {
        "the stats sink module"
    } else {
        "rtrace_marker.ko"
    }
}

/// Maps an I/O error on `path` (created by the module of `rel`) to a [`ToolError`] where one
/// fits.
fn map_err(err: io::Error, path: &Path, rel: &str) -> anyhow::Error {
    match err.kind() {
        io::ErrorKind::NotFound => ToolError::NotLoaded {
            path: path.to_owned(),
            module: module_of(rel),
        }
        .into(),
        io::ErrorKind::PermissionDenied => ToolError::NotRoot(path.to_owned()).into(),
        _ => anyhow::Error::new(err).context(format!("reading {}", path.display())),
    }
}

impl Debugfs {
    /// Checks that debugfs is mounted at `root` (a non-empty directory) and has `rtrace/`.
    pub fn open(root: &Path) -> Result<Self> {
        let mut entries = match fs::read_dir(root) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                return Err(ToolError::NotRoot(root.to_owned()).into())
            }
            Err(_) => return Err(ToolError::NotMounted(root.to_owned()).into()),
        };
        if entries.next().is_none() {
            return Err(ToolError::NotMounted(root.to_owned()).into());
        }
        let rtrace = root.join("rtrace");
        match fs::metadata(&rtrace) {
            Ok(m) if m.is_dir() => Ok(Self { rtrace }),
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                Err(ToolError::NotRoot(rtrace).into())
            }
            _ => Err(ToolError::NotLoaded {
                path: rtrace,
                module: "rtrace_tracepoint.ko",
            }
            .into()),
        }
    }

    /// The path of `rel` under `rtrace/`.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.rtrace.join(rel)
    }

    /// Whether `rel` exists.
    pub fn exists(&self, rel: &str) -> bool {
        self.path(rel).exists()
    }

    /// Fails with [`ToolError::NotLoaded`] unless `rel` exists.
    pub fn require(&self, rel: &str) -> Result<PathBuf> {
        let path = self.path(rel);
        fs::metadata(&path).map_err(|e| map_err(e, &path, rel))?;
        Ok(path)
    }

    /// Reads the whole text file `rel`.
    pub fn read(&self, rel: &str) -> Result<String> {
        let path = self.path(rel);
        let bytes = fs::read(&path).map_err(|e| map_err(e, &path, rel))?;
        String::from_utf8(bytes).with_context(|| format!("{} is not UTF-8", path.display()))
    }

    /// The non-empty lines of `rel`.
    pub fn read_lines(&self, rel: &str) -> Result<Vec<String>> {
        Ok(self
            .read(rel)?
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect())
    }

    /// Writes `text` to the control file `rel` in one `write()`, as the kernel parses each write
    /// whole. A refusal is [`ToolError::Refused`] with the errno's text.
    pub fn write(&self, rel: &str, text: &str) -> Result<()> {
        let path = self.path(rel);
        let mut file = fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .map_err(|e| map_err(e, &path, rel))?;
        let refused = |errno| ToolError::Refused {
            path: path.clone(),
            text: text.to_owned(),
            errno,
        };
        match file.write(text.as_bytes()) {
            Ok(n) if n == text.len() => Ok(()),
            Ok(n) => Err(refused(io::Error::other(format!(
                "short write ({n} of {} bytes)",
                text.len()
            )))
            .into()),
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                Err(ToolError::NotRoot(path.clone()).into())
            }
            Err(e) => Err(refused(e).into()),
        }
    }

    /// The names of the entries of the directory `rel`, sorted.
    pub fn list_dir(&self, rel: &str) -> Result<Vec<String>> {
        let path = self.path(rel);
        let mut names = Vec::new();
        for entry in fs::read_dir(&path).map_err(|e| map_err(e, &path, rel))? {
            let entry = entry.with_context(|| format!("listing {}", path.display()))?;
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
        names.sort();
        Ok(names)
    }

    /// The CPUs that have a `sinks/ring/per_cpu/cpuN` directory, ascending; the ring sink's
    /// module not loaded (no CPU) is an error that says so.
    pub fn ring_cpus(&self) -> Result<Vec<u32>> {
        let mut cpus: Vec<u32> = self
            .list_dir("sinks/ring/per_cpu")?
            .iter()
            .filter_map(|name| name.strip_prefix("cpu")?.parse().ok())
            .collect();
        if cpus.is_empty() {
            return Err(ToolError::NotLoaded {
                path: self.path("sinks/ring/per_cpu/cpu0"),
                module: "rtrace_ring.ko (the ring sink)",
            }
            .into());
        }
        cpus.sort_unstable();
        Ok(cpus)
    }
}
