// SPDX-License-Identifier: GPL-2.0

//! Record encoders generated at compile time from a `marker!` declaration (rust/marker/marker.rs).
//!
//! A marker site writes its record with code the declaration expands to, not with the
//! interpreter of rust/marker/record.rs ([`record::encode`](super::record::encode)), which stays the
//! reference (and what tests compare with): the record layout is the same byte for byte.
//!
//! - The fixed part's length is a constant (`FIXED`), and every field of it is stored at a
//!   constant offset into a `[u8; FIXED]`: an integer is one store, a `char[N]` given as an
//!   array a copy of a constant length, with no `Value`, no per-field dispatch and no bound
//!   checked at run time.
//! - A marker without `str` or `bytes` fields has records of that constant length. One with
//!   them measures its record once ([`__marker_len!`](crate::__marker_len): the fixed part plus
//!   each dynamic field's kept length), then copies.
//!
//! The macros here are the part of `marker!` that the host crate (rust/lib.rs) compiles too, so
//! that host tests run the same encoders as the kernel. They name what they use as
//! `$crate::rtrace::marker::encoder::...`, which in a kernel module is the `mod rtrace` of rust/rtrace.rs
//! and in the host crate an alias module of rust/lib.rs.

use super::record::RECORD_MAX;

mod sealed {
    /// Keeps [`Chars`](super::Chars) to the implementations here, which end the array with a NUL.
    pub trait Sealed {}
    impl<const M: usize> Sealed for &[u8; M] {}
    impl Sealed for &[u8] {}
}

/// A value for a `char[N]` field: a byte array of any length or a byte slice.
///
/// The record keeps the first `N - 1` bytes at most, then NULs up to `N` bytes, so that the
/// array always ends with a NUL (as [`record::encode`](super::record::encode) does). From an
/// array (`&[u8; M]`, as a task's `comm`) that is a copy of a constant length.
pub trait Chars<const N: usize>: sealed::Sealed {
    /// All the bytes of the value, before truncation (what filters see, cut as the record is).
    fn as_bytes(&self) -> &[u8];

    /// Writes the field's `N` bytes.
    fn store(&self, out: &mut [u8; N]);
}

/// Copies the first `keep` bytes of `from` into `out` (as many as both hold) and zeroes the
/// rest of `out`.
#[inline(always)]
fn store_chars(out: &mut [u8], from: &[u8], keep: usize) {
    let keep = keep.min(out.len()).min(from.len());
    let (head, tail) = out.split_at_mut(keep);
    if let Some(from) = from.get(..keep) {
        head.copy_from_slice(from);
    }
    tail.fill(0);
}

impl<const N: usize, const M: usize> Chars<N> for &[u8; M] {
    #[inline(always)]
    fn as_bytes(&self) -> &[u8] {
        &self[..]
    }

    #[inline(always)]
    fn store(&self, out: &mut [u8; N]) {
        // Both lengths are constants: the copy is a few moves of whole arrays, with no call to
        // `copy_from_slice` or `fill` (which the kernel's `core` keeps out of line) and no
        // length checked at run time.
        if let Some(from) = self.first_chunk::<N>() {
            // At least `N` bytes: the first `N - 1`, then the NUL.
            *out = *from;
            if let Some(last) = out.last_mut() {
                *last = 0;
            }
        } else {
            // Fewer (`M < N`): all of them, then NULs.
            *out = [0; N];
            if let Some((head, _)) = out.split_first_chunk_mut::<M>() {
                *head = **self;
            }
        }
    }
}

impl<const N: usize> Chars<N> for &[u8] {
    #[inline(always)]
    fn as_bytes(&self) -> &[u8] {
        self
    }

    #[inline(always)]
    fn store(&self, out: &mut [u8; N]) {
        store_chars(out, self, self.len().min(N.saturating_sub(1)));
    }
}

/// How many bytes of `data` a `str[max]` or `bytes[max]` field keeps.
#[inline(always)]
pub const fn kept(data: &[u8], max: usize) -> usize {
    if data.len() < max {
        data.len()
    } else {
        max
    }
}

/// The length of a record whose fixed part is `fixed` bytes and whose dynamic fields keep
/// `dynamic` bytes in all, or `None` over [`RECORD_MAX`] (a declaration the marker core refuses).
#[inline(always)]
pub const fn record_len(fixed: usize, dynamic: usize) -> Option<usize> {
    match fixed.checked_add(dynamic) {
        Some(len) if len <= RECORD_MAX => Some(len),
        _ => None,
    }
}

