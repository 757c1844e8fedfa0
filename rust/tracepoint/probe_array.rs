// SPDX-License-Identifier: GPL-2.0

//! The ordering rules of a tracepoint's probe list, kept apart from memory and RCU so that they
//! are unit-tested on the host.
//!
//! Same semantics as `func_add()` and `func_remove()` in `kernel/tracepoint.c`: a probe is the
//! pair (function, private data) with a priority; higher priorities are called first and equal
//! priorities in registration order; a pair is connected at most once.
//!
//! The tracepoint core keeps its list of registered probes in this order and copies it into the
//! RCU-published array that sites iterate (see `tracepoint/probes.rs`).

/// The default priority of `register_trace_*`, as `TRACEPOINT_DEFAULT_PRIO` in C.
pub const DEFAULT_PRIO: i32 = 10;

/// A probe as far as ordering is concerned.
pub trait Probe {
    /// The identity of the probe: its function and its private data, as addresses.
    fn key(&self) -> (usize, usize);
    /// Its priority: higher is called first.
    fn prio(&self) -> i32;
}

/// Why a probe cannot be added.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum AddError {
    /// The same (function, data) pair is already connected (`-EEXIST`).
    Exists,
}

/// Returns where a probe with `key` and `prio` goes in `probes` (kept in call order): after every
/// probe of a higher or equal priority, so that ties keep registration order.
pub fn add_position<P: Probe>(
    probes: &[P],
    key: (usize, usize),
    prio: i32,
) -> Result<usize, AddError> {
    if find(probes, key).is_some() {
        return Err(AddError::Exists);
    }
    Ok(probes
        .iter()
        .position(|p| p.prio() < prio)
        .unwrap_or(probes.len()))
}

/// Returns the index of the probe `key` in `probes`, if it is there.
pub fn find<P: Probe>(probes: &[P], key: (usize, usize)) -> Option<usize> {
    probes.iter().position(|p| p.key() == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    struct P {
        func: usize,
        data: usize,
        prio: i32,
    }

    impl Probe for P {
        fn key(&self) -> (usize, usize) {
            (self.func, self.data)
        }
        fn prio(&self) -> i32 {
            self.prio
        }
    }

    fn add(list: &mut Vec<P>, func: usize, data: usize, prio: i32) -> Result<(), AddError> {
        let at = add_position(list, (func, data), prio)?;
        list.insert(at, P { func, data, prio });
        Ok(())
    }

    #[test]
    fn empty_list_takes_the_first_probe() {
        let mut list = Vec::new();
        add(&mut list, 1, 0, DEFAULT_PRIO).unwrap();
        assert_eq!(list.len(), 1);
    }

    #[test]
    fn higher_priority_is_called_first() {
        let mut list = Vec::new();
        add(&mut list, 1, 0, 10).unwrap();
        add(&mut list, 2, 0, 20).unwrap();
        add(&mut list, 3, 0, 5).unwrap();
        add(&mut list, 4, 0, i32::MAX).unwrap();
        add(&mut list, 5, 0, i32::MIN).unwrap();
        let order: Vec<_> = list.iter().map(|p| p.func).collect();
        assert_eq!(order, [4, 2, 1, 3, 5]);
    }

    #[test]
    fn equal_priorities_keep_registration_order() {
        let mut list = Vec::new();
        for func in 1..=5 {
            add(&mut list, func, 0, 7).unwrap();
        }
        add(&mut list, 9, 0, 8).unwrap();
        add(&mut list, 6, 0, 7).unwrap();
        let order: Vec<_> = list.iter().map(|p| p.func).collect();
        assert_eq!(order, [9, 1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn duplicate_pair_is_refused_whatever_the_priority() {
        let mut list = Vec::new();
        add(&mut list, 1, 100, 10).unwrap();
        assert_eq!(add(&mut list, 1, 100, 10), Err(AddError::Exists));
        assert_eq!(add(&mut list, 1, 100, 99), Err(AddError::Exists));
        assert_eq!(list.len(), 1);
    }

    #[test]
    fn same_function_with_other_data_is_another_probe() {
        let mut list = Vec::new();
        add(&mut list, 1, 100, 10).unwrap();
        add(&mut list, 1, 200, 10).unwrap();
        add(&mut list, 2, 100, 10).unwrap();
        assert_eq!(list.len(), 3);
        assert_eq!(find(&list, (1, 200)), Some(1));
        assert_eq!(find(&list, (2, 200)), None);
    }

    /// Random adds and removes against a model: the list is the registered probes stably sorted
    /// by descending priority, in registration order.
    #[test]
    fn random_sequences_match_the_model() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut rand = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let mut list: Vec<P> = Vec::new();
        let mut model: Vec<(u64, P)> = Vec::new();
        let mut clock = 0;
        for _ in 0..20_000 {
            let func = rand(8) as usize;
            let data = rand(3) as usize;
            if rand(2) == 0 {
                let prio = rand(5) as i32 - 2;
                let present = model.iter().any(|(_, p)| p.key() == (func, data));
                let r = add(&mut list, func, data, prio);
                assert_eq!(r.is_err(), present);
                if !present {
                    clock += 1;
                    model.push((clock, P { func, data, prio }));
                }
            } else {
                let at = find(&list, (func, data));
                let in_model = model.iter().position(|(_, p)| p.key() == (func, data));
                assert_eq!(at.is_some(), in_model.is_some());
                if let (Some(at), Some(m)) = (at, in_model) {
                    list.remove(at);
                    model.remove(m);
                }
            }
            let mut expect = model.clone();
            expect.sort_by_key(|(t, p)| (-(p.prio as i64), *t));
            let expect: Vec<P> = expect.into_iter().map(|(_, p)| p).collect();
            assert_eq!(list, expect);
        }
    }
}
