// SPDX-License-Identifier: GPL-2.0

//! The marker record format: how a marker's fields are laid out in a record, and the `format`
//! text that describes that layout to userspace.
//!
//! A marker is a named event (`subsystem:event`) with an ordered list of basic-type fields; a
//! record is its payload, little-endian and packed (no padding, no alignment), laid out like
//! ftrace's trace events: a fixed part where field `i` is at a fixed offset (the sum of the fixed
//! sizes of the fields before it), then a dynamic area. A variable-length field ([`FieldType::Str`],
//! [`FieldType::Bytes`]) takes four bytes in the fixed part, a `data_loc` `u32` equal to
//! `(offset << 16) | len` with `offset` counted from the start of the record; its data are in the
//! dynamic area, in field order, without a terminating NUL.
//!
//! Everything here works on slices and caller-provided buffers, allocates nothing and panics on no
//! input: a record read back from a buffer is checked bound by bound by [`decode`].

use core::fmt;

use crate::rtrace::tracepoint::declaration::valid_name;

/// Most fields of one marker.
pub const FIELDS_MAX: usize = 32;

/// Longest subsystem, event or field name.
pub const NAME_MAX: usize = 64;

/// Most bytes of one [`FieldType::Chars`] array, and most data bytes of one [`FieldType::Str`] or
/// [`FieldType::Bytes`] field.
pub const DYNAMIC_MAX: usize = 4096;

/// Largest record: a `data_loc` offset must fit in 16 bits.
pub const RECORD_MAX: usize = 65535;

/// Size of a `data_loc` in the fixed part.
const DATA_LOC_SIZE: usize = 4;

/// Why a declaration, a value or a record is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordError {
    /// A subsystem, event or field name is not 1 to [`NAME_MAX`] bytes of `[A-Za-z0-9_]` that do
    /// not start with a digit.
    BadName,
    /// More than [`FIELDS_MAX`] fields.
    TooManyFields,
    /// Two fields have the same name.
    DuplicateField,
    /// An array or a dynamic field's maximum is 0 or more than [`DYNAMIC_MAX`].
    BadSize,
    /// The record (worst case for a declaration) would be longer than [`RECORD_MAX`].
    TooLarge,
    /// The output buffer is too short.
    BufferTooSmall,
    /// The record does not hold what the fields say: too short, a `data_loc` out of bounds, a
    /// `bool` that is neither 0 nor 1.
    Malformed,
    /// A value's kind does not match its field's type, or an integer does not fit its width.
    WrongValue,
    /// Not one value per field.
    WrongCount,
    /// No field at this index.
    BadIndex,
}

/// The type of a marker field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// `u8`.
    U8,
    /// `u16`.
    U16,
    /// `u32`.
    U32,
    /// `u64`.
    U64,
    /// `s8`.
    I8,
    /// `s16`.
    I16,
    /// `s32`.
    I32,
    /// `s64`.
    I64,
    /// `bool`, one byte, 0 or 1.
    Bool,
    /// A fixed `char` array of this many bytes (as `comm[16]`), NUL-padded and always ending with
    /// a NUL.
    Chars(u16),
    /// A string of at most this many bytes, in the dynamic area.
    Str(u16),
    /// A byte array of at most this many bytes, in the dynamic area.
    Bytes(u16),
}

impl FieldType {
    /// Bytes in the fixed part: an integer's width, 1 for `Bool`, `n` for `Chars(n)`, 4 (the
    /// `data_loc`) for `Str` and `Bytes`.
    pub const fn fixed_size(self) -> usize {
        match self {
            Self::U8 | Self::I8 | Self::Bool => 1,
            Self::U16 | Self::I16 => 2,
            Self::U32 | Self::I32 => 4,
            Self::U64 | Self::I64 => 8,
            Self::Chars(n) => n as usize,
            Self::Str(_) | Self::Bytes(_) => DATA_LOC_SIZE,
        }
    }

    /// Whether values are signed integers (the `signed:` of the format text).
    pub const fn signed(self) -> bool {
        matches!(self, Self::I8 | Self::I16 | Self::I32 | Self::I64)
    }

    /// Whether the data are in the dynamic area (`Str` and `Bytes`).
    pub const fn is_dynamic(self) -> bool {
        matches!(self, Self::Str(_) | Self::Bytes(_))
    }

    /// Most bytes a value takes in the record, fixed and dynamic parts together.
    const fn max_bytes(self) -> usize {
        match self {
            Self::Str(m) | Self::Bytes(m) => DATA_LOC_SIZE + m as usize,
            _ => self.fixed_size(),
        }
    }

    /// The C type shown in the format text (an array's length is written after the name).
    pub fn c_type(self) -> &'static str {
        match self {
            Self::U8 => "u8",
            Self::U16 => "u16",
            Self::U32 => "u32",
            Self::U64 => "u64",
            Self::I8 => "s8",
            Self::I16 => "s16",
            Self::I32 => "s32",
            Self::I64 => "s64",
            Self::Bool => "bool",
            Self::Chars(_) => "char",
            Self::Str(_) => "__data_loc char[]",
            Self::Bytes(_) => "__data_loc u8[]",
        }
    }

    /// The inverse of [`FieldType::c_type`]: `len` is the array length of `char` and the maximum
    /// of `__data_loc` types, and must be `None` for the others.
    pub fn from_name(c_type: &str, len: Option<u16>) -> Option<Self> {
        let ty = match (c_type, len) {
            ("u8", None) => Self::U8,
            ("u16", None) => Self::U16,
            ("u32", None) => Self::U32,
            ("u64", None) => Self::U64,
            ("s8", None) => Self::I8,
            ("s16", None) => Self::I16,
            ("s32", None) => Self::I32,
            ("s64", None) => Self::I64,
            ("bool", None) => Self::Bool,
            ("char", Some(n)) => Self::Chars(n),
            ("__data_loc char[]", Some(m)) => Self::Str(m),
            ("__data_loc u8[]", Some(m)) => Self::Bytes(m),
            _ => return None,
        };
        Some(ty)
    }
}

impl FieldType {
    /// The type as modules exchange it (`RawField` in rust/abi.rs): a kind, 1 to 8 for `U8`,
    /// `U16`, `U32`, `U64`, `I8`, `I16`, `I32`, `I64`, 9 for `Bool`, 10, 11, 12 for `Chars`,
    /// `Str`, `Bytes`, and their size (0 for the others).
    pub const fn to_raw(self) -> (u8, u16) {
        match self {
            Self::U8 => (1, 0),
            Self::U16 => (2, 0),
            Self::U32 => (3, 0),
            Self::U64 => (4, 0),
            Self::I8 => (5, 0),
            Self::I16 => (6, 0),
            Self::I32 => (7, 0),
            Self::I64 => (8, 0),
            Self::Bool => (9, 0),
            Self::Chars(n) => (10, n),
            Self::Str(n) => (11, n),
            Self::Bytes(n) => (12, n),
        }
    }

    /// The inverse of [`FieldType::to_raw`]; `None` for an unknown kind, or a size given to a
    /// type that takes none.
    pub const fn from_raw(kind: u8, size: u16) -> Option<Self> {
        let ty = match kind {
            1 => Self::U8,
            2 => Self::U16,
            3 => Self::U32,
            4 => Self::U64,
            5 => Self::I8,
            6 => Self::I16,
            7 => Self::I32,
            8 => Self::I64,
            9 => Self::Bool,
            10 => return Some(Self::Chars(size)),
            11 => return Some(Self::Str(size)),
            12 => return Some(Self::Bytes(size)),
            _ => return None,
        };
        if size != 0 {
            return None;
        }
        Some(ty)
    }
}