/// Writes one record: fields stored in declaration order into the fixed part, a `[u8; F]` (at
/// offsets that are constants once inlined), and the data of `str`/`bytes` fields appended to the
/// dynamic area that follows it.
///
/// # Invariants
///
/// `at <= F`; `dynamic` is `F` plus the length of `rest` already written; the record (`F` plus
/// `rest`'s length) is at most [`RECORD_MAX`] bytes, so every offset fits a `data_loc`.
#[doc(hidden)]
pub struct Writer<'a, const F: usize> {
    fixed: &'a mut [u8; F],
    at: usize,
    rest: &'a mut [u8],
    dynamic: usize,
}

impl<'a, const F: usize> Writer<'a, F> {
    /// A writer of the record `out`, or `None` if `out` is not between `F` and [`RECORD_MAX`]
    /// bytes long.
    #[inline(always)]
    pub fn new(out: &'a mut [u8]) -> Option<Self> {
        if out.len() > RECORD_MAX {
            return None;
        }
        let (fixed, rest) = out.split_first_chunk_mut::<F>()?;
        Some(Self {
            fixed,
            at: 0,
            rest,
            dynamic: F,
        })
    }

    /// The `W` bytes of the fixed part at the current field, and moves past them.
    #[inline(always)]
    fn next<const W: usize>(&mut self) -> Option<&mut [u8; W]> {
        let at = self.at;
        self.at = at.saturating_add(W).min(F);
        self.fixed.get_mut(at..)?.first_chunk_mut::<W>()
    }

    /// Stores an integer (or a `bool`) given as its little-endian bytes.
    #[inline(always)]
    pub fn int<const W: usize>(&mut self, bytes: [u8; W]) {
        if let Some(out) = self.next::<W>() {
            *out = bytes;
        }
    }

    /// Stores a `char[N]` field.
    #[inline(always)]
    pub fn chars<const N: usize>(&mut self, value: &impl Chars<N>) {
        if let Some(out) = self.next::<N>() {
            value.store(out);
        }
    }

    /// Stores a `str[max]` or `bytes[max]` field: its `data_loc` here, its kept data in the
    /// dynamic area.
    #[inline(always)]
    pub fn dynamic(&mut self, data: &[u8], max: usize) {
        let len = kept(data, max);
        let offset = self.dynamic;
        // By the type invariant, `offset >= F` and the record is at most `RECORD_MAX` bytes: no
        // sum overflows.
        let start = offset.wrapping_sub(F);
        let end = start.wrapping_add(len);
        if let (Some(out), Some(data)) = (self.rest.get_mut(start..end), data.get(..len)) {
            out.copy_from_slice(data);
            self.dynamic = offset.wrapping_add(len);
        }
        // Both fit in 16 bits: `offset + len` is at most the record's length (type invariant).
        let data_loc = ((offset as u32) << 16) | len as u32;
        self.int(data_loc.to_le_bytes());
    }
}

/// A sink as a marker's site writes to it (the kernel's `RawSink`, a host benchmark's sink).
///
/// # Safety
///
/// A reservation's record is `len` writable bytes, the caller's until it commits the handle;
/// reservations on one CPU are committed last in, first out.
pub unsafe trait SiteSink {
    /// Room for a record of marker `id` of `len` bytes, and the handle to commit it with; `None`
    /// if the sink does not take it.
    ///
    /// # Safety
    ///
    /// Preemption is disabled until the commit.
    unsafe fn reserve(&self, id: u32, len: usize) -> Option<(core::ptr::NonNull<u8>, usize)>;

    /// Publishes the reservation of `handle`.
    ///
    /// # Safety
    ///
    /// `handle` is that of a reservation of this sink not committed yet, on this CPU, every
    /// later one committed; preemption still disabled.
    unsafe fn commit(&self, handle: usize);
}

