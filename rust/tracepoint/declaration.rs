// SPDX-License-Identifier: GPL-2.0

//! What the core checks in a tracepoint declaration it is given: the name, and the signature text
//! in the canonical form that is compared and shown in debugfs.
//!
//! `stringify!` spaces every token (`prev : & Task , next : & Task`); [`normalize_signature`]
//! writes it as a person would (`prev: &Task, next: &Task`). Two declarations of one name meet
//! only if their normalized signatures are equal.

/// Whether `name` is a valid tracepoint name: 1 to `max` bytes of `[A-Za-z0-9_]`, not starting
/// with a digit (a Rust identifier, as the macro requires, and a debugfs-safe file name).
pub fn valid_name(name: &[u8], max: usize) -> bool {
    !name.is_empty()
        && name.len() <= max
        && !name[0].is_ascii_digit()
        && name.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_')
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'\''
}

/// Writes the canonical form of `text` through `out`, one byte at a time: spaces are kept only
/// between two word characters, and a single space follows each `,` and each lone `:`.
pub fn normalize_signature(text: &[u8], mut out: impl FnMut(u8)) {
    let mut prev: Option<u8> = None;
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        if c.is_ascii_whitespace() {
            let next = text[i + 1..]
                .iter()
                .copied()
                .find(|c| !c.is_ascii_whitespace());
            if let (Some(p), Some(n)) = (prev, next) {
                if is_word(p) && is_word(n) {
                    out(b' ');
                    prev = Some(b' ');
                }
            }
            i += 1;
            continue;
        }
        let double_colon = c == b':' && (text.get(i + 1) == Some(&b':') || prev == Some(b':'));
        out(c);
        prev = Some(c);
        if c == b',' || (c == b':' && !double_colon) {
            out(b' ');
            prev = Some(b' ');
        }
        i += 1;
    }
}

/// Writes `name`, a type's name as `core::any::type_name` gives it, with each path that starts
/// with a module's own crate written without it (`&driver::sensor_trace::Reading` as
/// `&sensor_trace::Reading`): a declaration file included by two modules (the instrumented one
/// and its probe module, each its own crate) names its own types after each crate. Paths of the
/// crates every module shares ([`SHARED_CRATES`]: `&kernel::task::Task`) are written whole.
/// What is compared is that, the size and the alignment.
pub fn write_type_name(name: &[u8], mut out: impl FnMut(u8)) {
    let mut i = 0;
    while i < name.len() {
        if !is_path_byte(name[i]) {
            out(name[i]);
            i += 1;
            continue;
        }
        // A path: its bytes up to the next that is not one of a path's.
        let end = name[i..]
            .iter()
            .position(|&c| !is_path_byte(c))
            .map_or(name.len(), |n| i + n);
        let path = &name[i..end];
        let rest = match path.windows(2).position(|w| w == b"::") {
            Some(at) if !SHARED_CRATES.contains(&&path[..at]) => &path[at + 2..],
            _ => path,
        };
        rest.iter().for_each(|&c| out(c));
        i = end;
    }
}

/// The crates of the kernel's Rust support that every module links against: their paths name the
/// same types in every module.
pub const SHARED_CRATES: &[&[u8]] = &[
    b"core",
    b"alloc",
    b"kernel",
    b"bindings",
    b"uapi",
    b"macros",
    b"ffi",
    b"compiler_builtins",
];

fn is_path_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b':'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_lose_their_crate() {
        let strip = |s: &str| {
            let mut v = Vec::new();
            write_type_name(s.as_bytes(), |c| v.push(c));
            String::from_utf8(v).unwrap()
        };
        assert_eq!(
            strip("&driver::sensor_trace::Reading"),
            "&sensor_trace::Reading"
        );
        assert_eq!(
            strip("&driver::sensor_trace::Reading"),
            strip("&probe::sensor_trace::Reading")
        );
        assert_ne!(strip("&driver::a::Reading"), strip("&probe::b::Reading"));
        assert_eq!(strip("u32"), "u32");
        assert_eq!(strip("&[u8]"), "&[u8]");
        // The shared crates' paths stay whole: a module's own `task::Task` is not the kernel's.
        assert_eq!(strip("&kernel::task::Task"), "&kernel::task::Task");
        assert_ne!(
            strip("&rtrace_tp_badsig::task::Task"),
            strip("&kernel::task::Task")
        );
        assert_eq!(
            strip("core::option::Option<&driver::t::Reading>"),
            "core::option::Option<&t::Reading>"
        );
    }

    fn norm(s: &str) -> String {
        let mut v = Vec::new();
        normalize_signature(s.as_bytes(), |c| v.push(c));
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn stringify_output_is_written_as_declared() {
        assert_eq!(
            norm("prev : & Task, next : & Task"),
            "prev: &Task, next: &Task"
        );
        assert_eq!(norm("task : & Task"), "task: &Task");
        assert_eq!(norm(""), "");
    }

    #[test]
    fn paths_keep_their_double_colons() {
        assert_eq!(
            norm("t : & kernel :: task :: Task , n : u32"),
            "t: &kernel::task::Task, n: u32"
        );
    }

    #[test]
    fn spaces_between_words_stay() {
        assert_eq!(norm("p : * const u8"), "p: *const u8");
        assert_eq!(norm("s : & 'static str"), "s: &'static str");
        assert_eq!(norm("a : & mut   Foo"), "a: &mut Foo");
    }

    #[test]
    fn normalization_is_idempotent_and_spacing_blind() {
        for s in [
            "prev : & Task, next : & Task",
            "a:u32,b:&Foo",
            "x : [u8 ; 16]",
        ] {
            assert_eq!(norm(&norm(s)), norm(s));
        }
        assert_eq!(norm("a:u32,b:&Foo"), norm("a : u32 , b : & Foo"));
        assert_ne!(norm("a: u32"), norm("a: u64"));
    }

    #[test]
    fn names() {
        assert!(valid_name(b"sched_switch", 64));
        assert!(valid_name(b"_x9", 64));
        assert!(!valid_name(b"", 64));
        assert!(!valid_name(b"9lives", 64));
        assert!(!valid_name(b"sched-switch", 64));
        assert!(!valid_name(b"a/b", 64));
        assert!(valid_name(&[b'a'; 64], 64));
        assert!(!valid_name(&[b'a'; 65], 64));
    }
}
