// SPDX-License-Identifier: GPL-2.0

//! Marker filters: an ftrace-like boolean expression over a marker's fields, compiled once into a
//! fixed-size program and evaluated on every event before its record is written.
//!
//! ```text
//! expr  := or
//! or    := and ('||' and)*
//! and   := unary ('&&' unary)*
//! unary := '!' unary | '(' expr ')' | pred
//! pred  := FIELD OP CONST      OP: == != < <= > >= &
//! ```
//!
//! Integer fields (`u*`, `s*`, `bool`) take every operator (`&` is true when `field & const` is
//! not 0) and a decimal or `0x` hexadecimal constant, negative (`-` first) only for signed
//! fields, always within the range of the field's type (`bool`: 0 or 1). `char[N]` and `str[N]`
//! fields take `==` and `!=` only, with a `"double-quoted"` (`\` escapes the next byte) or bare
//! constant; a constant with `*` or `?` in it is a glob (see [`glob_match`]). `bytes[N]` fields
//! cannot be filtered on.
//!
//! [`Filter::compile`] parses without recursion (an operator stack) into a postfix program of at
//! most [`PREDICATES_MAX`] predicates, string constants copied into the filter: a [`Filter`] is a
//! plain value of about 2 KiB that borrows nothing. [`Filter::matches`] runs the program with a
//! stack of booleans held in one `u64`, without recursion or allocation.
//!
//! In the kernel, `Filter` is a type of the marker core (`rtrace_marker.ko`) alone, a `repr(Rust)`
//! value no other module reads: sites hand their values to the core, which evaluates the filter
//! (`rtrace_marker_filter_match`, marker/exports.rs).

use core::fmt;

#[cfg(test)]
use crate::rtrace::marker::record;
use crate::rtrace::marker::record::{Field, FieldType, Value};

/// Longest filter text, in bytes.
pub(crate) const TEXT_MAX: usize = 256;

/// Most predicates (`FIELD OP CONST`) in one filter.
pub(crate) const PREDICATES_MAX: usize = 32;

/// Most bytes of all string constants of one filter together.
pub(crate) const POOL_MAX: usize = 256;

/// Most operations of a program: each comes from at least one byte of the text.
const OPS_MAX: usize = TEXT_MAX;

/// Why a filter text is refused; [`FilterError::message`] says it in one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FilterError {
    /// Nothing but whitespace.
    Empty,
    /// More than [`TEXT_MAX`] bytes.
    TooLong,
    /// More than [`PREDICATES_MAX`] predicates.
    TooManyPredicates,
    /// A name that is not one of the marker's fields.
    UnknownField,
    /// A `bytes[N]` field.
    NotFilterable,
    /// An operator that the field's type does not take (only `==` and `!=` for strings).
    InvalidOperator,
    /// A constant that is not of the field's kind: not a number for an integer field.
    BadConstant,
    /// A number outside the range of the field's type.
    OutOfRange,
    /// A `(` without its `)`, or a `)` without its `(`.
    UnbalancedParens,
    /// Something where it cannot be.
    UnexpectedToken,
    /// The text ends in the middle of an expression.
    UnexpectedEnd,
}

impl FilterError {
    /// A one-line description of the error, for the kernel log or a tool.
    pub(crate) fn message(&self) -> &'static str {
        match self {
            Self::Empty => "empty filter",
            Self::TooLong => "filter too long (more than 256 bytes)",
            Self::TooManyPredicates => "too many predicates (more than 32)",
            Self::UnknownField => "unknown field",
            Self::NotFilterable => "bytes fields cannot be filtered on",
            Self::InvalidOperator => "operator not valid for the field's type",
            Self::BadConstant => "bad constant for the field's type",
            Self::OutOfRange => "constant out of the range of the field's type",
            Self::UnbalancedParens => "unbalanced parentheses",
            Self::UnexpectedToken => "unexpected token",
            Self::UnexpectedEnd => "unexpected end of filter",
        }
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// Whether `text` matches the glob `pattern`, byte by byte: `*` matches any run of bytes (none
/// too), `?` any one byte, every other byte itself. Without recursion, in `O(pattern * text)`
/// time at worst.
pub(crate) fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0usize, 0usize);
    // After a `*`: where the pattern resumes, and the text position it was last tried at.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                p += 1;
                star = Some((p, t));
            }
            Some(&c) if c == b'?' || Some(&c) == text.get(t) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                // Let the last `*` take one more byte.
                Some((resume, tried)) => {
                    p = resume;
                    t = tried + 1;
                    star = Some((resume, t));
                }
                None => return false,
            },
        }
    }
    pattern.get(p..).unwrap_or(&[]).iter().all(|&c| c == b'*')
}

/// Whether `text` has glob characters.
fn is_glob(text: &[u8]) -> bool {
    text.iter().any(|&c| c == b'*' || c == b'?')
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `&`: some bit in common.
    BitAnd,
}

impl Cmp {
    fn ordered<T: Ord>(self, a: T, b: T) -> bool {
        match self {
            Self::Eq => a == b,
            Self::Ne => a != b,
            Self::Lt => a < b,
            Self::Le => a <= b,
            Self::Gt => a > b,
            Self::Ge => a >= b,
            // Not an ordering; integers are tested by `Filter::test` before coming here.
            Self::BitAnd => false,
        }
    }
}

/// The constant of a predicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Const {
    /// For unsigned and `bool` fields.
    U(u64),
    /// For signed fields.
    I(i64),
    /// For `Chars` and `Str` fields: `len` bytes of the pool at `at`, a glob or not.
    Str { at: u16, len: u16, glob: bool },
}

/// One `FIELD OP CONST`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pred {
    /// Index of the field in the marker's fields.
    field: usize,
    /// The field's type at compile time.
    ty: FieldType,
    cmp: Cmp,
    konst: Const,
}

const NO_PRED: Pred = Pred {
    field: 0,
    ty: FieldType::U8,
    cmp: Cmp::Eq,
    konst: Const::U(0),
};

/// An operation of the postfix program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    /// Push the value of predicate `i`.
    Pred(u8),
    /// Negate the top.
    Not,
    /// Replace the top two with their conjunction.
    And,
    /// Replace the top two with their disjunction.
    Or,
}

/// An entry of the compiler's operator stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    LParen,
    Not,
    And,
    Or,
}

/// A compiled filter: a postfix program of predicates over a marker's fields.
///
/// A plain value (about 2 KiB) that borrows nothing: it can be copied into a kernel allocation
/// and evaluated concurrently by any number of readers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Filter {
    preds: [Pred; PREDICATES_MAX],
    n_preds: usize,
    ops: [Op; OPS_MAX],
    n_ops: usize,
    pool: [u8; POOL_MAX],
    pool_len: usize,
    /// How many fields the marker has.
    n_fields: usize,
}