/// The sinks connected to a marker, as its site finds them (inside the read side that keeps
/// them alive, with preemption disabled: the implementation's promise).
pub trait SiteSinks {
    /// A sink.
    type Sink: SiteSink;
    /// The first sink, and whether there are more; `None` if none is connected.
    fn first(&self) -> Option<(&Self::Sink, bool)>;
    /// Calls `f` on each sink, in order.
    fn for_each<'s>(&'s self, f: impl FnMut(&'s Self::Sink));
    /// The marker's id (read after `first`, which orders it after the id's publication).
    fn id(&self) -> u32;
}

/// Writes one `len`-byte record to every sink of `sinks`: `encode` writes it (exactly `len`
/// bytes, the whole of the slice it is given) once, into the first sink's reservation, and the
/// others get copies. `encode` is not called when no sink takes the record. A marker with one
/// sink, the common case, calls it directly. The kernel's `emit_*` functions (rust/marker/marker.rs)
/// and the host benchmark (bench/host) run this.
#[inline(always)]
pub fn write_record<S: SiteSinks>(sinks: &S, len: usize, encode: impl FnOnce(&mut [u8])) {
    let Some((sink, more)) = sinks.first() else {
        return;
    };
    let id = sinks.id();
    if !more {
        // SAFETY: preemption is off (`SiteSinks`) until the commit below.
        if let Some((record, handle)) = unsafe { sink.reserve(id, len) } {
            // SAFETY: a reservation is `len` writable bytes, ours until the commit.
            encode(unsafe { core::slice::from_raw_parts_mut(record.as_ptr(), len) });
            // SAFETY: this sink's reservation on this CPU, the last one taken here.
            unsafe { sink.commit(handle) };
        }
        return;
    }
    let mut encode = Some(encode);
    let mut first: Option<(&S::Sink, core::ptr::NonNull<u8>, usize)> = None;
    sinks.for_each(|sink| {
        // SAFETY: preemption is off (`SiteSinks`) until the commits below.
        let Some((record, handle)) = (unsafe { sink.reserve(id, len) }) else {
            return;
        };
        match first {
            None => {
                // SAFETY: a reservation is `len` writable bytes, ours until the commit.
                let out = unsafe { core::slice::from_raw_parts_mut(record.as_ptr(), len) };
                if let Some(encode) = encode.take() {
                    encode(out);
                }
                first = Some((sink, record, handle));
            }
            Some((_, written, _)) => {
                // SAFETY: both are `len`-byte reservations of different sinks; the first is
                // fully written and not committed yet, so still ours.
                unsafe { core::ptr::copy_nonoverlapping(written.as_ptr(), record.as_ptr(), len) };
                // SAFETY: this sink's reservation, the last one taken on this CPU.
                unsafe { sink.commit(handle) };
            }
        }
    });
    if let Some((sink, _, handle)) = first {
        // SAFETY: this sink's reservation; every one taken after it here is committed.
        unsafe { sink.commit(handle) };
    }
}

/// The `FieldType` of a field type written in a `marker!` declaration.
#[doc(hidden)]
#[macro_export]
macro_rules! __marker_field_type {
    (u8) => {
        $crate::rtrace::marker::record::FieldType::U8
    };
    (u16) => {
        $crate::rtrace::marker::record::FieldType::U16
    };
    (u32) => {
        $crate::rtrace::marker::record::FieldType::U32
    };
    (u64) => {
        $crate::rtrace::marker::record::FieldType::U64
    };
    (i8) => {
        $crate::rtrace::marker::record::FieldType::I8
    };
    (i16) => {
        $crate::rtrace::marker::record::FieldType::I16
    };
    (i32) => {
        $crate::rtrace::marker::record::FieldType::I32
    };
    (i64) => {
        $crate::rtrace::marker::record::FieldType::I64
    };
    (bool) => {
        $crate::rtrace::marker::record::FieldType::Bool
    };
    (char [$n:literal]) => {
        $crate::rtrace::marker::record::FieldType::Chars($n)
    };
    (str [$n:literal]) => {
        $crate::rtrace::marker::record::FieldType::Str($n)
    };
    (bytes [$n:literal]) => {
        $crate::rtrace::marker::record::FieldType::Bytes($n)
    };
}

/// The Rust type an `emit_*` function takes for a field type of a `marker!` declaration.
#[doc(hidden)]
#[macro_export]
macro_rules! __marker_arg_type {
    (u8) => {
        u8
    };
    (u16) => {
        u16
    };
    (u32) => {
        u32
    };
    (u64) => {
        u64
    };
    (i8) => {
        i8
    };
    (i16) => {
        i16
    };
    (i32) => {
        i32
    };
    (i64) => {
        i64
    };
    (bool) => {
        bool
    };
    (char [$n:literal]) => {
        impl $crate::rtrace::marker::encoder::Chars<$n>
    };
    (str [$n:literal]) => {
        &[u8]
    };
    (bytes [$n:literal]) => {
        &[u8]
    };
}

/// The record `Value` of an argument of an `emit_*` function (for filters).
#[doc(hidden)]
#[macro_export]
macro_rules! __marker_value {
    ($v:ident, u8) => {
        $crate::rtrace::marker::record::Value::U(u64::from($v))
    };
    ($v:ident, u16) => {
        $crate::rtrace::marker::record::Value::U(u64::from($v))
    };
    ($v:ident, u32) => {
        $crate::rtrace::marker::record::Value::U(u64::from($v))
    };
    ($v:ident, u64) => {
        $crate::rtrace::marker::record::Value::U($v)
    };
    ($v:ident, i8) => {
        $crate::rtrace::marker::record::Value::I(i64::from($v))
    };
    ($v:ident, i16) => {
        $crate::rtrace::marker::record::Value::I(i64::from($v))
    };
    ($v:ident, i32) => {
        $crate::rtrace::marker::record::Value::I(i64::from($v))
    };
    ($v:ident, i64) => {
        $crate::rtrace::marker::record::Value::I($v)
    };
    ($v:ident, bool) => {
        $crate::rtrace::marker::record::Value::Bool($v)
    };
    ($v:ident, char [$n:literal]) => {
        $crate::rtrace::marker::record::Value::Chars(
            $crate::rtrace::marker::encoder::Chars::<$n>::as_bytes(&$v),
        )
    };
    ($v:ident, str [$n:literal]) => {
        $crate::rtrace::marker::record::Value::Str($v)
    };
    ($v:ident, bytes [$n:literal]) => {
        $crate::rtrace::marker::record::Value::Bytes($v)
    };
}

/// The bytes the argument `$v` keeps in the dynamic area: 0 (a constant) but for `str` and
/// `bytes` fields.
#[doc(hidden)]
#[macro_export]
macro_rules! __marker_dynamic_len {
    ($v:ident, str [$n:literal]) => {
        $crate::rtrace::marker::encoder::kept($v, $n)
    };
    ($v:ident, bytes [$n:literal]) => {
        $crate::rtrace::marker::encoder::kept($v, $n)
    };
    ($v:ident, $kind:ident $([$n:literal])?) => {
        0usize
    };
}

/// Stores the argument `$v` with the `Writer` `$w`.
#[doc(hidden)]
#[macro_export]
macro_rules! __marker_store {
    ($w:ident, $v:ident, bool) => {
        $w.int([u8::from($v)])
    };
    ($w:ident, $v:ident, char [$n:literal]) => {
        $w.chars::<$n>(&$v)
    };
    ($w:ident, $v:ident, str [$n:literal]) => {
        $w.dynamic($v, $n)
    };
    ($w:ident, $v:ident, bytes [$n:literal]) => {
        $w.dynamic($v, $n)
    };
    ($w:ident, $v:ident, $int:ident) => {
        $w.int($v.to_le_bytes())
    };
}

/// The length of the fixed part of a record of the fields (a constant expression).
#[doc(hidden)]
#[macro_export]
macro_rules! __marker_fixed_len {
    ($($field:ident : $kind:ident $([$n:literal])?),* $(,)?) => {
        0usize $(+ $crate::__marker_field_type!($kind $([$n])?).fixed_size())*
    };
}

/// The length of the record of the arguments named as the fields (`Option<usize>`, `None` over
/// `RECORD_MAX`): for a marker without `str` or `bytes` field, a constant.
#[doc(hidden)]
#[macro_export]
macro_rules! __marker_len {
    ($($field:ident : $kind:ident $([$n:literal])?),* $(,)?) => {
        $crate::rtrace::marker::encoder::record_len(
            $crate::__marker_fixed_len!($($field: $kind $([$n])?),*),
            0usize $(+ $crate::__marker_dynamic_len!($field, $kind $([$n])?))*,
        )
    };
}

/// Encodes the arguments named as the fields into `$out` (a `&mut [u8]` of the length
/// [`__marker_len!`](crate::__marker_len) gave, else nothing is written).
#[doc(hidden)]
#[macro_export]
macro_rules! __marker_encode {
    ($out:expr; $($field:ident : $kind:ident $([$n:literal])?),* $(,)?) => {{
        const FIXED: usize = $crate::__marker_fixed_len!($($field: $kind $([$n])?),*);
        if let Some(mut w) = $crate::rtrace::marker::encoder::Writer::<FIXED>::new($out) {
            $($crate::__marker_store!(w, $field, $kind $([$n])?);)*
            // Used even without fields.
            let _ = &mut w;
        }
    }};
}

#[cfg(test)]
mod tests {
    use crate::rtrace::marker::record::{self, Field, FieldType, Value};
    use fastrand::Rng;

