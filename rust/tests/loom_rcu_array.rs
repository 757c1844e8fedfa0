// SPDX-License-Identifier: GPL-2.0

//! loom model tests of the RCU array protocol (rust/kernel/rcu_array.rs): every interleaving of an
//! updater publishing and retiring arrays with sites reading them, on the C11 memory model.
//!
//! The model of RCU: a site's read-side section holds a read lock, and a grace period takes the
//! write lock once (it waits for every section that started before it, as `synchronize_rcu()`
//! does). An array is retired after a grace period: each entry is overwritten with [`FREED`]
//! through its loom cell, then freed. Entries live in loom cells, so loom reports any read of an
//! entry that is not ordered after its write by the publication (a missing release/acquire), and
//! any read that races with the freeing (a missing grace period).
//!
//! Run by scripts/host-test: `RUSTFLAGS='--cfg loom' cargo test -p rtrace --test loom_rcu_array`.

#![cfg(loom)]

use std::mem::MaybeUninit;
use std::ptr::NonNull;

use loom::cell::UnsafeCell;
use loom::sync::atomic::{AtomicPtr, Ordering};
use loom::sync::{Arc, RwLock};
use loom::thread;
use rtrace::kernel::rcu_array::{publish_in, Arrays, NoMemory};

/// What a freed entry holds.
const FREED: u64 = u64::MAX;

/// Most entries of an array in these tests, terminator included.
const ROOM: usize = 4;

/// An entry; 0 is the terminator.
struct Entry(UnsafeCell<u64>);

impl Entry {
    fn get(&self) -> u64 {
        // SAFETY: loom checks that this read is ordered with every write of the cell.
        self.0.with(|v| unsafe { *v })
    }
}

/// RCU, modelled: read-side sections hold `sections` for reading.
struct Model {
    sections: RwLock<()>,
    /// Whether `retire` waits for a grace period (false: the bug loom must find).
    grace_period: bool,
    /// The retired arrays: overwritten with [`FREED`], their memory kept until the end of the
    /// execution, so that a site walking one too late reads the poison (which loom reports as a
    /// race) rather than freed memory.
    retired: std::sync::Mutex<Vec<(NonNull<Entry>, usize)>>,
}

// SAFETY: `alloc` returns room for `ROOM >= len` entries, valid until `retire` frees it, which
// happens after a grace period (with `grace_period`, as in every test that expects no report).
unsafe impl Arrays<Entry> for Model {
    fn alloc(&self, len: usize) -> *mut Entry {
        assert!(len <= ROOM);
        let room: Box<[MaybeUninit<Entry>; ROOM]> =
            Box::new([const { MaybeUninit::uninit() }; ROOM]);
        Box::into_raw(room).cast()
    }

    unsafe fn retire(&self, array: NonNull<Entry>) {
        if self.grace_period {
            drop(self.sections.write().unwrap());
        }
        let first = array.as_ptr();
        let mut n = 0;
        loop {
            // SAFETY: `publish_in` wrote the entries up to the terminator.
            let entry = unsafe { &*first.add(n) };
            let value = entry.get();
            // SAFETY: loom checks that this write is ordered with every access to the cell.
            entry.0.with_mut(|v| unsafe { *v = FREED });
            n += 1;
            if value == 0 {
                break;
            }
        }
        self.retired.lock().unwrap().push((array, n));
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        for (array, len) in self.retired.get_mut().unwrap().drain(..) {
            let first = array.as_ptr();
            // SAFETY: `retire` saw `len` initialised entries, terminator included, in room that
            // came from `alloc`; no site is left.
            unsafe {
                for i in 0..len {
                    first.add(i).drop_in_place();
                }
                drop(Box::from_raw(first.cast::<[MaybeUninit<Entry>; ROOM]>()));
            }
        }
    }
}

/// A slot and its model of RCU.
struct Array {
    model: Model,
    slot: AtomicPtr<Entry>,
}

impl Array {
    fn new(grace_period: bool) -> Self {
        Self {
            model: Model {
                sections: RwLock::new(()),
                grace_period,
                retired: std::sync::Mutex::new(Vec::new()),
            },
            slot: AtomicPtr::new(std::ptr::null_mut()),
        }
    }

