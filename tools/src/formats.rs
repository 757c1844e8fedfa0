// SPDX-License-Identifier: GPL-2.0

//! Every marker's `format` and `id`, read into a [`Catalog`] that maps record ids to markers.
//!
//! The same tree is read from debugfs (`rtrace/markers/<sub>/<event>/`) and from a recording
//! (`DIR/markers/<sub>/<event>/`). Field lines are parsed by the library's
//! [`rtrace::marker::record::parse_format_line`].

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use rtrace::marker::record::{self, Field, FieldType};

/// One marker: its name, id and fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkerFormat {
    /// The subsystem (the directory the `format` file is in).
    pub subsystem: String,
    /// The event.
    pub event: String,
    /// The id records carry.
    pub id: u32,
    /// The fields' names and types, in record order.
    pub fields: Vec<(String, FieldType)>,
}

/// The name of a field type as the filter language and `rtrace list` write it.
pub fn type_name(ty: FieldType) -> String {
    match ty {
        FieldType::Chars(n) => format!("char[{n}]"),
        FieldType::Str(m) => format!("str[{m}]"),
        FieldType::Bytes(m) => format!("bytes[{m}]"),
        other => other.c_type().to_owned(),
    }
}

impl MarkerFormat {
    /// Parses the text of a `format` file of `subsystem`, checking that every field line is as
    /// the kernel writes it and at the offset the layout gives.
    pub fn parse(subsystem: &str, text: &str) -> Result<Self> {
        let mut lines = text.lines();
        let mut header = |key: &str| {
            lines
                .next()
                .and_then(|l| l.strip_prefix(key))
                .map(str::trim)
                .ok_or_else(|| anyhow!("expected a `{key}` line"))
        };
        let event = header("name:")?.to_owned();
        let id = header("ID:")?;
        let id: u32 = id.parse().with_context(|| format!("bad ID {id:?}"))?;
        if !header("format:")?.is_empty() {
            bail!("unexpected text after `format:`");
        }
        let mut fields = Vec::new();
        let mut at = 0usize;
        for line in lines.filter(|l| !l.trim().is_empty()) {
            let (ty, name, offset) = record::parse_format_line(line)
                .ok_or_else(|| anyhow!("not a field line: {line:?}"))?;
            if usize::from(offset) != at {
                bail!("field {name} at offset {offset}, expected {at}");
            }
            at += ty.fixed_size();
            fields.push((name.to_owned(), ty));
        }
        let format = Self {
            subsystem: subsystem.to_owned(),
            event,
            id,
            fields,
        };
        record::check(&format.subsystem, &format.event, &format.field_list())
            .map_err(|e| anyhow!("invalid marker declaration: {e:?}"))?;
        Ok(format)
    }

    /// `subsystem:event`.
    pub fn name(&self) -> String {
        format!("{}:{}", self.subsystem, self.event)
    }

    /// The fields as the library takes them.
    pub fn field_list(&self) -> Vec<Field<'_>> {
        self.fields
            .iter()
            .map(|(name, ty)| Field { name, ty: *ty })
            .collect()
    }

    /// The text of the `format` file, as the kernel writes it.
    pub fn to_text(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = record::write_format(
            &mut text,
            &self.subsystem,
            &self.event,
            self.id,
            &self.field_list(),
        );
        text
    }
}

/// The markers of a tree, by id.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    by_id: BTreeMap<u32, MarkerFormat>,
}

impl Catalog {
    /// Reads `<dir>/<sub>/<event>/format` (and `id`, which must agree) for every marker, through
    /// `read` (which maps errors as its caller wants).
    pub fn load(dir: &Path, read: &dyn Fn(&Path) -> Result<String>) -> Result<Self> {
        let mut catalog = Self::default();
        for sub in sorted_dirs(dir)? {
            for event in sorted_dirs(&dir.join(&sub))? {
                let event_dir = dir.join(&sub).join(&event);
                let format_path = event_dir.join("format");
                let text = read(&format_path)?;
                let format = MarkerFormat::parse(&sub, &text)
                    .with_context(|| format!("in {}", format_path.display()))?;
                if format.event != event {
                    bail!("{} names event {:?}", format_path.display(), format.event);
                }
                let id_path = event_dir.join("id");
                if id_path.exists() {
                    let id = read(&id_path)?;
                    if id.trim() != format.id.to_string() {
                        bail!(
                            "{} says {:?}, format says {}",
                            id_path.display(),
                            id.trim(),
                            format.id
                        );
                    }
                }
                catalog.insert(format)?;
            }
        }
        Ok(catalog)
    }

    /// Adds a marker; two of one id are refused.
    pub fn insert(&mut self, format: MarkerFormat) -> Result<()> {
        if let Some(old) = self.by_id.get(&format.id) {
            bail!(
                "id {} is both {} and {}",
                format.id,
                old.name(),
                format.name()
            );
        }
        self.by_id.insert(format.id, format);
        Ok(())
    }

    /// The marker of `id`.
    pub fn get(&self, id: u32) -> Option<&MarkerFormat> {
        self.by_id.get(&id)
    }

    /// Every marker, by ascending id.
    pub fn iter(&self) -> impl Iterator<Item = &MarkerFormat> {
        self.by_id.values()
    }

    /// Writes every marker as `<dir>/<sub>/<event>/format` and `id`, skipping those already
    /// there.
    pub fn save(&self, dir: &Path) -> std::io::Result<()> {
        fs::create_dir_all(dir)?;
        for format in self.iter() {
            let event_dir = dir.join(&format.subsystem).join(&format.event);
            if event_dir.join("format").exists() {
                continue;
            }
            fs::create_dir_all(&event_dir)?;
            fs::write(event_dir.join("format"), format.to_text())?;
            fs::write(event_dir.join("id"), format!("{}\n", format.id))?;
        }
        Ok(())
    }
}

/// The names of the subdirectories of `dir`, sorted.
fn sorted_dirs(dir: &Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
        if entry.path().is_dir() {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_text_round_trips() {
        let format = MarkerFormat {
            subsystem: "sched".into(),
            event: "sched_switch".into(),
            id: 3,
            fields: vec![
                ("prev_comm".into(), FieldType::Chars(16)),
                ("prev_pid".into(), FieldType::I32),
                ("path".into(), FieldType::Str(64)),
                ("data".into(), FieldType::Bytes(8)),
            ],
        };
        let text = format.to_text();
        assert_eq!(MarkerFormat::parse("sched", &text).unwrap(), format);
        assert_eq!(format.name(), "sched:sched_switch");
        assert_eq!(type_name(FieldType::Str(64)), "str[64]");
    }

    #[test]
    fn bad_formats_are_refused() {
        for text in [
            "",
            "name: e\n",
            "name: e\nID: x\nformat:\n",
            "name: e\nID: 1\nformat:\n\tfield:int x;\toffset:0;\tsize:4;\tsigned:1;\n",
            "name: e\nID: 1\nformat:\n\tfield:u8 x;\toffset:1;\tsize:1;\tsigned:0;\n",
        ] {
            assert!(MarkerFormat::parse("s", text).is_err(), "{text:?}");
        }
    }
}