    /// Random data for one field, from which each form of argument is made.
    struct Data {
        bits: u64,
        bytes: Vec<u8>,
    }

    impl Data {
        fn new(rng: &mut Rng, ty: FieldType) -> Self {
            // Integers: now and then an extreme of some width.
            let bits = match rng.u8(..8) {
                0 => 0,
                1 => u64::MAX,
                2 => 1 << rng.u32(..64),
                3 => (1 << rng.u32(..64)) - 1,
                _ => rng.u64(..),
            };
            let max = match ty {
                FieldType::Chars(n) | FieldType::Str(n) | FieldType::Bytes(n) => usize::from(n),
                _ => 0,
            };
            // Shorter, as long as and longer than the field holds; NULs inside too.
            let len = rng.usize(..=max + 5);
            let bytes = (0..len)
                .map(|_| if rng.u8(..8) == 0 { 0 } else { rng.u8(..) })
                .collect();
            Self { bits, bytes }
        }

        /// The data as an array of `M` bytes (cut, or padded with `0x5a`).
        fn array<const M: usize>(&self) -> [u8; M] {
            let mut out = [0x5a; M];
            let n = M.min(self.bytes.len());
            out[..n].copy_from_slice(&self.bytes[..n]);
            out
        }
    }

    /// The owned argument of a field made from its `Data`, in one of the forms a caller may
    /// pass: `char[N]` as a slice or as an array shorter than, as long as or longer than `N`.
    macro_rules! owned {
        ($form:ident, $f:ident, bool) => {
            $f.bits & 1 == 1
        };
        (slice, $f:ident, char [$n:literal]) => {
            $f.bytes.clone()
        };
        (short, $f:ident, char [$n:literal]) => {
            $f.array::<3>()
        };
        (exact, $f:ident, char [$n:literal]) => {
            $f.array::<$n>()
        };
        (long, $f:ident, char [$n:literal]) => {
            $f.array::<{ $n + 7 }>()
        };
        ($form:ident, $f:ident, $dynamic:ident [$n:literal]) => {
            $f.bytes.clone()
        };
        ($form:ident, $f:ident, $int:ident) => {
            $f.bits as $int
        };
    }