/// The filter text being read.
struct Lexer<'t> {
    text: &'t [u8],
    pos: usize,
}

impl<'t> Lexer<'t> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn peek2(&self) -> Option<u8> {
        self.text.get(self.pos.saturating_add(1)).copied()
    }

    fn bump(&mut self, n: usize) {
        self.pos = self.pos.saturating_add(n);
    }

    fn skip_whitespace(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_whitespace()) {
            self.bump(1);
        }
    }

    /// The longest run at the current position of bytes for which `keep` holds.
    fn run(&mut self, keep: impl Fn(u8) -> bool) -> &'t [u8] {
        let start = self.pos;
        while self.peek().is_some_and(&keep) {
            self.bump(1);
        }
        self.text.get(start..self.pos).unwrap_or(&[])
    }
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// A byte of a bare (unquoted) constant.
fn is_bare(c: u8) -> bool {
    !c.is_ascii_whitespace() && !b"()&|!=<>\"".contains(&c)
}

/// Parses `[-](decimal|0x hex)` into a sign and a magnitude.
fn parse_int(word: &[u8]) -> Result<(bool, u64), FilterError> {
    let (negative, digits) = match word.split_first() {
        Some((&b'-', rest)) => (true, rest),
        _ => (false, word),
    };
    let (radix, digits) = match digits {
        [b'0', b'x' | b'X', rest @ ..] => (16, rest),
        _ => (10, digits),
    };
    if digits.is_empty() {
        return Err(FilterError::BadConstant);
    }
    let mut value = 0u64;
    for &c in digits {
        let digit = char::from(c)
            .to_digit(radix)
            .ok_or(FilterError::BadConstant)?;
        value = value
            .checked_mul(u64::from(radix))
            .and_then(|v| v.checked_add(u64::from(digit)))
            .ok_or(FilterError::OutOfRange)?;
    }
    Ok((negative, value))
}

/// The constant `word` for an integer field of type `ty`.
fn int_const(ty: FieldType, word: &[u8]) -> Result<Const, FilterError> {
    let (negative, magnitude) = parse_int(word)?;
    if ty.signed() {
        let bits = 8 * ty.fixed_size() as u32;
        // 2^(bits - 1): the magnitude of the most negative value.
        let half = 1u64 << (bits - 1);
        if negative {
            if magnitude > half {
                return Err(FilterError::OutOfRange);
            }
            // Two's complement: the magnitude 2^63 is i64::MIN.
            Ok(Const::I(0i64.wrapping_sub(magnitude as i64)))
        } else if magnitude >= half {
            Err(FilterError::OutOfRange)
        } else {
            Ok(Const::I(magnitude as i64))
        }
    } else {
        let max = match ty {
            FieldType::Bool => 1,
            FieldType::U8 => u64::from(u8::MAX),
            FieldType::U16 => u64::from(u16::MAX),
            FieldType::U32 => u64::from(u32::MAX),
            _ => u64::MAX,
        };
        if magnitude > max || (negative && magnitude != 0) {
            return Err(FilterError::OutOfRange);
        }
        Ok(Const::U(magnitude))
    }
}

/// The value a record would hold for `value` in a field of type `ty`: strings truncated as
/// [`record::encode`] truncates them, `Chars` cut at the first NUL as [`record::decode`] cuts
/// them. `None` if [`record::encode`] would refuse the value.
fn normalize<'v>(ty: FieldType, value: Value<'v>) -> Option<Value<'v>> {
    use FieldType as T;
    let fits = match (ty, value) {
        (T::U8, Value::U(v)) => u8::try_from(v).is_ok(),
        (T::U16, Value::U(v)) => u16::try_from(v).is_ok(),
        (T::U32, Value::U(v)) => u32::try_from(v).is_ok(),
        (T::I8, Value::I(v)) => i8::try_from(v).is_ok(),
        (T::I16, Value::I(v)) => i16::try_from(v).is_ok(),
        (T::I32, Value::I(v)) => i32::try_from(v).is_ok(),
        (T::U64, Value::U(_)) | (T::I64, Value::I(_)) | (T::Bool, Value::Bool(_)) => true,
        (T::Chars(n), Value::Chars(s)) => {
            let room = usize::from(n).checked_sub(1)?;
            let kept = s.get(..s.len().min(room))?;
            let end = kept.iter().position(|&c| c == 0).unwrap_or(kept.len());
            return Some(Value::Chars(kept.get(..end)?));
        }
        (T::Str(m), Value::Str(s)) => {
            return Some(Value::Str(s.get(..s.len().min(usize::from(m)))?));
        }
        _ => false,
    };
    fits.then_some(value)
}

impl Filter {
    /// A filter of no operation (matches nothing), the start of a compilation.
    const EMPTY: Self = Self {
        preds: [NO_PRED; PREDICATES_MAX],
        n_preds: 0,
        ops: [Op::Not; OPS_MAX],
        n_ops: 0,
        pool: [0; POOL_MAX],
        pool_len: 0,
        n_fields: 0,
    };