    /// Publishes `values`; one updater at a time by the tests' construction.
    fn publish(&self, values: &[u64]) -> Result<(), NoMemory> {
        let entries = values.iter().map(|&v| Entry(UnsafeCell::new(v)));
        // SAFETY: every array of `slot` comes from here, with `model`; each test has one updater.
        unsafe { publish_in(&self.model, &self.slot, entries, Entry(UnsafeCell::new(0))) }
    }

    /// What a site sees: the entries up to the terminator, in a read-side section.
    fn read(&self) -> Vec<u64> {
        let _section = self.model.sections.read().unwrap();
        let mut seen = Vec::new();
        // Acquire, as a site loads the array (rcu_dereference).
        let mut entry = self.slot.load(Ordering::Acquire);
        if entry.is_null() {
            return seen;
        }
        loop {
            // SAFETY: a published array, not freed before the section ends (the model's grace
            // period), ends with its terminator.
            let value = unsafe { &*entry }.get();
            assert_ne!(value, FREED, "a site read a freed entry");
            if value == 0 {
                return seen;
            }
            seen.push(value);
            // SAFETY: not the terminator, so the next entry is in the array.
            entry = unsafe { entry.add(1) };
        }
    }
}

impl Drop for Array {
    fn drop(&mut self) {
        // The last array goes with the slot (no reader is left).
        let last = self.slot.with_mut(|p| *p);
        if let Some(last) = NonNull::new(last) {
            // SAFETY: published by `publish`, and unreachable now.
            unsafe { self.model.retire(last) };
        }
    }
}

/// A site reading while the updater replaces `[1, 2]` by `[3]`, then by nothing, sees one of
/// the lists whole: never a torn, uninitialised or freed entry.
#[test]
fn a_site_sees_one_list_whole() {
    loom::model(|| {
        let array = Arc::new(Array::new(true));
        array.publish(&[1, 2]).unwrap();
        let site = {
            let array = array.clone();
            thread::spawn(move || array.read())
        };
        array.publish(&[3]).unwrap();
        array.publish(&[]).unwrap();
        let seen = site.join().unwrap();
        assert!(
            [&[1, 2][..], &[3][..], &[][..]].contains(&seen.as_slice()),
            "{seen:?}"
        );
    });
}

/// A site reading twice while the array goes from nothing to `[1]` to `[2, 3]` sees the lists
/// in publication order; a second site reads meanwhile. Three threads: the interleavings with
/// up to 3 preemptions (loom's advice for CI; the exhaustive run took 150 s on a loaded host).
#[test]
fn sites_see_updates_in_order() {
    let mut model = loom::model::Builder::new();
    model.preemption_bound = Some(3);
    model.check(|| {
        let array = Arc::new(Array::new(true));
        let sites: Vec<_> = [2, 1]
            .into_iter()
            .map(|reads| {
                let array = array.clone();
                thread::spawn(move || {
                    let first = array.read();
                    let second = if reads == 2 {
                        array.read()
                    } else {
                        first.clone()
                    };
                    [first, second]
                })
            })
            .collect();
        array.publish(&[1]).unwrap();
        array.publish(&[2, 3]).unwrap();
        let order = [&[][..], &[1][..], &[2, 3][..]];
        for site in sites {
            let [a, b] = site.join().unwrap();
            let at = |seen: &Vec<u64>| order.iter().position(|l| *l == seen.as_slice()).unwrap();
            assert!(at(&a) <= at(&b), "{a:?} then {b:?}");
        }
    });
}

/// The model finds a use after free: without the grace period, the updater frees the array a
/// site may be walking.
#[test]
#[should_panic(expected = "Causality violation")]
fn retiring_without_a_grace_period_is_found() {
    loom::model(|| {
        let array = Arc::new(Array::new(false));
        array.publish(&[1]).unwrap();
        let site = {
            let array = array.clone();
            thread::spawn(move || array.read())
        };
        array.publish(&[2]).unwrap();
        site.join().unwrap();
    });
}