    /// The argument as `emit_*` takes it, borrowing the owned one.
    macro_rules! borrowed {
        (slice, $f:ident, char [$n:literal]) => {
            &$f[..]
        };
        ($form:ident, $f:ident, char [$n:literal]) => {
            &$f
        };
        ($form:ident, $f:ident, $dynamic:ident [$n:literal]) => {
            &$f[..]
        };
        ($form:ident, $f:ident, $int:ident) => {
            $f
        };
    }

    /// Encodes the data of every field in one form with the generated encoder and with
    /// `record::encode`, and compares.
    macro_rules! check_form {
        ($fields:ident; $form:ident; $($field:ident : $kind:ident $([$n:literal])?),*) => {{
            $(let $field = owned!($form, $field, $kind $([$n])?);)*
            $(let $field = borrowed!($form, $field, $kind $([$n])?);)*
            let values: &[Value<'_>] = &[$($crate::__marker_value!($field, $kind $([$n])?)),*];
            let mut expect = vec![0xa5; record::max_size($fields)];
            let expect_len = record::encode($fields, values, &mut expect).unwrap();
            expect.truncate(expect_len);

            let len = $crate::__marker_len!($($field: $kind $([$n])?),*).unwrap();
            assert_eq!(len, expect_len, "{}", stringify!($form));
            let mut out = vec![0xa5; len];
            $crate::__marker_encode!(&mut out[..]; $($field: $kind $([$n])?),*);
            assert_eq!(out, expect, "{}: {:?}", stringify!($form), $fields);
        }};
    }

    /// A test of one declaration, `$name(rng)`: random data, every form of argument.
    macro_rules! encoder_case {
        ($name:ident; $($field:ident : $kind:ident $([$n:literal])?),* $(,)?) => {
            #[allow(unused_variables, clippy::unnecessary_cast)]
            fn $name(rng: &mut Rng) {
                let fields: &[Field<'_>] = &[$(Field {
                    name: stringify!($field),
                    ty: $crate::__marker_field_type!($kind $([$n])?),
                }),*];
                record::check("test", "case", fields).unwrap();
                $(let $field = Data::new(rng, $crate::__marker_field_type!($kind $([$n])?));)*
                check_form!(fields; slice; $($field: $kind $([$n])?),*);
                check_form!(fields; short; $($field: $kind $([$n])?),*);
                check_form!(fields; exact; $($field: $kind $([$n])?),*);
                check_form!(fields; long; $($field: $kind $([$n])?),*);
            }
        };
    }