/// A field of a marker: its name and its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field<'a> {
    /// The field's name, unique in its marker.
    pub name: &'a str,
    /// The field's type.
    pub ty: FieldType,
}

/// A field value to encode, or a decoded one (borrowing the record).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    /// A value of an unsigned integer type.
    U(u64),
    /// A value of a signed integer type.
    I(i64),
    /// A value of [`FieldType::Bool`].
    Bool(bool),
    /// A value of [`FieldType::Chars`]; decoded, the bytes before the first NUL.
    Chars(&'a [u8]),
    /// A value of [`FieldType::Str`].
    Str(&'a [u8]),
    /// A value of [`FieldType::Bytes`].
    Bytes(&'a [u8]),
}

/// Checks a marker declaration: subsystem, event and field names valid (see
/// [`RecordError::BadName`]), at most [`FIELDS_MAX`] fields (none is fine), field names unique,
/// every `Chars(n)`, `Str(m)` and `Bytes(m)` with `1 <= n, m <= DYNAMIC_MAX`, and the worst-case
/// record ([`max_size`]) at most [`RECORD_MAX`] bytes.
pub fn check(subsystem: &str, event: &str, fields: &[Field<'_>]) -> Result<(), RecordError> {
    if !valid_name(subsystem.as_bytes(), NAME_MAX) || !valid_name(event.as_bytes(), NAME_MAX) {
        return Err(RecordError::BadName);
    }
    if fields.len() > FIELDS_MAX {
        return Err(RecordError::TooManyFields);
    }
    for (i, field) in fields.iter().enumerate() {
        if !valid_name(field.name.as_bytes(), NAME_MAX) {
            return Err(RecordError::BadName);
        }
        if fields.iter().take(i).any(|f| f.name == field.name) {
            return Err(RecordError::DuplicateField);
        }
        if let FieldType::Chars(n) | FieldType::Str(n) | FieldType::Bytes(n) = field.ty {
            if n == 0 || usize::from(n) > DYNAMIC_MAX {
                return Err(RecordError::BadSize);
            }
        }
    }
    if max_size(fields) > RECORD_MAX {
        return Err(RecordError::TooLarge);
    }
    Ok(())
}

/// The length of the fixed part of a record of `fields`.
fn fixed_len(fields: &[Field<'_>]) -> Result<usize, RecordError> {
    let len = fields
        .iter()
        .try_fold(0usize, |at, f| at.checked_add(f.ty.fixed_size()))
        .ok_or(RecordError::TooLarge)?;
    if len > RECORD_MAX {
        return Err(RecordError::TooLarge);
    }
    Ok(len)
}

/// Fills `out[i]` with the offset of field `i` in the fixed part and returns the length of the
/// fixed part, which is where the dynamic area starts.
pub fn offsets(fields: &[Field<'_>], out: &mut [u16]) -> Result<usize, RecordError> {
    let slots = out
        .get_mut(..fields.len())
        .ok_or(RecordError::BufferTooSmall)?;
    let mut at = 0usize;
    for (slot, field) in slots.iter_mut().zip(fields) {
        *slot = u16::try_from(at).map_err(|_| RecordError::TooLarge)?;
        at = at
            .checked_add(field.ty.fixed_size())
            .ok_or(RecordError::TooLarge)?;
    }
    if at > RECORD_MAX {
        return Err(RecordError::TooLarge);
    }
    Ok(at)
}

/// The worst-case record size for `fields`: the fixed part and every dynamic field at its
/// maximum.
pub fn max_size(fields: &[Field<'_>]) -> usize {
    fields
        .iter()
        .fold(0usize, |size, f| size.saturating_add(f.ty.max_bytes()))
}

/// Checks that `value` may be stored in a field of type `ty` and returns how many of its bytes
/// are kept: the data of `Chars`, `Str` and `Bytes` after truncation, 0 for the others.
fn kept_len(ty: FieldType, value: &Value<'_>) -> Result<usize, RecordError> {
    use FieldType as T;
    let fits = match (ty, *value) {
        (T::U8, Value::U(v)) => u8::try_from(v).is_ok(),
        (T::U16, Value::U(v)) => u16::try_from(v).is_ok(),
        (T::U32, Value::U(v)) => u32::try_from(v).is_ok(),
        (T::U64, Value::U(_)) => true,
        (T::I8, Value::I(v)) => i8::try_from(v).is_ok(),
        (T::I16, Value::I(v)) => i16::try_from(v).is_ok(),
        (T::I32, Value::I(v)) => i32::try_from(v).is_ok(),
        (T::I64, Value::I(_)) | (T::Bool, Value::Bool(_)) => true,
        (T::Chars(n), Value::Chars(s)) => {
            // Room for the final NUL; an array of no byte cannot hold it.
            let room = usize::from(n).checked_sub(1).ok_or(RecordError::BadSize)?;
            return Ok(s.len().min(room));
        }
        (T::Str(m), Value::Str(s)) | (T::Bytes(m), Value::Bytes(s)) => {
            return Ok(s.len().min(usize::from(m)))
        }
        _ => false,
    };
    if fits {
        Ok(0)
    } else {
        Err(RecordError::WrongValue)
    }
}

/// Copies `bytes` into `out` at `at`.
fn put(out: &mut [u8], at: usize, bytes: &[u8]) -> Result<(), RecordError> {
    let end = at
        .checked_add(bytes.len())
        .ok_or(RecordError::BufferTooSmall)?;
    out.get_mut(at..end)
        .ok_or(RecordError::BufferTooSmall)?
        .copy_from_slice(bytes);
    Ok(())
}

/// The `len` bytes of `record` at `at`.
fn get(record: &[u8], at: usize, len: usize) -> Result<&[u8], RecordError> {
    let end = at.checked_add(len).ok_or(RecordError::Malformed)?;
    record.get(at..end).ok_or(RecordError::Malformed)
}

/// The length of the record [`encode`] writes for `values`, after truncation of over-long
/// arrays and strings; checks every value as `encode` does.
pub fn encoded_len(fields: &[Field<'_>], values: &[Value<'_>]) -> Result<usize, RecordError> {
    if values.len() != fields.len() {
        return Err(RecordError::WrongCount);
    }
    let mut len = fixed_len(fields)?;
    for (field, value) in fields.iter().zip(values) {
        let kept = kept_len(field.ty, value)?;
        if field.ty.is_dynamic() {
            len = len.checked_add(kept).ok_or(RecordError::TooLarge)?;
        }
    }
    if len > RECORD_MAX {
        return Err(RecordError::TooLarge);
    }
    Ok(len)
}

/// Encodes `values`, one per field, into `out` and returns the record's length.
///
/// Integer fields take [`Value::U`] for unsigned types and [`Value::I`] for signed types, with a
/// value that fits the width; `Bool`, `Chars`, `Str` and `Bytes` take the value of their name.
/// Too long data are truncated, never refused: `Chars(n)` keeps `n - 1` bytes so that the array
/// always ends with a NUL (shorter data are NUL-padded), `Str(m)` and `Bytes(m)` keep `m` bytes.
/// The data of `Str` and `Bytes` go to the dynamic area in field order.
///
/// Every value is checked before anything is written, and `out` need only be as long as this
/// record (at most [`max_size`]).
pub fn encode(
    fields: &[Field<'_>],
    values: &[Value<'_>],
    out: &mut [u8],
) -> Result<usize, RecordError> {
    let len = encoded_len(fields, values)?;
    encode_sized(fields, values, out, len)?;
    Ok(len)
}

/// [`encode`] for values whose record length `len` [`encoded_len`] has just given (a marker
/// site computes it once, to reserve room, then writes): the values are not measured again.
pub fn encode_sized(
    fields: &[Field<'_>],
    values: &[Value<'_>],
    out: &mut [u8],
    len: usize,
) -> Result<(), RecordError> {
    let fixed = fixed_len(fields)?;
    let out = out.get_mut(..len).ok_or(RecordError::BufferTooSmall)?;

    let mut at = 0usize;
    let mut dynamic = fixed;
    for (field, value) in fields.iter().zip(values) {
        let size = field.ty.fixed_size();
        let kept = kept_len(field.ty, value)?;
        match *value {
            Value::U(v) => put(out, at, v.to_le_bytes().get(..size).unwrap_or(&[]))?,
            // Two's complement: the low bytes of a value that fits are its narrower encoding.
            Value::I(v) => put(out, at, v.to_le_bytes().get(..size).unwrap_or(&[]))?,
            Value::Bool(b) => put(out, at, &[u8::from(b)])?,
            Value::Chars(s) => {
                put(out, at, s.get(..kept).unwrap_or(&[]))?;
                let pad_from = at.checked_add(kept).ok_or(RecordError::TooLarge)?;
                let pad_to = at.checked_add(size).ok_or(RecordError::TooLarge)?;
                out.get_mut(pad_from..pad_to)
                    .ok_or(RecordError::BufferTooSmall)?
                    .fill(0);
            }
            Value::Str(s) | Value::Bytes(s) => {
                let offset = u32::from(u16::try_from(dynamic).map_err(|_| RecordError::TooLarge)?);
                let data_len = u32::from(u16::try_from(kept).map_err(|_| RecordError::TooLarge)?);
                put(out, at, &((offset << 16) | data_len).to_le_bytes())?;
                put(out, dynamic, s.get(..kept).unwrap_or(&[]))?;
                dynamic = dynamic.checked_add(kept).ok_or(RecordError::TooLarge)?;
            }
        }
        at = at.checked_add(size).ok_or(RecordError::TooLarge)?;
    }
    Ok(())
}

/// Decodes field `index` of `record`, checking every bound: a record shorter than its fixed part,
/// a `data_loc` outside the dynamic area or longer than the field's maximum, or a `bool` other
/// than 0 or 1 is [`RecordError::Malformed`].
///
/// Integers come back as [`Value::U`] or [`Value::I`] (sign-extended), `Chars` as the bytes before
/// the first NUL (all of them if there is none), `Str` and `Bytes` as their data.
pub fn decode<'r>(
    fields: &[Field<'_>],
    record: &'r [u8],
    index: usize,
) -> Result<Value<'r>, RecordError> {
    use FieldType as T;
    let field = fields.get(index).ok_or(RecordError::BadIndex)?;
    let fixed = fixed_len(fields)?;
    if record.len() < fixed {
        return Err(RecordError::Malformed);
    }
    let at = fields
        .iter()
        .take(index)
        .fold(0usize, |at, f| at.saturating_add(f.ty.fixed_size()));
    let bytes = get(record, at, field.ty.fixed_size())?;
    let mut raw = [0u8; 8];
    if let Some(low) = raw.get_mut(..bytes.len()) {
        low.copy_from_slice(bytes);
    }
    let raw = u64::from_le_bytes(raw);
    let value = match field.ty {
        T::U8 | T::U16 | T::U32 | T::U64 => Value::U(raw),
        T::I8 => Value::I(i64::from(raw as u8 as i8)),
        T::I16 => Value::I(i64::from(raw as u16 as i16)),
        T::I32 => Value::I(i64::from(raw as u32 as i32)),
        T::I64 => Value::I(raw as i64),
        T::Bool => match raw {
            0 => Value::Bool(false),
            1 => Value::Bool(true),
            _ => return Err(RecordError::Malformed),
        },
        T::Chars(_) => {
            let end = bytes.iter().position(|&c| c == 0).unwrap_or(bytes.len());
            Value::Chars(bytes.get(..end).unwrap_or(bytes))
        }
        T::Str(max) | T::Bytes(max) => {
            let offset = (raw >> 16) as usize;
            let len = (raw & 0xffff) as usize;
            if offset < fixed || len > usize::from(max) {
                return Err(RecordError::Malformed);
            }
            let data = get(record, offset, len)?;
            if let T::Str(_) = field.ty {
                Value::Str(data)
            } else {
                Value::Bytes(data)
            }
        }
    };
    Ok(value)
}

/// Writes the format description of a marker through `out`, modelled on ftrace's `format` files:
///
/// ```text
/// name: <event>
/// ID: <id>
/// format:
/// \tfield:<c_type> <name>;\toffset:<offset>;\tsize:<fixed size>;\tsigned:<0|1>;
/// \tfield:char <name>[<n>];\toffset:<offset>;\tsize:<n>;\tsigned:0;
/// \tfield:__data_loc char[] <name>;\toffset:<offset>;\tsize:4;\tsigned:0;\tmax:<m>;
/// ```
///
/// one line per field (`__data_loc u8[]` for `Bytes`). As in ftrace, `subsystem` names the
/// directory of the file (`<subsystem>/<event>/format`) and does not appear in the text.
pub fn write_format(
    out: &mut impl fmt::Write,
    subsystem: &str,
    event: &str,
    id: u32,
    fields: &[Field<'_>],
) -> fmt::Result {
    let _ = subsystem;
    writeln!(out, "name: {event}")?;
    writeln!(out, "ID: {id}")?;
    writeln!(out, "format:")?;
    let mut at = 0usize;
    for field in fields {
        let (name, ty) = (field.name, field.ty);
        let (size, signed) = (ty.fixed_size(), u8::from(ty.signed()));
        match ty {
            FieldType::Chars(n) => write!(out, "\tfield:char {name}[{n}];")?,
            _ => write!(out, "\tfield:{} {name};", ty.c_type())?,
        }
        write!(out, "\toffset:{at};\tsize:{size};\tsigned:{signed};")?;
        if let FieldType::Str(m) | FieldType::Bytes(m) = ty {
            write!(out, "\tmax:{m};")?;
        }
        writeln!(out)?;
        at = at.saturating_add(size);
    }
    Ok(())
}

/// A decimal number of digits only (no sign).
fn parse_u16(text: &str) -> Option<u16> {
    if text.is_empty() || !text.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// The value of `key:<value>;` at the start of `text` (after whitespace), and what follows.
fn parse_item<'t>(text: &'t str, key: &str) -> Option<(&'t str, &'t str)> {
    text.trim_start().strip_prefix(key)?.split_once(';')
}

/// Parses one field line of the text of [`write_format`] (surrounding whitespace and the newline
/// are ignored) into the field's type, name and offset. Returns `None` for any other line, and for
/// a field line that is not as [`write_format`] writes it: unknown type, invalid name, array or
/// maximum of 0 or more than [`DYNAMIC_MAX`], or a size or sign that does not match the type.
pub fn parse_format_line(line: &str) -> Option<(FieldType, &str, u16)> {
    let rest = line.trim();
    let (decl, rest) = parse_item(rest, "field:")?;
    let (offset, rest) = parse_item(rest, "offset:")?;
    let (size, rest) = parse_item(rest, "size:")?;
    let (signed, rest) = parse_item(rest, "signed:")?;
    let (max, rest) = match parse_item(rest, "max:") {
        Some((max, rest)) => (Some(parse_u16(max)?), rest),
        None => (None, rest),
    };
    if !rest.trim().is_empty() {
        return None;
    }

    let (c_type, name) = decl.rsplit_once(' ')?;
    let (name, array) = match name.strip_suffix(']') {
        Some(name) => {
            let (name, n) = name.split_once('[')?;
            (name, Some(parse_u16(n)?))
        }
        None => (name, None),
    };
    let ty = match (array, max) {
        (Some(n), None) => FieldType::from_name(c_type, Some(n)).filter(|t| !t.is_dynamic())?,
        (None, Some(m)) => FieldType::from_name(c_type, Some(m)).filter(|t| t.is_dynamic())?,
        (None, None) => FieldType::from_name(c_type, None)?,
        (Some(_), Some(_)) => return None,
    };
    if let FieldType::Chars(n) | FieldType::Str(n) | FieldType::Bytes(n) = ty {
        if n == 0 || usize::from(n) > DYNAMIC_MAX {
            return None;
        }
    }
    let signed = match signed {
        "0" => false,
        "1" => true,
        _ => return None,
    };
    if !valid_name(name.as_bytes(), NAME_MAX)
        || usize::from(parse_u16(size)?) != ty.fixed_size()
        || signed != ty.signed()
    {
        return None;
    }
    Some((ty, name, parse_u16(offset)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use FieldType as T;

    const fn f(name: &'static str, ty: FieldType) -> Field<'static> {
        Field { name, ty }
    }

    /// Encodes into a buffer of exactly `max_size`, which is then cut to the record.
    fn enc(fields: &[Field<'_>], values: &[Value<'_>]) -> Vec<u8> {
        let mut buf = vec![0xa5; max_size(fields)];
        let len = encode(fields, values, &mut buf).unwrap();
        buf.truncate(len);
        buf
    }

    fn dec<'r>(fields: &[Field<'_>], record: &'r [u8]) -> Vec<Value<'r>> {
        (0..fields.len())
            .map(|i| decode(fields, record, i).unwrap())
            .collect()
    }

    fn round_trip(fields: &[Field<'_>], values: &[Value<'_>], expect: &[Value<'_>]) {
        let record = enc(fields, values);
        assert_eq!(dec(fields, &record), expect);
    }

    fn format(subsystem: &str, event: &str, id: u32, fields: &[Field<'_>]) -> String {
        let mut s = String::new();
        write_format(&mut s, subsystem, event, id, fields).unwrap();
        s
    }

    const ALL: [Field<'static>; 12] = [
        f("a_u8", T::U8),
        f("a_u16", T::U16),
        f("a_u32", T::U32),
        f("a_u64", T::U64),
        f("a_s8", T::I8),
        f("a_s16", T::I16),
        f("a_s32", T::I32),
        f("a_s64", T::I64),
        f("flag", T::Bool),
        f("comm", T::Chars(16)),
        f("path", T::Str(256)),
        f("data", T::Bytes(32)),
    ];

    const SCHED_SWITCH: [Field<'static>; 7] = [
        f("prev_comm", T::Chars(16)),
        f("prev_pid", T::I32),
        f("prev_prio", T::I32),
        f("prev_state", T::I64),
        f("next_comm", T::Chars(16)),
        f("next_pid", T::I32),
        f("next_prio", T::I32),
    ];

    #[test]
    fn type_properties() {
        let table = [
            (T::U8, 1, false, "u8"),
            (T::U16, 2, false, "u16"),
            (T::U32, 4, false, "u32"),
            (T::U64, 8, false, "u64"),
            (T::I8, 1, true, "s8"),
            (T::I16, 2, true, "s16"),
            (T::I32, 4, true, "s32"),
            (T::I64, 8, true, "s64"),
            (T::Bool, 1, false, "bool"),
            (T::Chars(16), 16, false, "char"),
            (T::Str(300), 4, false, "__data_loc char[]"),
            (T::Bytes(7), 4, false, "__data_loc u8[]"),
        ];
        for (ty, size, signed, c_type) in table {
            assert_eq!(ty.fixed_size(), size, "{ty:?}");
            assert_eq!(ty.signed(), signed, "{ty:?}");
            assert_eq!(ty.c_type(), c_type, "{ty:?}");
            assert_eq!(ty.is_dynamic(), matches!(ty, T::Str(_) | T::Bytes(_)));
            let len = match ty {
                T::Chars(n) | T::Str(n) | T::Bytes(n) => Some(n),
                _ => None,
            };
            assert_eq!(FieldType::from_name(c_type, len), Some(ty));
        }
        assert_eq!(FieldType::from_name("u8", Some(1)), None);
        assert_eq!(FieldType::from_name("char", None), None);
        assert_eq!(FieldType::from_name("__data_loc char[]", None), None);
        assert_eq!(FieldType::from_name("int", None), None);
    }

    #[test]
    fn offsets_are_packed_in_declaration_order() {
        let mut out = [0u16; 12];
        assert_eq!(offsets(&ALL, &mut out), Ok(55));
        assert_eq!(out, [0, 1, 3, 7, 15, 16, 18, 22, 30, 31, 47, 51]);
        assert_eq!(max_size(&ALL), 55 + 256 + 32);

        let mut out = [0xffffu16; 8];
        assert_eq!(offsets(&SCHED_SWITCH, &mut out), Ok(56));
        assert_eq!(out, [0, 16, 20, 24, 32, 48, 52, 0xffff]);
        assert_eq!(max_size(&SCHED_SWITCH), 56);

        assert_eq!(offsets(&[], &mut []), Ok(0));
        assert_eq!(max_size(&[]), 0);
        assert_eq!(
            offsets(&ALL, &mut [0u16; 11]),
            Err(RecordError::BufferTooSmall)
        );
    }

    #[test]
    fn unsigned_integers_round_trip_at_their_edges() {
        let fields = [
            f("a", T::U8),
            f("b", T::U16),
            f("c", T::U32),
            f("d", T::U64),
        ];
        for values in [
            [0, 0, 0, 0],
            [1, 1, 1, 1],
            [u8::MAX.into(), u16::MAX.into(), u32::MAX.into(), u64::MAX],
            [0x12, 0x1234, 0x1234_5678, 0x1234_5678_9abc_def0],
        ] {
            let values = values.map(Value::U);
            round_trip(&fields, &values, &values);
        }
    }

    #[test]
    fn signed_integers_round_trip_at_their_edges() {
        let fields = [
            f("a", T::I8),
            f("b", T::I16),
            f("c", T::I32),
            f("d", T::I64),
        ];
        for values in [
            [0, 0, 0, 0],
            [-1, -1, -1, -1],
            [1, 1, 1, 1],
            [i8::MIN.into(), i16::MIN.into(), i32::MIN.into(), i64::MIN],
            [i8::MAX.into(), i16::MAX.into(), i32::MAX.into(), i64::MAX],
        ] {
            let values = values.map(Value::I);
            round_trip(&fields, &values, &values);
        }
    }

    #[test]
    fn records_are_little_endian_and_packed() {
        let fields = [
            f("a", T::U8),
            f("b", T::I16),
            f("c", T::U32),
            f("d", T::Bool),
            f("e", T::I64),
        ];
        let record = enc(
            &fields,
            &[
                Value::U(0xab),
                Value::I(-2),
                Value::U(0x0102_0304),
                Value::Bool(true),
                Value::I(i64::MIN + 1),
            ],
        );
        assert_eq!(
            record,
            [0xab, 0xfe, 0xff, 4, 3, 2, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0x80]
        );
    }

    #[test]
    fn bools_round_trip() {
        let fields = [f("yes", T::Bool), f("no", T::Bool)];
        let values = [Value::Bool(true), Value::Bool(false)];
        let record = enc(&fields, &values);
        assert_eq!(record, [1, 0]);
        assert_eq!(dec(&fields, &record), values);
    }

    #[test]
    fn chars_are_nul_padded_and_truncated_to_keep_a_nul() {
        let fields = [f("comm", T::Chars(8))];
        let cases: [(&[u8], &[u8]); 5] = [
            (b"", b""),
            (b"sh", b"sh"),
            (b"seven77", b"seven77"),
            (b"eight888", b"eight88"),
            (b"much longer than eight", b"much lo"),
        ];
        for (input, expect) in cases {
            let record = enc(&fields, &[Value::Chars(input)]);
            assert_eq!(record.len(), 8);
            assert_eq!(record.last(), Some(&0));
            assert_eq!(&record[..expect.len()], expect);
            assert!(record[expect.len()..].iter().all(|&c| c == 0));
            assert_eq!(dec(&fields, &record), [Value::Chars(expect)]);
        }
        // One byte holds only the NUL.
        let one = [f("c", T::Chars(1))];
        let record = enc(&one, &[Value::Chars(b"xyz")]);
        assert_eq!(record, [0]);
        assert_eq!(dec(&one, &record), [Value::Chars(b"")]);
        // A NUL in the data ends the decoded value; an array without one is read whole.
        let record = enc(&fields, &[Value::Chars(b"ab\0cd")]);
        assert_eq!(record, *b"ab\0cd\0\0\0");
        assert_eq!(dec(&fields, &record), [Value::Chars(b"ab")]);
        assert_eq!(dec(&fields, b"12345678"), [Value::Chars(b"12345678")]);
    }

    #[test]
    fn str_and_bytes_are_truncated_to_their_maximum() {
        let fields = [f("s", T::Str(5)), f("b", T::Bytes(3))];
        let strs: [(&[u8], &[u8]); 4] = [
            (b"", b""),
            (b"hello", b"hello"),
            (b"hello world", b"hello"),
            (b"hi", b"hi"),
        ];
        let bytes: [(&[u8], &[u8]); 4] = [
            (b"", b""),
            (b"\0\x01\xff", b"\0\x01\xff"),
            (b"\0\x01\xff\x02", b"\0\x01\xff"),
            (b"\x7f", b"\x7f"),
        ];
        for ((s, s_kept), (b, b_kept)) in strs.into_iter().zip(bytes) {
            let record = enc(&fields, &[Value::Str(s), Value::Bytes(b)]);
            assert_eq!(record.len(), 8 + s_kept.len() + b_kept.len());
            assert_eq!(
                dec(&fields, &record),
                [Value::Str(s_kept), Value::Bytes(b_kept)]
            );
        }
    }

    #[test]
    fn dynamic_data_follow_the_fixed_part_in_field_order() {
        let fields = [
            f("first", T::Str(16)),
            f("pid", T::U16),
            f("second", T::Bytes(16)),
            f("empty", T::Str(16)),
            f("third", T::Str(16)),
        ];
        let values = [
            Value::Str(b"abc"),
            Value::U(7),
            Value::Bytes(&[9, 8]),
            Value::Str(b""),
            Value::Str(b"xyzw"),
        ];
        let record = enc(&fields, &values);
        let mut expect = Vec::new();
        let loc = |offset: u32, len: u32| ((offset << 16) | len).to_le_bytes();
        expect.extend(loc(18, 3));
        expect.extend(7u16.to_le_bytes());
        expect.extend(loc(21, 2));
        expect.extend(loc(23, 0));
        expect.extend(loc(23, 4));
        expect.extend(b"abc\x09\x08xyzw");
        assert_eq!(record, expect);
        assert_eq!(dec(&fields, &record), values);
    }

    #[test]
    fn every_type_at_once() {
        let values = [
            Value::U(200),
            Value::U(60000),
            Value::U(4_000_000_000),
            Value::U(u64::MAX - 1),
            Value::I(-100),
            Value::I(-30000),
            Value::I(-2_000_000_000),
            Value::I(i64::MIN),
            Value::Bool(true),
            Value::Chars(b"kworker/0:1"),
            Value::Str(b"/usr/bin/true"),
            Value::Bytes(&[0, 1, 2, 3, 255]),
        ];
        round_trip(&ALL, &values, &values);
        assert_eq!(enc(&ALL, &values).len(), 55 + 13 + 5);
    }

    #[test]
    fn wrong_values_are_refused() {
        let wrong = |ty: FieldType, value: Value<'_>| {
            let mut buf = [0u8; 64];
            assert_eq!(
                encode(&[f("x", ty)], &[value], &mut buf),
                Err(RecordError::WrongValue),
                "{ty:?} {value:?}"
            );
        };
        wrong(T::U8, Value::U(256));
        wrong(T::U16, Value::U(65536));
        wrong(T::U32, Value::U(1 << 32));
        wrong(T::I8, Value::I(128));
        wrong(T::I8, Value::I(-129));
        wrong(T::I16, Value::I(32768));
        wrong(T::I16, Value::I(-32769));
        wrong(T::I32, Value::I(i64::from(i32::MAX) + 1));
        wrong(T::I32, Value::I(i64::from(i32::MIN) - 1));
        wrong(T::U64, Value::I(0));
        wrong(T::I64, Value::U(0));
        wrong(T::Bool, Value::U(1));
        wrong(T::U8, Value::Bool(true));
        wrong(T::Chars(4), Value::Str(b"a"));
        wrong(T::Str(4), Value::Chars(b"a"));
        wrong(T::Str(4), Value::Bytes(b"a"));
        wrong(T::Bytes(4), Value::Str(b"a"));
        wrong(T::U32, Value::Bytes(b"a"));

        let mut buf = [0u8; 64];
        let two = [f("a", T::U8), f("b", T::U8)];
        assert_eq!(
            encode(&two, &[Value::U(1)], &mut buf),
            Err(RecordError::WrongCount)
        );
        assert_eq!(
            encode(&two, &[Value::U(1); 3], &mut buf),
            Err(RecordError::WrongCount)
        );
        // An unchecked declaration with an empty char array is refused, not a panic.
        assert_eq!(
            encode(&[f("c", T::Chars(0))], &[Value::Chars(b"")], &mut buf),
            Err(RecordError::BadSize)
        );
        // Nothing is written when a later value is wrong.
        let mut buf = [0x55u8; 8];
        assert_eq!(
            encode(&two, &[Value::U(1), Value::I(1)], &mut buf),
            Err(RecordError::WrongValue)
        );
        assert_eq!(buf, [0x55; 8]);
    }

    #[test]
    fn short_buffers_are_refused() {
        let values = [
            Value::U(1),
            Value::U(2),
            Value::U(3),
            Value::U(4),
            Value::I(5),
            Value::I(6),
            Value::I(7),
            Value::I(8),
            Value::Bool(false),
            Value::Chars(b"x"),
            Value::Str(b"abc"),
            Value::Bytes(b"de"),
        ];
        let record = enc(&ALL, &values);
        assert_eq!(record.len(), 55 + 3 + 2);
        for len in 0..record.len() {
            let mut buf = vec![0; len];
            assert_eq!(
                encode(&ALL, &values, &mut buf),
                Err(RecordError::BufferTooSmall),
                "{len}"
            );
        }
        let mut buf = vec![0; record.len() + 10];
        assert_eq!(encode(&ALL, &values, &mut buf), Ok(record.len()));
        assert_eq!(buf[..record.len()], record);
        assert_eq!(encode(&[], &[], &mut []), Ok(0));
    }

    #[test]
    fn check_accepts_good_declarations() {
        assert_eq!(check("sched", "sched_switch", &SCHED_SWITCH), Ok(()));
        assert_eq!(check("rtrace", "all_types", &ALL), Ok(()));
        assert_eq!(check("a", "_", &[]), Ok(()));
        let long = core::str::from_utf8(&[b'n'; NAME_MAX]).unwrap();
        assert_eq!(check(long, long, &[f("x", T::Chars(4096))]), Ok(()));
        let names: Vec<&'static str> = (0..FIELDS_MAX)
            .map(|i| &*Box::leak(format!("f{i}").into_boxed_str()))
            .collect();
        let many: Vec<Field<'static>> = names.iter().map(|&n| f(n, T::U64)).collect();
        assert_eq!(check("s", "e", &many), Ok(()));
        // Exactly RECORD_MAX in the worst case: 15 * (4 + 4096) + 4035.
        let mut big: Vec<Field<'static>> =
            names[..15].iter().map(|&n| f(n, T::Bytes(4096))).collect();
        big.push(f("last", T::Chars(4035)));
        assert_eq!(max_size(&big), RECORD_MAX);
        assert_eq!(check("s", "e", &big), Ok(()));
        big.pop();
        big.push(f("last", T::Chars(4036)));
        assert_eq!(check("s", "e", &big), Err(RecordError::TooLarge));
    }

    #[test]
    fn check_refuses_bad_declarations() {
        let ok = [f("x", T::U8)];
        let long = core::str::from_utf8(&[b'n'; NAME_MAX + 1]).unwrap();
        for (subsystem, event) in [
            ("", "e"),
            ("s", ""),
            ("9s", "e"),
            ("s", "9e"),
            ("s-x", "e"),
            ("s", "e:f"),
            ("s", "e f"),
            (long, "e"),
            ("s", long),
        ] {
            assert_eq!(
                check(subsystem, event, &ok),
                Err(RecordError::BadName),
                "{subsystem}:{event}"
            );
        }
        for name in ["", "1x", "a-b", "a b", "é", "a[1]", long] {
            assert_eq!(
                check("s", "e", &[f(name, T::U8)]),
                Err(RecordError::BadName),
                "{name}"
            );
        }
        assert_eq!(
            check("s", "e", &[f("a", T::U8), f("b", T::U8), f("a", T::U16)]),
            Err(RecordError::DuplicateField)
        );
        let many = [f("x", T::U8); FIELDS_MAX + 1];
        assert_eq!(check("s", "e", &many), Err(RecordError::TooManyFields));
        for ty in [
            T::Chars(0),
            T::Str(0),
            T::Bytes(0),
            T::Chars(4097),
            T::Str(4097),
            T::Bytes(u16::MAX),
        ] {
            assert_eq!(
                check("s", "e", &[f("x", ty)]),
                Err(RecordError::BadSize),
                "{ty:?}"
            );
        }
        let oversize = [
            f("a", T::Str(4096)),
            f("b", T::Str(4096)),
            f("c", T::Str(4096)),
            f("d", T::Str(4096)),
            f("e", T::Str(4096)),
            f("f", T::Str(4096)),
            f("g", T::Str(4096)),
            f("h", T::Str(4096)),
            f("i", T::Str(4096)),
            f("j", T::Str(4096)),
            f("k", T::Str(4096)),
            f("l", T::Str(4096)),
            f("m", T::Str(4096)),
            f("n", T::Str(4096)),
            f("o", T::Str(4096)),
            f("p", T::Str(4096)),
        ];
        assert_eq!(check("s", "e", &oversize), Err(RecordError::TooLarge));
    }

    #[test]
    fn truncated_records_are_malformed() {
        let values = [
            Value::U(1),
            Value::U(2),
            Value::U(3),
            Value::U(4),
            Value::I(-5),
            Value::I(-6),
            Value::I(-7),
            Value::I(-8),
            Value::Bool(true),
            Value::Chars(b"comm"),
            Value::Str(b"path"),
            Value::Bytes(b"data"),
        ];
        let record = enc(&ALL, &values);
        for len in 0..record.len() {
            let short = &record[..len];
            for i in 0..ALL.len() {
                let r = decode(&ALL, short, i);
                if len < 55 {
                    assert_eq!(r, Err(RecordError::Malformed), "{len} {i}");
                } else if r.is_ok() {
                    // The fixed part is whole: only dynamic data may be cut.
                    assert_eq!(r, Ok(values[i]), "{len} {i}");
                } else {
                    assert!(ALL[i].ty.is_dynamic(), "{len} {i}");
                }
            }
        }
        assert_eq!(decode(&ALL, &record, 12), Err(RecordError::BadIndex));
        assert_eq!(decode(&[], &record, 0), Err(RecordError::BadIndex));
    }

    #[test]
    fn data_locs_outside_the_dynamic_area_are_malformed() {
        let fields = [f("n", T::U8), f("s", T::Str(8))];
        let record = |offset: u32, len: u32, total: usize| {
            let mut r = vec![0u8];
            r.extend(((offset << 16) | len).to_le_bytes());
            r.resize(total, b'x');
            r
        };
        let ok = record(5, 3, 8);
        assert_eq!(decode(&fields, &ok, 1), Ok(Value::Str(b"xxx")));
        assert_eq!(decode(&fields, &record(8, 0, 8), 1), Ok(Value::Str(b"")));
        for (offset, len, total) in [
            (5, 4, 8),           // past the end
            (9, 0, 8),           // starts past the end
            (0xffff, 0xffff, 8), // far away
            (4, 1, 8),           // in the fixed part
            (0, 0, 8),           // at the start
            (5, 9, 20),          // longer than the maximum
            (0xffff, 8, 8),      // offset + len beyond 16 bits
        ] {
            assert_eq!(
                decode(&fields, &record(offset, len, total), 1),
                Err(RecordError::Malformed),
                "{offset} {len} {total}"
            );
        }
        let flag = [f("b", T::Bool)];
        assert_eq!(decode(&flag, &[2], 0), Err(RecordError::Malformed));
        assert_eq!(decode(&flag, &[0xff], 0), Err(RecordError::Malformed));
    }

    #[test]
    fn format_of_a_sched_switch_marker() {
        let text = format("sched", "sched_switch", 316, &SCHED_SWITCH);
        assert_eq!(
            text,
            "name: sched_switch\n\
             ID: 316\n\
             format:\n\
             \tfield:char prev_comm[16];\toffset:0;\tsize:16;\tsigned:0;\n\
             \tfield:s32 prev_pid;\toffset:16;\tsize:4;\tsigned:1;\n\
             \tfield:s32 prev_prio;\toffset:20;\tsize:4;\tsigned:1;\n\
             \tfield:s64 prev_state;\toffset:24;\tsize:8;\tsigned:1;\n\
             \tfield:char next_comm[16];\toffset:32;\tsize:16;\tsigned:0;\n\
             \tfield:s32 next_pid;\toffset:48;\tsize:4;\tsigned:1;\n\
             \tfield:s32 next_prio;\toffset:52;\tsize:4;\tsigned:1;\n"
        );
        let mut out = [0u16; 7];
        offsets(&SCHED_SWITCH, &mut out).unwrap();
        let parsed: Vec<_> = text.lines().filter_map(parse_format_line).collect();
        let expect: Vec<_> = SCHED_SWITCH
            .iter()
            .zip(out)
            .map(|(f, o)| (f.ty, f.name, o))
            .collect();
        assert_eq!(parsed, expect);
    }

    #[test]
    fn format_of_every_type() {
        let text = format("rtrace", "all_types", 7, &ALL);
        assert_eq!(
            text,
            "name: all_types\n\
             ID: 7\n\
             format:\n\
             \tfield:u8 a_u8;\toffset:0;\tsize:1;\tsigned:0;\n\
             \tfield:u16 a_u16;\toffset:1;\tsize:2;\tsigned:0;\n\
             \tfield:u32 a_u32;\toffset:3;\tsize:4;\tsigned:0;\n\
             \tfield:u64 a_u64;\toffset:7;\tsize:8;\tsigned:0;\n\
             \tfield:s8 a_s8;\toffset:15;\tsize:1;\tsigned:1;\n\
             \tfield:s16 a_s16;\toffset:16;\tsize:2;\tsigned:1;\n\
             \tfield:s32 a_s32;\toffset:18;\tsize:4;\tsigned:1;\n\
             \tfield:s64 a_s64;\toffset:22;\tsize:8;\tsigned:1;\n\
             \tfield:bool flag;\toffset:30;\tsize:1;\tsigned:0;\n\
             \tfield:char comm[16];\toffset:31;\tsize:16;\tsigned:0;\n\
             \tfield:__data_loc char[] path;\toffset:47;\tsize:4;\tsigned:0;\tmax:256;\n\
             \tfield:__data_loc u8[] data;\toffset:51;\tsize:4;\tsigned:0;\tmax:32;\n"
        );
        let mut out = [0u16; 12];
        offsets(&ALL, &mut out).unwrap();
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        assert_eq!(lines.len(), 3 + ALL.len());
        for line in &lines[..3] {
            assert_eq!(parse_format_line(line), None, "{line}");
        }
        for ((line, field), offset) in lines[3..].iter().zip(&ALL).zip(out) {
            assert_eq!(
                parse_format_line(line),
                Some((field.ty, field.name, offset)),
                "{line}"
            );
        }
        assert_eq!(format("s", "e", 0, &[]), "name: e\nID: 0\nformat:\n");
    }

    #[test]
    fn format_can_be_written_without_allocating() {
        struct Buf {
            bytes: [u8; 128],
            len: usize,
        }
        impl fmt::Write for Buf {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                let end = self.len + s.len();
                self.bytes
                    .get_mut(self.len..end)
                    .ok_or(fmt::Error)?
                    .copy_from_slice(s.as_bytes());
                self.len = end;
                Ok(())
            }
        }
        let mut buf = Buf {
            bytes: [0; 128],
            len: 0,
        };
        write_format(&mut buf, "s", "e", 1, &[f("x", T::U8)]).unwrap();
        assert_eq!(
            &buf.bytes[..buf.len],
            b"name: e\nID: 1\nformat:\n\tfield:u8 x;\toffset:0;\tsize:1;\tsigned:0;\n"
        );
        let mut small = Buf {
            bytes: [0; 128],
            len: 100,
        };
        assert!(write_format(&mut small, "s", "e", 1, &SCHED_SWITCH).is_err());
    }

    #[test]
    fn other_lines_do_not_parse() {
        for line in [
            "",
            "\n",
            "name: sched_switch",
            "ID: 316",
            "format:",
            "print fmt: \"x\"",
            // ftrace's own spellings
            "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;",
            "\tfield:int prev_prio;\toffset:28;\tsize:4;\tsigned:1;",
            // size or sign not of the type
            "\tfield:u32 x;\toffset:0;\tsize:8;\tsigned:0;",
            "\tfield:u32 x;\toffset:0;\tsize:4;\tsigned:1;",
            "\tfield:char c[16];\toffset:0;\tsize:15;\tsigned:0;",
            "\tfield:__data_loc char[] s;\toffset:0;\tsize:4;\tsigned:0;",
            "\tfield:__data_loc char[] s;\toffset:0;\tsize:4;\tsigned:1;\tmax:4;",
            // arrays and maxima
            "\tfield:char c;\toffset:0;\tsize:1;\tsigned:0;",
            "\tfield:char c[0];\toffset:0;\tsize:0;\tsigned:0;",
            "\tfield:char c[4097];\toffset:0;\tsize:4097;\tsigned:0;",
            "\tfield:char c[2];\toffset:0;\tsize:2;\tsigned:0;\tmax:2;",
            "\tfield:u8 c[1];\toffset:0;\tsize:1;\tsigned:0;",
            "\tfield:u8 c;\toffset:0;\tsize:1;\tsigned:0;\tmax:1;",
            "\tfield:__data_loc u8[] b[4];\toffset:0;\tsize:4;\tsigned:0;\tmax:4;",
            "\tfield:__data_loc u8[] b;\toffset:0;\tsize:4;\tsigned:0;\tmax:0;",
            // numbers, names, leftovers
            "\tfield:u8 x;\toffset:-1;\tsize:1;\tsigned:0;",
            "\tfield:u8 x;\toffset:+1;\tsize:1;\tsigned:0;",
            "\tfield:u8 x;\toffset:65536;\tsize:1;\tsigned:0;",
            "\tfield:u8 x;\toffset:;\tsize:1;\tsigned:0;",
            "\tfield:u8 x;\toffset:0;\tsize:1;\tsigned:2;",
            "\tfield:u8 9x;\toffset:0;\tsize:1;\tsigned:0;",
            "\tfield:u8 x-y;\toffset:0;\tsize:1;\tsigned:0;",
            "\tfield:u8 ;\toffset:0;\tsize:1;\tsigned:0;",
            "\tfield:u8x;\toffset:0;\tsize:1;\tsigned:0;",
            "\tfield:u8 x;\toffset:0;\tsize:1;\tsigned:0;\textra:1;",
            "\tfield:u8 x;\toffset:0;\tsize:1;\tsigned:0",
            "\tfield:u8 x;\tsize:1;\toffset:0;\tsigned:0;",
        ] {
            assert_eq!(parse_format_line(line), None, "{line:?}");
        }
        assert_eq!(
            parse_format_line("field:u8 x; offset:3; size:1; signed:0;"),
            Some((T::U8, "x", 3))
        );
        assert_eq!(
            parse_format_line("\tfield:char c[4096];\toffset:65535;\tsize:4096;\tsigned:0;\r\n"),
            Some((T::Chars(4096), "c", 65535))
        );
    }

    /// xorshift64.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        fn bytes(&mut self, len: usize) -> Vec<u8> {
            (0..len).map(|_| self.next() as u8).collect()
        }
    }

    const NAMES: [&str; 8] = ["f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7"];

    fn random_fields(rng: &mut Rng) -> Vec<Field<'static>> {
        let n = rng.below(NAMES.len() as u64 + 1) as usize;
        NAMES[..n]
            .iter()
            .map(|&name| {
                let size = if rng.below(8) == 0 {
                    DYNAMIC_MAX as u16
                } else {
                    1 + rng.below(24) as u16
                };
                let ty = match rng.below(12) {
                    0 => T::U8,
                    1 => T::U16,
                    2 => T::U32,
                    3 => T::U64,
                    4 => T::I8,
                    5 => T::I16,
                    6 => T::I32,
                    7 => T::I64,
                    8 => T::Bool,
                    9 => T::Chars(size),
                    10 => T::Str(size),
                    _ => T::Bytes(size),
                };
                f(name, ty)
            })
            .collect()
    }

    /// A random value for `ty` (data owned by `data[i]`) and what decoding must give back.
    fn random_value<'d>(rng: &mut Rng, ty: FieldType, data: &'d [u8]) -> (Value<'d>, Value<'d>) {
        let bits = 8 * ty.fixed_size() as u32;
        let raw = rng.next();
        // Favour the edges.
        let raw = match rng.below(4) {
            0 => 0,
            1 => u64::MAX,
            2 => 1u64 << (bits - 1).min(63),
            _ => raw,
        };
        let unsigned = if bits >= 64 {
            raw
        } else {
            raw & ((1 << bits) - 1)
        };
        let signed = if bits >= 64 {
            raw as i64
        } else {
            ((raw << (64 - bits)) as i64) >> (64 - bits)
        };
        match ty {
            T::U8 | T::U16 | T::U32 | T::U64 => (Value::U(unsigned), Value::U(unsigned)),
            T::I8 | T::I16 | T::I32 | T::I64 => (Value::I(signed), Value::I(signed)),
            T::Bool => (Value::Bool(raw & 1 == 1), Value::Bool(raw & 1 == 1)),
            T::Chars(n) => {
                let kept = &data[..data.len().min(usize::from(n) - 1)];
                let end = kept.iter().position(|&c| c == 0).unwrap_or(kept.len());
                (Value::Chars(data), Value::Chars(&kept[..end]))
            }
            T::Str(m) => (
                Value::Str(data),
                Value::Str(&data[..data.len().min(usize::from(m))]),
            ),
            T::Bytes(m) => (
                Value::Bytes(data),
                Value::Bytes(&data[..data.len().min(usize::from(m))]),
            ),
        }
    }

    #[test]
    fn random_records_round_trip() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..5_000 {
            let fields = random_fields(&mut rng);
            assert_eq!(check("rnd", "event", &fields), Ok(()));
            let data: Vec<Vec<u8>> = fields
                .iter()
                .map(|field| {
                    let max = match field.ty {
                        T::Chars(n) | T::Str(n) | T::Bytes(n) => usize::from(n),
                        _ => 0,
                    };
                    let len = rng.below(max as u64 + 4) as usize;
                    rng.bytes(len)
                })
                .collect();
            let (values, expect): (Vec<_>, Vec<_>) = fields
                .iter()
                .zip(&data)
                .map(|(field, data)| random_value(&mut rng, field.ty, data))
                .unzip();
            let mut buf = vec![0xa5; max_size(&fields) + rng.below(8) as usize];
            let len = encode(&fields, &values, &mut buf).unwrap();
            let record = &buf[..len];
            assert_eq!(dec(&fields, record), expect);

            // The layout is as documented: fixed offsets, then data in field order.
            let mut offs = vec![0u16; fields.len()];
            let fixed = offsets(&fields, &mut offs).unwrap();
            let mut dynamic = fixed;
            for ((field, off), value) in fields.iter().zip(&offs).zip(&expect) {
                if let Value::Str(d) | Value::Bytes(d) = value {
                    let at = usize::from(*off);
                    let loc = u32::from_le_bytes(record[at..at + 4].try_into().unwrap());
                    assert_eq!(loc, ((dynamic as u32) << 16) | d.len() as u32);
                    dynamic += d.len();
                } else {
                    assert!(!field.ty.is_dynamic());
                }
            }
            assert_eq!(dynamic, len);
        }
    }

    #[test]
    fn random_corruption_never_panics() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        for _ in 0..5_000 {
            let fields = random_fields(&mut rng);
            let data: Vec<Vec<u8>> = fields
                .iter()
                .map(|_| {
                    let len = rng.below(30) as usize;
                    rng.bytes(len)
                })
                .collect();
            let values: Vec<Value<'_>> = fields
                .iter()
                .zip(&data)
                .map(|(field, data)| random_value(&mut rng, field.ty, data).0)
                .collect();
            let mut buf = vec![0; max_size(&fields)];
            let len = encode(&fields, &values, &mut buf).unwrap();
            let mut record = buf[..len].to_vec();
            match rng.below(4) {
                0 => record.truncate(rng.below(len as u64 + 1) as usize),
                1 => {
                    let n = rng.below(16) as usize;
                    record.extend(rng.bytes(n));
                }
                2 => {
                    let n = rng.below(len as u64 + 16) as usize;
                    record = rng.bytes(n);
                }
                _ => {
                    for _ in 0..1 + rng.below(4) {
                        if !record.is_empty() {
                            let at = rng.below(record.len() as u64) as usize;
                            record[at] = rng.next() as u8;
                        }
                    }
                }
            }
            for i in 0..=fields.len() {
                if let Ok(Value::Str(d) | Value::Bytes(d)) = decode(&fields, &record, i) {
                    assert!(d.len() <= DYNAMIC_MAX);
                }
            }
        }
    }

    #[test]
    fn raw_types_round_trip_and_unknown_ones_are_refused() {
        for ty in ALL.iter().map(|f| f.ty) {
            let (kind, size) = ty.to_raw();
            assert_eq!(FieldType::from_raw(kind, size), Some(ty));
        }
        assert_eq!(FieldType::from_raw(0, 0), None);
        assert_eq!(FieldType::from_raw(13, 0), None);
        assert_eq!(FieldType::from_raw(255, 16), None);
        assert_eq!(FieldType::from_raw(4, 8), None);
    }

    #[test]
    fn encoded_len_is_what_encode_writes() {
        let fields = [f("s", T::Str(4)), f("n", T::U16), f("b", T::Bytes(3))];
        let values = [Value::Str(b"abcdef"), Value::U(7), Value::Bytes(b"x")];
        let mut out = [0u8; 64];
        let len = encode(&fields, &values, &mut out).unwrap();
        assert_eq!(encoded_len(&fields, &values), Ok(len));
        assert_eq!(len, 4 + 2 + 4 + 4 + 1);
        assert_eq!(
            encoded_len(&fields, &values[..2]),
            Err(RecordError::WrongCount)
        );
    }
}