    /// Compiles the filter `text` over a marker's `fields` (see the module documentation for the
    /// language). Whitespace separates tokens and is otherwise ignored. The filter keeps no
    /// reference to `fields` or `text`; it is to be evaluated on values or records of these same
    /// fields.
    pub(crate) fn compile(fields: &[Field<'_>], text: &[u8]) -> Result<Self, FilterError> {
        if text.len() > TEXT_MAX {
            return Err(FilterError::TooLong);
        }
        if text.iter().all(|c| c.is_ascii_whitespace()) {
            return Err(FilterError::Empty);
        }
        let mut filter = Self::EMPTY;
        filter.n_fields = fields.len();
        let mut lexer = Lexer { text, pos: 0 };
        let mut stack = [Pending::LParen; TEXT_MAX];
        let mut depth = 0usize;
        // Whether an operand comes next (else a binary operator, `)` or the end).
        let mut operand = true;

        loop {
            lexer.skip_whitespace();
            let Some(c) = lexer.peek() else { break };
            if operand {
                match c {
                    b'!' | b'(' => {
                        lexer.bump(1);
                        let pending = if c == b'!' {
                            Pending::Not
                        } else {
                            Pending::LParen
                        };
                        *stack.get_mut(depth).ok_or(FilterError::TooLong)? = pending;
                        depth += 1;
                    }
                    c if is_ident_start(c) => {
                        let pred = filter.predicate(fields, &mut lexer)?;
                        filter.push_op(Op::Pred(pred))?;
                        filter.pop_nots(&stack, &mut depth)?;
                        operand = false;
                    }
                    _ => return Err(FilterError::UnexpectedToken),
                }
            } else {
                match (c, lexer.peek2()) {
                    (b'&', Some(b'&')) | (b'|', Some(b'|')) => {
                        lexer.bump(2);
                        let (pending, op) = if c == b'&' {
                            (Pending::And, Op::And)
                        } else {
                            (Pending::Or, Op::Or)
                        };
                        // Left associative; `&&` binds tighter than `||`.
                        while let Some(&top) = depth.checked_sub(1).and_then(|i| stack.get(i)) {
                            let top = match top {
                                Pending::And => Op::And,
                                Pending::Or if op == Op::Or => Op::Or,
                                _ => break,
                            };
                            filter.push_op(top)?;
                            depth -= 1;
                        }
                        *stack.get_mut(depth).ok_or(FilterError::TooLong)? = pending;
                        depth += 1;
                        operand = true;
                    }
                    (b')', _) => {
                        lexer.bump(1);
                        loop {
                            let Some(i) = depth.checked_sub(1) else {
                                return Err(FilterError::UnbalancedParens);
                            };
                            depth = i;
                            match stack.get(i) {
                                Some(Pending::And) => filter.push_op(Op::And)?,
                                Some(Pending::Or) => filter.push_op(Op::Or)?,
                                Some(Pending::Not) => filter.push_op(Op::Not)?,
                                _ => break,
                            }
                        }
                        filter.pop_nots(&stack, &mut depth)?;
                    }
                    _ => return Err(FilterError::UnexpectedToken),
                }
            }
        }
        if operand {
            return Err(FilterError::UnexpectedEnd);
        }
        while let Some(i) = depth.checked_sub(1) {
            depth = i;
            match stack.get(i) {
                Some(Pending::And) => filter.push_op(Op::And)?,
                Some(Pending::Or) => filter.push_op(Op::Or)?,
                Some(Pending::Not) => filter.push_op(Op::Not)?,
                _ => return Err(FilterError::UnbalancedParens),
            }
        }
        Ok(filter)
    }

    /// Appends `op` to the program.
    fn push_op(&mut self, op: Op) -> Result<(), FilterError> {
        *self.ops.get_mut(self.n_ops).ok_or(FilterError::TooLong)? = op;
        self.n_ops += 1;
        Ok(())
    }

    /// Emits the `!` on top of the stack, which apply to the operand just completed.
    fn pop_nots(&mut self, stack: &[Pending], depth: &mut usize) -> Result<(), FilterError> {
        while let Some(i) = depth.checked_sub(1) {
            if stack.get(i) != Some(&Pending::Not) {
                break;
            }
            self.push_op(Op::Not)?;
            *depth = i;
        }
        Ok(())
    }

    /// Appends `c` to the string pool.
    fn pool_push(&mut self, c: u8) -> Result<(), FilterError> {
        *self
            .pool
            .get_mut(self.pool_len)
            .ok_or(FilterError::TooLong)? = c;
        self.pool_len += 1;
        Ok(())
    }

    /// Parses `FIELD OP CONST` at the lexer's position (on the field's first byte) and returns
    /// the index of the new predicate.
    fn predicate(
        &mut self,
        fields: &[Field<'_>],
        lexer: &mut Lexer<'_>,
    ) -> Result<u8, FilterError> {
        let name = lexer.run(is_ident);
        let field = fields
            .iter()
            .position(|f| f.name.as_bytes() == name)
            .ok_or(FilterError::UnknownField)?;
        let ty = fields.get(field).ok_or(FilterError::UnknownField)?.ty;
        let string = match ty {
            FieldType::Bytes(_) => return Err(FilterError::NotFilterable),
            FieldType::Chars(_) | FieldType::Str(_) => true,
            _ => false,
        };

        lexer.skip_whitespace();
        let (cmp, len) = match (lexer.peek(), lexer.peek2()) {
            (Some(b'='), Some(b'=')) => (Cmp::Eq, 2),
            (Some(b'!'), Some(b'=')) => (Cmp::Ne, 2),
            (Some(b'<'), Some(b'=')) => (Cmp::Le, 2),
            (Some(b'>'), Some(b'=')) => (Cmp::Ge, 2),
            (Some(b'<'), _) => (Cmp::Lt, 1),
            (Some(b'>'), _) => (Cmp::Gt, 1),
            (Some(b'&'), Some(b'&')) => return Err(FilterError::UnexpectedToken),
            (Some(b'&'), _) => (Cmp::BitAnd, 1),
            (None, _) => return Err(FilterError::UnexpectedEnd),
            _ => return Err(FilterError::UnexpectedToken),
        };
        lexer.bump(len);
        if string && !matches!(cmp, Cmp::Eq | Cmp::Ne) {
            return Err(FilterError::InvalidOperator);
        }

        lexer.skip_whitespace();
        let konst = match lexer.peek() {
            None => return Err(FilterError::UnexpectedEnd),
            Some(b'"') if !string => return Err(FilterError::BadConstant),
            Some(b'"') => {
                lexer.bump(1);
                let at = self.pool_len;
                loop {
                    let c = match lexer.peek() {
                        None => return Err(FilterError::UnexpectedEnd),
                        Some(b'"') => break,
                        Some(b'\\') => {
                            lexer.bump(1);
                            lexer.peek().ok_or(FilterError::UnexpectedEnd)?
                        }
                        Some(c) => c,
                    };
                    self.pool_push(c)?;
                    lexer.bump(1);
                }
                lexer.bump(1);
                // A glob character escaped with `\` is still one: there is no escape for globs.
                self.string_const(at)?
            }
            Some(_) => {
                let word = lexer.run(is_bare);
                if word.is_empty() {
                    return Err(FilterError::UnexpectedToken);
                }
                if string {
                    let at = self.pool_len;
                    for &c in word {
                        self.pool_push(c)?;
                    }
                    self.string_const(at)?
                } else {
                    int_const(ty, word)?
                }
            }
        };

        let index = self.n_preds;
        *self
            .preds
            .get_mut(index)
            .ok_or(FilterError::TooManyPredicates)? = Pred {
            field,
            ty,
            cmp,
            konst,
        };
        self.n_preds += 1;
        u8::try_from(index).map_err(|_| FilterError::TooManyPredicates)
    }

    /// The string constant from `at` to the end of the pool.
    fn string_const(&self, at: usize) -> Result<Const, FilterError> {
        let text = self
            .pool
            .get(at..self.pool_len)
            .ok_or(FilterError::TooLong)?;
        let too_long = |_| FilterError::TooLong;
        Ok(Const::Str {
            at: u16::try_from(at).map_err(too_long)?,
            len: u16::try_from(text.len()).map_err(too_long)?,
            glob: is_glob(text),
        })
    }

    /// How many predicates the filter has (for tests: the kernel has no use for it).
    #[cfg(test)]
    pub(crate) fn predicates(&self) -> usize {
        self.n_preds
    }

    /// Whether the event whose field values are `values` (one per field, in field order, as the
    /// emitting site passes them to [`record::encode`]) passes the filter.
    ///
    /// The values are seen as the record would hold them: strings truncated to their field's
    /// size, `Chars` up to the first NUL. False if there is not one value per field or if a
    /// filtered field's value is one [`record::encode`] refuses (such an event is not recorded).
    pub(crate) fn matches(&self, values: &[Value<'_>]) -> bool {
        if values.len() != self.n_fields {
            return false;
        }
        self.eval(|pred| normalize(pred.ty, *values.get(pred.field)?))
    }

    /// Whether the encoded `record` of a marker whose fields are `fields` (those given to
    /// [`Filter::compile`]) passes the filter. False for a malformed record (see
    /// [`record::decode`]) and for other fields. The tests' oracle for [`Filter::matches`]: the
    /// kernel evaluates filters on values, before the record exists.
    #[cfg(test)]
    pub(crate) fn matches_record(&self, fields: &[Field<'_>], record: &[u8]) -> bool {
        if fields.len() != self.n_fields {
            return false;
        }
        self.eval(|pred| {
            if fields.get(pred.field)?.ty != pred.ty {
                return None;
            }
            record::decode(fields, record, pred.field).ok()
        })
    }

    /// Runs the program, with `value` giving a predicate's field value; false as soon as it
    /// gives `None`.
    fn eval<'v>(&self, mut value: impl FnMut(&Pred) -> Option<Value<'v>>) -> bool {
        // The stack of booleans, top in bit 0. The program is well formed, at most
        // `PREDICATES_MAX` values deep: it never pops an empty stack and loses no bit.
        let mut stack = 0u64;
        for op in self.ops.get(..self.n_ops).unwrap_or(&[]) {
            match *op {
                Op::Pred(i) => {
                    let Some(pred) = self.preds.get(usize::from(i)) else {
                        return false;
                    };
                    let Some(v) = value(pred) else {
                        return false;
                    };
                    stack = (stack << 1) | u64::from(self.test(pred, v));
                }
                Op::Not => stack ^= 1,
                Op::And => stack = (stack >> 1) & (!1 | (stack & 1)),
                Op::Or => stack = (stack >> 1) | (stack & 1),
            }
        }
        stack & 1 == 1
    }

    /// Whether `value` satisfies `pred`.
    fn test(&self, pred: &Pred, value: Value<'_>) -> bool {
        match (pred.konst, value) {
            (Const::U(c), Value::U(v)) => int_test(pred.cmp, v, c),
            (Const::U(c), Value::Bool(b)) => int_test(pred.cmp, u64::from(b), c),
            (Const::I(c), Value::I(v)) => match pred.cmp {
                Cmp::BitAnd => v & c != 0,
                cmp => cmp.ordered(v, c),
            },
            (Const::Str { at, len, glob }, Value::Chars(s) | Value::Str(s)) => {
                let at = usize::from(at);
                let Some(pattern) = self.pool.get(at..at + usize::from(len)) else {
                    return false;
                };
                let equal = if glob {
                    glob_match(pattern, s)
                } else {
                    pattern == s
                };
                equal == (pred.cmp == Cmp::Eq)
            }
            _ => false,
        }
    }
}

/// An unsigned comparison.
fn int_test(cmp: Cmp, v: u64, c: u64) -> bool {
    match cmp {
        Cmp::BitAnd => v & c != 0,
        cmp => cmp.ordered(v, c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use FieldType as T;

    const fn f(name: &'static str, ty: FieldType) -> Field<'static> {
        Field { name, ty }
    }

    /// One field of every type.
    const FIELDS: [Field<'static>; 12] = [
        f("u8", T::U8),
        f("u16", T::U16),
        f("u32", T::U32),
        f("u64", T::U64),
        f("s8", T::I8),
        f("s16", T::I16),
        f("s32", T::I32),
        f("s64", T::I64),
        f("flag", T::Bool),
        f("comm", T::Chars(16)),
        f("path", T::Str(32)),
        f("data", T::Bytes(8)),
    ];

    fn compile(text: &str) -> Result<Filter, FilterError> {
        Filter::compile(&FIELDS, text.as_bytes())
    }

    /// Values of `FIELDS`, all zero or empty but those given.
    fn values<'a>(set: &[(&str, Value<'a>)]) -> Vec<Value<'a>> {
        FIELDS
            .iter()
            .map(|field| {
                if let Some((_, v)) = set.iter().find(|(n, _)| *n == field.name) {
                    return *v;
                }
                match field.ty {
                    T::U8 | T::U16 | T::U32 | T::U64 => Value::U(0),
                    T::Bool => Value::Bool(false),
                    T::Chars(_) => Value::Chars(b""),
                    T::Str(_) => Value::Str(b""),
                    T::Bytes(_) => Value::Bytes(b""),
                    _ => Value::I(0),
                }
            })
            .collect()
    }

    /// Evaluates `text` on `values` both ways (values, encoded record) and checks they agree.
    fn eval_on(text: &str, values: &[Value<'_>]) -> bool {
        let filter = compile(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        let by_values = filter.matches(values);
        let mut buf = vec![0u8; record::max_size(&FIELDS)];
        let len = record::encode(&FIELDS, values, &mut buf).unwrap();
        let by_record = filter.matches_record(&FIELDS, &buf[..len]);
        assert_eq!(by_values, by_record, "{text:?} on {values:?}");
        by_values
    }

    fn eval(text: &str, set: &[(&str, Value<'_>)]) -> bool {
        eval_on(text, &values(set))
    }

    #[test]
    fn glob() {
        assert!(glob_match(b"*", b""));
        assert!(glob_match(b"*", b"anything"));
        assert!(glob_match(b"", b""));
        assert!(!glob_match(b"", b"a"));
        assert!(!glob_match(b"a", b""));
        assert!(!glob_match(b"?", b""));
        assert!(glob_match(b"?", b"x"));
        assert!(!glob_match(b"?", b"xy"));
        assert!(glob_match(b"a*b?c", b"abxc"));
        assert!(glob_match(b"a*b?c", b"a123bxc"));
        assert!(glob_match(b"a*b?c", b"abbbbxc"));
        assert!(!glob_match(b"a*b?c", b"abc"));
        assert!(!glob_match(b"a*b?c", b"xabyc"));
        assert!(!glob_match(b"a*b?c", b"a123bxcd"));
        assert!(glob_match(b"rtrace*", b"rtrace"));
        assert!(glob_match(b"rtrace*", b"rtrace_ring"));
        assert!(!glob_match(b"rtrace*", b"rtrac"));
        assert!(glob_match(b"*ring", b"rtrace_ring"));
        assert!(!glob_match(b"*ring", b"rtrace_ring2"));
        assert!(glob_match(b"*a*a*a*", b"banana_a"));
        assert!(!glob_match(b"*a*a*a*a*", b"banana"));
        assert!(glob_match(b"**", b"x"));
        assert!(glob_match(b"a**", b"a"));
        assert!(glob_match(b"exact", b"exact"));
        assert!(!glob_match(b"exact", b"exacT"));
        assert!(glob_match(b"\xff*\x00", b"\xff\x01\x00"));
        // Worst case stays cheap: no exponential backtracking.
        let text = [b'a'; 4096];
        assert!(!glob_match(b"*a*a*a*a*a*a*a*a*b", &text));
        assert!(glob_match(b"*a*a*a*a*a*a*a*a*", &text));
    }

    #[test]
    fn unsigned_operators() {
        let v = |x| [("u32", Value::U(x))];
        for (text, x, expect) in [
            ("u32 == 5", 5, true),
            ("u32 == 5", 6, false),
            ("u32 != 5", 5, false),
            ("u32 != 5", 6, true),
            ("u32 < 5", 4, true),
            ("u32 < 5", 5, false),
            ("u32 <= 5", 5, true),
            ("u32 <= 5", 6, false),
            ("u32 > 5", 6, true),
            ("u32 > 5", 5, false),
            ("u32 >= 5", 5, true),
            ("u32 >= 5", 4, false),
            ("u32 & 0x6", 4, true),
            ("u32 & 0x6", 9, false),
            ("u32 & 0", 0xffff_ffff, false),
            ("u32 == 0xffffffff", 0xffff_ffff, true),
            ("u32 == 0XfF", 255, true),
            ("u32 == 007", 7, true),
            ("u32 == -0", 0, true),
            ("u32>4294967294", 0xffff_ffff, true),
        ] {
            assert_eq!(eval(text, &v(x)), expect, "{text} on {x}");
        }
    }

    #[test]
    fn unsigned_edges() {
        let v = |x| [("u64", Value::U(x))];
        assert!(eval("u64 == 18446744073709551615", &v(u64::MAX)));
        assert!(eval("u64 == 0xffffffffffffffff", &v(u64::MAX)));
        assert!(eval("u64 > 0x7fffffffffffffff", &v(u64::MAX)));
        // Unsigned: u64::MAX is not below 1 (it would be as an i64).
        assert!(!eval("u64 < 1", &v(u64::MAX)));
        assert!(eval("u64 < 1", &v(0)));
        assert!(eval("u64 & 0x8000000000000000", &v(1 << 63)));
        assert!(eval("u8 == 255", &[("u8", Value::U(255))]));
        assert!(eval("u16 >= 65535", &[("u16", Value::U(65535))]));
        for text in [
            "u8 == 256",
            "u8 == -1",
            "u16 == 65536",
            "u16 == 0x10000",
            "u32 == 4294967296",
            "u64 == 18446744073709551616",
            "u64 == 0x10000000000000000",
            "u64 == -1",
            "flag == 2",
            "flag == -1",
        ] {
            assert_eq!(compile(text), Err(FilterError::OutOfRange), "{text}");
        }
    }

    #[test]
    fn signed_operators_and_edges() {
        let v = |x| [("s64", Value::I(x))];
        assert!(eval("s64 == -9223372036854775808", &v(i64::MIN)));
        assert!(eval("s64 == -0x8000000000000000", &v(i64::MIN)));
        assert!(eval("s64 == 9223372036854775807", &v(i64::MAX)));
        assert!(eval("s64 < 0", &v(i64::MIN)));
        assert!(!eval("s64 > 0", &v(-1)));
        assert!(eval("s64 < -1", &v(-2)));
        assert!(eval("s64 <= -1", &v(-1)));
        assert!(eval("s64 >= -1", &v(0)));
        assert!(eval("s64 != -1", &v(1)));
        assert!(eval("s64 & 1", &v(-1)));
        assert!(eval("s64 & -0x8000000000000000", &v(i64::MIN)));
        assert!(!eval("s64 & 2", &v(-3)));
        assert!(eval("s8 == -128", &[("s8", Value::I(-128))]));
        assert!(eval("s8 == 127", &[("s8", Value::I(127))]));
        assert!(eval("s8 < -127", &[("s8", Value::I(-128))]));
        assert!(eval("s16 == -32768", &[("s16", Value::I(-32768))]));
        assert!(eval(
            "s32 == -2147483648",
            &[("s32", Value::I(-2147483648))]
        ));
        assert!(eval(
            "s32 > 2147483646",
            &[("s32", Value::I(i32::MAX.into()))]
        ));
        for text in [
            "s8 == 128",
            "s8 == -129",
            "s8 == 0xff",
            "s16 == 32768",
            "s16 == -32769",
            "s32 == 2147483648",
            "s32 == -2147483649",
            "s64 == 9223372036854775808",
            "s64 == -9223372036854775809",
            "s64 == 0xffffffffffffffff",
            "s64 == 99999999999999999999",
        ] {
            assert_eq!(compile(text), Err(FilterError::OutOfRange), "{text}");
        }
    }

    #[test]
    fn bool_fields() {
        let t = [("flag", Value::Bool(true))];
        assert!(eval("flag == 1", &t));
        assert!(!eval("flag == 0", &t));
        assert!(eval("flag == 0", &[]));
        assert!(eval("flag != 0", &t));
        assert!(eval("flag & 1", &t));
        assert!(eval("flag > 0", &t));
        assert!(!eval("flag < 1", &t));
        assert_eq!(compile("flag == true"), Err(FilterError::BadConstant));
    }

    #[test]
    fn strings() {
        let c = |s: &'static [u8]| [("comm", Value::Chars(s))];
        assert!(eval("comm == bash", &c(b"bash")));
        assert!(eval("comm == \"bash\"", &c(b"bash")));
        assert!(!eval("comm == bash", &c(b"bash2")));
        assert!(eval("comm != bash", &c(b"bash2")));
        assert!(eval("comm == \"rtrace*\"", &c(b"rtrace_ring")));
        assert!(eval("comm == rtrace*", &c(b"rtrace")));
        assert!(!eval("comm == rtrace*", &c(b"rtrac")));
        assert!(eval("comm != rtrace*", &c(b"bash")));
        assert!(eval("comm == kwork?r*", &c(b"kworker/0:1")));
        assert!(!eval("comm == k?worker*", &c(b"kworker/0:1")));
        assert!(eval("comm == *", &c(b"")));
        assert!(eval("comm == \"\"", &c(b"")));
        assert!(!eval("comm == \"\"", &c(b"x")));
        assert!(eval("comm == \"a b\"", &c(b"a b")));
        assert!(eval(r#"comm == "q\"\\x""#, &c(b"q\"\\x")));
        assert!(eval("comm == 123", &c(b"123")));
        // As the record holds it: cut at NUL, and at 15 bytes for `char[16]`.
        assert!(eval("comm == ab", &c(b"ab\0cd")));
        assert!(eval("comm == 0123456789abcde", &c(b"0123456789abcdefgh")));
        let p = |s: &'static [u8]| [("path", Value::Str(s))];
        assert!(eval("path == \"/tmp/*\"", &p(b"/tmp/x")));
        assert!(!eval("path == \"/tmp/*\"", &p(b"/var/tmp/x")));
        assert!(eval("path == /a/b", &p(b"/a/b")));
        let long = b"/0123456789/0123456789/0123456789/overflow";
        assert!(eval("path == /0123456789/0123456789/012345678", &p(long)));
        assert!(!eval(
            "path == /0123456789/0123456789/0123456789/",
            &p(long)
        ));
        assert!(eval("path == \"a\\0b\"", &p(b"a0b")));
    }

    #[test]
    fn string_operators_and_constants_refused() {
        for op in ["<", "<=", ">", ">=", "&"] {
            let text = format!("comm {op} x");
            assert_eq!(compile(&text), Err(FilterError::InvalidOperator), "{text}");
            let text = format!("path {op} \"x\"");
            assert_eq!(compile(&text), Err(FilterError::InvalidOperator), "{text}");
        }
        assert_eq!(compile("u32 == \"5\""), Err(FilterError::BadConstant));
        assert_eq!(compile("u32 == five"), Err(FilterError::BadConstant));
        assert_eq!(compile("u32 == 0x"), Err(FilterError::BadConstant));
        assert_eq!(compile("u32 == 0xg"), Err(FilterError::BadConstant));
        assert_eq!(compile("u32 == 1a"), Err(FilterError::BadConstant));
        assert_eq!(compile("u32 == +1"), Err(FilterError::BadConstant));
        assert_eq!(compile("u32 == -"), Err(FilterError::BadConstant));
        assert_eq!(compile("u32 == --1"), Err(FilterError::BadConstant));
        assert_eq!(compile("s32 == 1.5"), Err(FilterError::BadConstant));
        assert_eq!(compile("data == x"), Err(FilterError::NotFilterable));
        assert_eq!(compile("data & 1"), Err(FilterError::NotFilterable));
        assert_eq!(compile("comm == \"abc"), Err(FilterError::UnexpectedEnd));
        assert_eq!(compile("comm == \"abc\\"), Err(FilterError::UnexpectedEnd));
    }

    #[test]
    // The expected values are written as the filter texts are, not minimized.
    #[allow(clippy::nonminimal_bool)]
    fn precedence_parentheses_and_not() {
        let v = |a, b, c| {
            [
                ("u8", Value::U(a)),
                ("u16", Value::U(b)),
                ("u32", Value::U(c)),
            ]
        };
        for a in 0..2 {
            for b in 0..2 {
                for c in 0..2 {
                    let (x, y, z) = (a == 1, b == 1, c == 1);
                    let v = v(a, b, c);
                    let cases = [
                        ("u8 == 1 || u16 == 1 && u32 == 1", x || (y && z)),
                        ("u8 == 1 && u16 == 1 || u32 == 1", (x && y) || z),
                        ("(u8 == 1 || u16 == 1) && u32 == 1", (x || y) && z),
                        ("u8 == 1 && (u16 == 1 || u32 == 1)", x && (y || z)),
                        ("!u8 == 1 && u16 == 1", !x && y),
                        ("!(u8 == 1 && u16 == 1)", !(x && y)),
                        ("!!u8 == 1", x),
                        ("!(!(u8==1))||!u32==1", x || !z),
                        ("((((u8 == 1))))", x),
                        ("u8==1&&u16==1&&u32==1", x && y && z),
                        ("u8==1||u16==1||u32==1", x || y || z),
                        ("!(u8==1||u16==1)&&!u32==1", !(x || y) && !z),
                        ("u8==1 || !(u16==1 && !(u32==1))", x || !(y && !z)),
                        ("u8 != 1 || u16 != 1 && u32 != 1", !x || (!y && !z)),
                        (" \t\nu8==1\n", x),
                    ];
                    for (text, expect) in cases {
                        assert_eq!(eval(text, &v), expect, "{text} on {a}{b}{c}");
                    }
                }
            }
        }
    }

    #[test]
    fn syntax_errors() {
        for (text, err) in [
            ("", FilterError::Empty),
            (" \n\t", FilterError::Empty),
            ("nope == 1", FilterError::UnknownField),
            ("U8 == 1", FilterError::UnknownField),
            ("u8x == 1", FilterError::UnknownField),
            ("(u8 == 1", FilterError::UnbalancedParens),
            ("((u8 == 1)", FilterError::UnbalancedParens),
            ("u8 == 1)", FilterError::UnbalancedParens),
            ("(u8 == 1))", FilterError::UnbalancedParens),
            ("u8 == 1 && (u16 == 1", FilterError::UnbalancedParens),
            ("()", FilterError::UnexpectedToken),
            ("u8", FilterError::UnexpectedEnd),
            ("u8 ==", FilterError::UnexpectedEnd),
            ("u8 == 1 &&", FilterError::UnexpectedEnd),
            ("u8 == 1 ||", FilterError::UnexpectedEnd),
            ("!", FilterError::UnexpectedEnd),
            ("(", FilterError::UnexpectedEnd),
            ("u8 = 1", FilterError::UnexpectedToken),
            ("u8 =< 1", FilterError::UnexpectedToken),
            ("u8 && 1", FilterError::UnexpectedToken),
            ("u8 1", FilterError::UnexpectedToken),
            ("u8 == )", FilterError::UnexpectedToken),
            ("u8 == 1 u16 == 1", FilterError::UnexpectedToken),
            ("u8 == 1 & u16 == 1", FilterError::UnexpectedToken),
            ("u8 == 1 | u16 == 1", FilterError::UnexpectedToken),
            ("u8 == 1 (", FilterError::UnexpectedToken),
            ("u8 == 1 !", FilterError::UnexpectedToken),
            ("&& u8 == 1", FilterError::UnexpectedToken),
            ("1 == u8", FilterError::UnexpectedToken),
            ("\"u8\" == 1", FilterError::UnexpectedToken),
            ("u8 == 1 && || u16 == 1", FilterError::UnexpectedToken),
            ("u8 == 1 \u{0} ", FilterError::UnexpectedToken),
            ("é == 1", FilterError::UnexpectedToken),
        ] {
            assert_eq!(compile(text), Err(err), "{text:?}");
        }
    }

    #[test]
    fn every_error_has_its_own_message() {
        let all = [
            FilterError::Empty,
            FilterError::TooLong,
            FilterError::TooManyPredicates,
            FilterError::UnknownField,
            FilterError::NotFilterable,
            FilterError::InvalidOperator,
            FilterError::BadConstant,
            FilterError::OutOfRange,
            FilterError::UnbalancedParens,
            FilterError::UnexpectedToken,
            FilterError::UnexpectedEnd,
        ];
        for (i, a) in all.iter().enumerate() {
            let m = a.message();
            assert!(!m.is_empty() && !m.contains('\n'), "{a:?}");
            assert_eq!(a.to_string(), m);
            for b in &all[i + 1..] {
                assert_ne!(m, b.message(), "{a:?} {b:?}");
            }
        }
        assert_eq!(FilterError::UnknownField.message(), "unknown field");
    }

    #[test]
    fn limits() {
        // 32 predicates fit, 33 do not.
        let preds = |n: usize| vec!["u8==1"; n].join("||");
        let filter = compile(&preds(32)).unwrap();
        assert_eq!(filter.predicates(), 32);
        assert!(filter.matches(&values(&[("u8", Value::U(1))])));
        assert!(!filter.matches(&values(&[])));
        assert_eq!(compile(&preds(33)), Err(FilterError::TooManyPredicates));

        // 256 bytes fit, 257 do not, whitespace included.
        let text = format!("u8 == 1{}", " ".repeat(256 - 7));
        assert_eq!(text.len(), 256);
        assert!(compile(&text).is_ok());
        assert_eq!(compile(&format!("{text} ")), Err(FilterError::TooLong));
        assert_eq!(compile(&" ".repeat(300)), Err(FilterError::TooLong));

        // Deep nesting and long runs of `!` need no recursion.
        let deep = format!("{}u8 == 1{}", "(".repeat(120), ")".repeat(120));
        assert!(eval(&deep, &[("u8", Value::U(1))]));
        let nots = format!("{}u8 == 1", "!".repeat(249));
        assert!(eval(&nots, &[("u8", Value::U(0))]));
        assert!(!eval(&nots, &[("u8", Value::U(1))]));
        let nested_nots = format!("{}u8 == 1{}", "!(".repeat(62), ")".repeat(62));
        assert!(eval(&nested_nots, &[("u8", Value::U(1))]));

        // A string constant as long as the text allows.
        let fields = [f("s", T::Str(4096))];
        let long = "x".repeat(246);
        let text = format!("s == \"{long}\"");
        assert_eq!(text.len(), 253);
        let filter = Filter::compile(&fields, text.as_bytes()).unwrap();
        assert!(filter.matches(&[Value::Str(long.as_bytes())]));
        assert!(!filter.matches(&[Value::Str(&long.as_bytes()[1..])]));
        assert!(!filter.matches(&[Value::Str(b"x")]));
    }

    #[test]
    fn binary_input_never_panics() {
        /// xorshift64.
        struct Rng(u64);
        impl Rng {
            fn next(&mut self) -> u64 {
                self.0 ^= self.0 << 13;
                self.0 ^= self.0 >> 7;
                self.0 ^= self.0 << 17;
                self.0
            }
        }
        let alphabet: &[&[u8]] = &[
            b"u8", b"s64", b"comm", b"path", b"data", b"flag", b"==", b"!=", b"<", b"<=", b">",
            b">=", b"&", b"&&", b"||", b"!", b"(", b")", b" ", b"\"", b"\\", b"1", b"-1", b"0x",
            b"*", b"?", b"\xff", b"\0", b"x",
        ];
        let mut rng = Rng(0x1234_5678_9abc_def1);
        let vals = values(&[("u8", Value::U(1)), ("comm", Value::Chars(b"x1"))]);
        let mut compiled = 0;
        for _ in 0..20_000 {
            let mut text = Vec::new();
            let n = rng.next() % 40;
            for _ in 0..n {
                if rng.next() & 7 == 0 {
                    text.push(rng.next() as u8);
                } else {
                    text.extend_from_slice(alphabet[(rng.next() % alphabet.len() as u64) as usize]);
                }
            }
            if let Ok(filter) = Filter::compile(&FIELDS, &text) {
                compiled += 1;
                let mut buf = vec![0u8; record::max_size(&FIELDS)];
                let len = record::encode(&FIELDS, &vals, &mut buf).unwrap();
                assert_eq!(
                    filter.matches(&vals),
                    filter.matches_record(&FIELDS, &buf[..len]),
                    "{:?}",
                    String::from_utf8_lossy(&text)
                );
                // Malformed records are refused, never read out of bounds.
                for cut in 0..len {
                    let _ = filter.matches_record(&FIELDS, &buf[..cut]);
                }
            }
        }
        assert!(compiled > 5, "{compiled}");
    }

    /// The reference evaluation of a predicate, on `FIELDS` values.
    type Reference = fn(&[Value<'_>]) -> bool;

    /// A random expression, as a tree for the reference evaluation.
    enum Expr {
        Pred(String, Reference),
        Not(Box<Expr>),
        And(Box<Expr>, Box<Expr>),
        Or(Box<Expr>, Box<Expr>),
    }

    impl Expr {
        /// Recursive reference evaluation.
        fn eval(&self, values: &[Value<'_>]) -> bool {
            match self {
                Self::Pred(_, p) => p(values),
                Self::Not(e) => !e.eval(values),
                Self::And(a, b) => a.eval(values) && b.eval(values),
                Self::Or(a, b) => a.eval(values) || b.eval(values),
            }
        }

        /// The text, with the parentheses precedence needs (and, sometimes, more).
        fn text(&self, rng: &mut u64, out: &mut String) {
            let extra = next(rng).is_multiple_of(5);
            if extra {
                out.push('(');
            }
            match self {
                Self::Pred(t, _) => out.push_str(t),
                Self::Not(e) => {
                    out.push('!');
                    let paren = !matches!(**e, Self::Pred(..) | Self::Not(_));
                    e.text_in(paren, rng, out);
                }
                Self::And(a, b) => {
                    a.text_in(matches!(**a, Self::Or(..)), rng, out);
                    out.push_str(" && ");
                    b.text_in(matches!(**b, Self::Or(..) | Self::And(..)), rng, out);
                }
                Self::Or(a, b) => {
                    a.text_in(false, rng, out);
                    out.push_str(" || ");
                    b.text_in(matches!(**b, Self::Or(..)), rng, out);
                }
            }
            if extra {
                out.push(')');
            }
        }

        fn text_in(&self, paren: bool, rng: &mut u64, out: &mut String) {
            if paren {
                out.push('(');
            }
            self.text(rng, out);
            if paren {
                out.push(')');
            }
        }

        fn preds(&self) -> usize {
            match self {
                Self::Pred(..) => 1,
                Self::Not(e) => e.preds(),
                Self::And(a, b) | Self::Or(a, b) => a.preds() + b.preds(),
            }
        }
    }

    fn next(rng: &mut u64) -> u64 {
        *rng ^= *rng << 13;
        *rng ^= *rng >> 7;
        *rng ^= *rng << 17;
        *rng
    }

    fn random_expr(rng: &mut u64, depth: u32) -> Expr {
        let preds: [(&str, Reference); 8] = [
            ("u8 == 1", |v| v[0] == Value::U(1)),
            ("u8 >= 2", |v| matches!(v[0], Value::U(x) if x >= 2)),
            (
                "u8 & 0x81",
                |v| matches!(v[0], Value::U(x) if x & 0x81 != 0),
            ),
            ("s8 < -1", |v| matches!(v[4], Value::I(x) if x < -1)),
            ("s8 != 0", |v| v[4] != Value::I(0)),
            ("flag == 1", |v| v[8] == Value::Bool(true)),
            (
                "comm == \"a*\"",
                |v| matches!(v[9], Value::Chars(s) if s.starts_with(b"a")),
            ),
            ("path != b", |v| v[10] != Value::Str(b"b")),
        ];
        let kind = if depth == 0 { 0 } else { next(rng) % 4 };
        match kind {
            0 => {
                let (t, p) = preds[(next(rng) % 8) as usize];
                Expr::Pred(t.to_string(), p)
            }
            1 => Expr::Not(Box::new(random_expr(rng, depth - 1))),
            2 => Expr::And(
                Box::new(random_expr(rng, depth - 1)),
                Box::new(random_expr(rng, depth - 1)),
            ),
            _ => Expr::Or(
                Box::new(random_expr(rng, depth - 1)),
                Box::new(random_expr(rng, depth - 1)),
            ),
        }
    }

    #[test]
    fn random_expressions_agree_with_a_reference() {
        let mut rng = 0x5851_f42d_4c95_7f2du64;
        let mut checked = 0;
        for _ in 0..3_000 {
            let expr = random_expr(&mut rng, 4);
            let mut text = String::new();
            expr.text(&mut rng, &mut text);
            let filter = match compile(&text) {
                Ok(filter) => filter,
                Err(FilterError::TooLong | FilterError::TooManyPredicates) => {
                    assert!(text.len() > TEXT_MAX || expr.preds() > PREDICATES_MAX);
                    continue;
                }
                Err(e) => panic!("{text}: {e}"),
            };
            assert_eq!(filter.predicates(), expr.preds());
            for _ in 0..8 {
                let u8v = [0, 1, 2, 0x80, 255][(next(&mut rng) % 5) as usize];
                let s8v = [-128, -2, -1, 0, 127][(next(&mut rng) % 5) as usize];
                let comm: &[u8] = [&b"a"[..], b"ba", b""][(next(&mut rng) % 3) as usize];
                let path: &[u8] = [&b"b"[..], b"bb"][(next(&mut rng) % 2) as usize];
                let v = values(&[
                    ("u8", Value::U(u8v)),
                    ("s8", Value::I(s8v)),
                    ("flag", Value::Bool(next(&mut rng) & 1 == 1)),
                    ("comm", Value::Chars(comm)),
                    ("path", Value::Str(path)),
                ]);
                assert_eq!(eval_on(&text, &v), expr.eval(&v), "{text} on {v:?}");
                checked += 1;
            }
        }
        assert!(checked > 10_000, "{checked}");
    }

    #[test]
    fn values_the_record_would_refuse_or_other_fields() {
        let filter = compile("u8 == 1 || !u8 == 1").unwrap();
        assert!(filter.matches(&values(&[])));
        // Not one value per field.
        assert!(!filter.matches(&values(&[])[..11]));
        // A value that does not fit the field, or of the wrong kind: encode refuses it.
        assert!(!filter.matches(&values(&[("u8", Value::U(256))])));
        assert!(!filter.matches(&values(&[("u8", Value::I(1))])));
        // Only filtered fields are looked at.
        assert!(filter.matches(&values(&[("u16", Value::I(1))])));
        let s8 = compile("s8 == -1").unwrap();
        assert!(!s8.matches(&values(&[("s8", Value::I(-129))])));
        assert!(!s8.matches(&values(&[("s8", Value::U(1))])));
        let comm = compile("!comm == x").unwrap();
        assert!(!comm.matches(&values(&[("comm", Value::Str(b"y"))])));

        // Records of other fields, or malformed ones.
        let mut buf = vec![0u8; record::max_size(&FIELDS)];
        let len = record::encode(&FIELDS, &values(&[]), &mut buf).unwrap();
        assert!(filter.matches_record(&FIELDS, &buf[..len]));
        assert!(!filter.matches_record(&FIELDS[..11], &buf[..len]));
        let mut other = FIELDS;
        other[0].ty = T::I8;
        assert!(!filter.matches_record(&other, &buf[..len]));
        assert!(!filter.matches_record(&FIELDS, &buf[..len - 20]));
        assert!(!filter.matches_record(&FIELDS, &[]));
    }

    #[test]
    fn filter_is_a_small_plain_value() {
        let size = core::mem::size_of::<Filter>();
        assert!(size >= 1024, "{size}");
        assert!(size <= 4096, "{size}");
        // Borrows nothing: the text may go away.
        let filter = {
            let text = String::from("comm == \"bash\" && u8 > 3");
            compile(&text).unwrap()
        };
        let copy = filter.clone();
        assert_eq!(copy, filter);
        assert!(copy.matches(&values(&[
            ("comm", Value::Chars(b"bash")),
            ("u8", Value::U(4))
        ])));
        assert!(!copy.matches(&values(&[
            ("comm", Value::Chars(b"bash")),
            ("u8", Value::U(3))
        ])));
    }

    #[test]
    fn a_marker_without_fields_has_nothing_to_filter() {
        assert_eq!(
            Filter::compile(&[], b"x == 1"),
            Err(FilterError::UnknownField)
        );
    }
}