    // One field of every type, the bench's event and sched_switch, by hand.
    encoder_case!(all_types; a: u8, b: u16, c: u32, d: u64, e: i8, f: i16, g: i32, h: i64,
        i: bool, j: char[16], k: str[32], l: bytes[8]);
    encoder_case!(ring_event; a: u32, b: u32, c: u32, comm: char[16]);
    encoder_case!(sched_switch; prev_comm: char[16], prev_pid: i32, prev_prio: i32,
        prev_state: i64, next_comm: char[16], next_pid: i32, next_prio: i32);
    encoder_case!(no_field;);
    encoder_case!(one_byte_array; c: char[1], s: str[1], b: bytes[1]);
    encoder_case!(large; a: bytes[4096], b: str[4096], c: char[4096], d: u8, e: bytes[4096]);

    // Random declarations (rust/build.rs).
    include!(concat!(env!("OUT_DIR"), "/encoder_cases.rs"));

    /// Random values for every declaration above; `RTRACE_ENCODER_SEED` picks another seed.
    #[test]
    fn generated_encoders_write_what_record_encode_writes() {
        let seed = std::env::var("RTRACE_ENCODER_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(1);
        let mut rng = Rng::with_seed(seed);
        for _ in 0..200 {
            for case in [
                all_types,
                ring_event,
                sched_switch,
                no_field,
                one_byte_array,
                large,
            ] {
                case(&mut rng);
            }
            for case in CASES {
                case(&mut rng);
            }
        }
    }

    /// A record over `RECORD_MAX` is refused by both encoders.
    #[test]
    fn records_over_the_maximum_are_refused() {
        let data = vec![7u8; 4096];
        let (a, b, c, d, e, f, g, h) = (
            &data[..],
            &data[..],
            &data[..],
            &data[..],
            &data[..],
            &data[..],
            &data[..],
            &data[..],
        );
        let (i, j, k, l, m, n, o, p) = (a, b, c, d, e, f, g, h);
        let len = crate::__marker_len!(a: bytes[4096], b: bytes[4096], c: bytes[4096],
            d: bytes[4096], e: bytes[4096], f: bytes[4096], g: bytes[4096], h: bytes[4096],
            i: bytes[4096], j: bytes[4096], k: bytes[4096], l: bytes[4096], m: bytes[4096],
            n: bytes[4096], o: bytes[4096], p: bytes[4096]);
        assert_eq!(len, None);
        let fields = [Field {
            name: "x",
            ty: FieldType::Bytes(4096),
        }; 16];
        let values = [Value::Bytes(a); 16];
        assert_eq!(
            record::encoded_len(&fields, &values),
            Err(record::RecordError::TooLarge)
        );
        // One byte less in all fits.
        let p = &data[..4096 - 64 - 1];
        let len = crate::__marker_len!(a: bytes[4096], b: bytes[4096], c: bytes[4096],
            d: bytes[4096], e: bytes[4096], f: bytes[4096], g: bytes[4096], h: bytes[4096],
            i: bytes[4096], j: bytes[4096], k: bytes[4096], l: bytes[4096], m: bytes[4096],
            n: bytes[4096], o: bytes[4096], p: bytes[4096]);
        assert_eq!(len, Some(record::RECORD_MAX));
    }

    /// Given a buffer of another length than the record's, the encoder writes nothing.
    #[test]
    fn a_buffer_of_another_length_is_left_alone() {
        let (a, s) = (7u32, &b"abc"[..]);
        let len = crate::__marker_len!(a: u32, s: str[8]).unwrap();
        assert_eq!(len, 11);
        let mut short = [0xa5u8; 7];
        crate::__marker_encode!(&mut short[..]; a: u32, s: str[8]);
        assert_eq!(short, [0xa5; 7]);
    }
}
