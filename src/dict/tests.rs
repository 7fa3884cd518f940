//! Tests for [`Dict`]: a model check against `BTreeMap`, scan completeness while the table
//! grows, shrinks and rehashes, iteration stability, and random sampling.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use super::*;
use crate::env::Rng;

fn dict() -> Dict<Vec<u8>, u64> {
    Dict::new(KeyedState::fixed())
}

fn key(i: u64) -> Vec<u8> {
    format!("key:{i}").into_bytes()
}

/// Structural invariants that every public operation must preserve.
fn check_invariants(d: &Dict<Vec<u8>, u64>) {
    let mut count = 0;
    for (t, table) in d.ht.iter().enumerate() {
        assert!(table.size() == 0 || table.size().is_power_of_two());
        let mut used = 0;
        for (i, link) in table.buckets.iter().enumerate() {
            let mut cur = link.as_deref();
            while let Some(node) = cur {
                assert_eq!(d.hash(&node.key) as usize & table.mask(), i, "node in the wrong bucket");
                if t == 0 {
                    if let Some(idx) = d.rehash_index() {
                        assert!(i >= idx, "bucket below rehash_idx not empty");
                    }
                }
                used += 1;
                cur = node.next.as_deref();
            }
        }
        assert_eq!(used, table.used);
        count += used;
    }
    if d.rehash_idx.is_none() {
        assert_eq!(d.ht[1].size(), 0);
    }
    assert_eq!(count, d.len());
    assert_eq!(d.iter().count(), d.len());
}

#[derive(Clone, Debug)]
enum Op {
    Insert(u8, u64),
    Remove(u8),
    Get(u8),
    GetMut(u8),
    GetOrInsert(u8),
    Rehash(u8),
    Shrink,
    AllowResize(bool),
    Clear,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (any::<u8>(), any::<u64>()).prop_map(|(k, v)| Op::Insert(k, v)),
        4 => any::<u8>().prop_map(Op::Remove),
        2 => any::<u8>().prop_map(Op::Get),
        1 => any::<u8>().prop_map(Op::GetMut),
        1 => any::<u8>().prop_map(Op::GetOrInsert),
        1 => (0u8..20).prop_map(Op::Rehash),
        1 => Just(Op::Shrink),
        1 => any::<bool>().prop_map(Op::AllowResize),
        1 => Just(Op::Clear),
    ]
}

fn apply(d: &mut Dict<Vec<u8>, u64>, model: &mut BTreeMap<Vec<u8>, u64>, op: &Op) {
    match *op {
        Op::Insert(k, v) => assert_eq!(d.insert(key(k.into()), v), model.insert(key(k.into()), v)),
        Op::Remove(k) => assert_eq!(d.remove(&key(k.into())[..]), model.remove_entry(&key(k.into()))),
        Op::Get(k) => assert_eq!(d.get(&key(k.into())[..]), model.get(&key(k.into()))),
        Op::GetMut(k) => {
            if let Some(v) = d.get_mut(&key(k.into())[..]) {
                *v += 1;
            }
            if let Some(v) = model.get_mut(&key(k.into())) {
                *v += 1;
            }
        }
        Op::GetOrInsert(k) => {
            let got = *d.get_or_insert_with(key(k.into()), || 7);
            assert_eq!(got, *model.entry(key(k.into())).or_insert(7));
        }
        Op::Rehash(n) => {
            d.rehash(n.into());
        }
        Op::Shrink => {
            d.try_shrink();
        }
        Op::AllowResize(b) => d.set_resize_allowed(b),
        Op::Clear => {
            d.clear();
            model.clear();
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn dict_behaves_like_a_btreemap_under_random_ops(ops in proptest::collection::vec(op(), 0..600)) {
        let mut d = dict();
        let mut model = BTreeMap::new();
        for op in &ops {
            apply(&mut d, &mut model, op);
            check_invariants(&d);
        }
        let got: BTreeMap<Vec<u8>, u64> = d.iter().map(|(k, v)| (k.clone(), *v)).collect();
        prop_assert_eq!(got, model);
    }

    #[test]
    fn scan_reports_every_stable_key_while_the_table_changes(
        stable in 0u64..60,
        churn in proptest::collection::vec(churn_op(), 0..200),
        per_call in 0usize..4,
    ) {
        scan_completeness(stable, &churn, per_call);
    }
}

/// Operations between scan calls that make the table grow, shrink and rehash.
#[derive(Clone, Debug)]
enum Churn {
    /// Insert this many fresh keys (growth).
    InsertMany(u16),
    /// Remove every churn key (so a shrink becomes possible).
    RemoveAll,
    /// Remove some churn keys.
    RemoveSome(u16),
    Shrink,
    Rehash(u8),
    RehashAll,
    AllowResize(bool),
}

fn churn_op() -> impl Strategy<Value = Churn> {
    prop_oneof![
        4 => (1u16..600).prop_map(Churn::InsertMany),
        2 => Just(Churn::RemoveAll),
        2 => (1u16..300).prop_map(Churn::RemoveSome),
        3 => Just(Churn::Shrink),
        3 => (0u8..8).prop_map(Churn::Rehash),
        1 => Just(Churn::RehashAll),
        1 => any::<bool>().prop_map(Churn::AllowResize),
    ]
}

/// Keys `stable:*` exist for the whole scan; between scan calls, `per_call` churn operations
/// (on other keys) make the table grow, shrink and rehash mid-scan.
fn scan_completeness(stable: u64, churn: &[Churn], per_call: usize) {
    let mut d = dict();
    let stable_keys: BTreeSet<Vec<u8>> = (0..stable).map(|i| format!("stable:{i}").into_bytes()).collect();
    for k in &stable_keys {
        d.insert(k.clone(), 0);
    }
    let mut churn_keys: Vec<Vec<u8>> = Vec::new();
    let mut next_churn = 0u64;
    let mut seen = BTreeSet::new();
    let mut ops = churn.iter();
    let mut cursor = 0;
    let mut calls = 0;
    loop {
        cursor = d.scan(cursor, |k, _| {
            seen.insert(k.clone());
        });
        calls += 1;
        assert!(calls < 1_000_000, "scan does not terminate");
        if cursor == 0 {
            break;
        }
        for op in ops.by_ref().take(per_call) {
            match *op {
                Churn::InsertMany(n) => {
                    for _ in 0..n {
                        let k = format!("churn:{next_churn}").into_bytes();
                        next_churn += 1;
                        d.insert(k.clone(), 1);
                        churn_keys.push(k);
                    }
                }
                Churn::RemoveAll => {
                    for k in churn_keys.drain(..) {
                        d.remove(&k[..]);
                    }
                }
                Churn::RemoveSome(n) => {
                    let keep = churn_keys.len().saturating_sub(n.into());
                    for k in churn_keys.drain(keep..) {
                        d.remove(&k[..]);
                    }
                }
                Churn::Shrink => {
                    d.try_shrink();
                }
                Churn::Rehash(n) => {
                    d.rehash(n.into());
                }
                Churn::RehashAll => while d.rehash(100) {},
                Churn::AllowResize(b) => d.set_resize_allowed(b),
            }
            check_invariants(&d);
        }
    }
    for k in &stable_keys {
        assert!(seen.contains(k), "scan missed {:?}", String::from_utf8_lossy(k));
    }
}

#[test]
fn scan_during_growth_and_shrink_misses_nothing() {
    let mut d = dict();
    for i in 0..1000 {
        d.insert(key(i), i);
    }
    while d.rehash(100) {}
    let mut seen = BTreeSet::new();
    let mut cursor = 0;
    for call in 0.. {
        cursor = d.scan(cursor, |k, _| {
            seen.insert(k.clone());
        });
        if cursor == 0 {
            break;
        }
        if call == 500 {
            // Half-way: shrink from 1024 to 128 buckets at once; old buckets not yet visited
            // fold into small-table buckets whose reversed index the cursor has not reached.
            for i in 100..1000 {
                d.remove(&key(i)[..]);
            }
            assert!(d.try_shrink());
            while d.rehash(100) {}
        }
        if call == 520 {
            // Then grow again while the scan is under way.
            for i in 2000..6000 {
                d.insert(key(i), i);
            }
        }
        d.rehash(1);
    }
    for i in 0..100 {
        assert!(seen.contains(&key(i)), "missed key {i}");
    }
}

#[test]
fn scan_cursor_sequence_is_reverse_binary() {
    let mut d = dict();
    for i in 0..5 {
        d.insert(key(i), i);
    }
    // 5 entries: 8 buckets after the first growth.
    d.rehash(usize::MAX);
    assert_eq!(d.table_sizes(), (8, 0));
    let mut cursors = vec![0];
    let mut c = 0;
    loop {
        c = d.scan(c, |_, _| {});
        cursors.push(c);
        if c == 0 {
            break;
        }
    }
    assert_eq!(cursors, vec![0, 4, 2, 6, 1, 5, 3, 7, 0]);
}

#[test]
fn iteration_order_is_stable_for_a_fixed_keyed_state() {
    let build = || {
        let mut d = dict();
        for i in 0..500 {
            d.insert(key(i), i);
        }
        d
    };
    let a: Vec<_> = build().keys().cloned().collect();
    let b: Vec<_> = build().keys().cloned().collect();
    assert_eq!(a, b);
    let cloned = build().clone();
    assert_eq!(cloned.keys().cloned().collect::<Vec<_>>(), a);
    // A differently seeded hasher gives a different order.
    let mut other = Dict::new(KeyedState::new(&mut Rng::new(99)));
    for i in 0..500 {
        other.insert(key(i), i);
    }
    assert_ne!(other.keys().cloned().collect::<Vec<_>>(), a);
}

#[test]
fn growth_is_deferred_while_resize_is_disallowed_until_ratio_five() {
    let mut d = dict();
    for i in 0..4 {
        d.insert(key(i), i);
    }
    assert_eq!(d.table_sizes(), (4, 0));
    d.set_resize_allowed(false);
    for i in 4..24 {
        d.insert(key(i), i);
    }
    assert_eq!(d.table_sizes(), (4, 0), "no growth at ratio <= 5");
    // The check runs before adding: with 24 entries in 4 buckets, 24 / 4 = 6 > 5.
    d.insert(key(24), 24);
    assert!(d.slots() > 4, "forced growth past ratio 5");
    assert!(!d.try_shrink());
}

#[test]
fn shrink_needs_fill_below_ten_percent() {
    let mut d = dict();
    for i in 0..1000 {
        d.insert(key(i), i);
    }
    d.rehash(usize::MAX);
    assert_eq!(d.table_sizes(), (1024, 0));
    for i in 0..897 {
        d.remove(&key(i)[..]);
    }
    // Integer percentages, as in Redis: 103 * 100 / 1024 = 10, 102 * 100 / 1024 = 9.
    assert!(!d.needs_shrink(), "103 of 1024 is not below 10%");
    d.remove(&key(897)[..]);
    assert!(d.needs_shrink());
    d.set_resize_allowed(false);
    assert!(!d.try_shrink());
    d.set_resize_allowed(true);
    assert!(d.try_shrink());
    while d.rehash(100) {}
    assert_eq!(d.table_sizes(), (128, 0));
    assert_eq!(d.len(), 102);
}

#[test]
fn random_key_returns_only_present_keys_and_eventually_every_key() {
    let mut d = dict();
    for i in 0..200 {
        d.insert(key(i), i);
    }
    for i in 0..100 {
        d.remove(&key(i * 2)[..]);
    }
    assert!(d.try_shrink() || d.is_rehashing() || !d.needs_shrink());
    let mut rng = Rng::new(7);
    let mut seen = BTreeSet::new();
    for round in 0..20_000 {
        if round % 100 == 0 {
            d.rehash(1); // exercise picks during a rehash too
        }
        let k = d.random_key(&mut rng).expect("non-empty");
        assert!(d.contains_key(&k[..]));
        seen.insert(k.clone());
        let (k, _) = d.random_entry_unfair(&mut rng).expect("non-empty");
        assert!(d.contains_key(&k[..]));
    }
    assert_eq!(seen.len(), 100);
    assert!(dict().random_key(&mut rng).is_none());
}

#[test]
fn sample_returns_present_keys_up_to_count() {
    let mut d = dict();
    let mut rng = Rng::new(3);
    assert!(d.sample(&mut rng, 5).is_empty());
    for i in 0..50 {
        d.insert(key(i), i);
    }
    for _ in 0..100 {
        let s = d.sample(&mut rng, 5);
        assert!(!s.is_empty() && s.len() <= 5);
        assert!(s.iter().all(|k| d.contains_key(&k[..])));
    }
    assert!(d.sample(&mut rng, 100).len() <= 50);
    // During a rehash.
    for i in 50..200 {
        d.insert(key(i), i);
    }
    assert!(d.is_rehashing());
    let s = d.sample_entries(&mut rng, 16);
    assert!(s.iter().all(|(k, v)| d.get(&k[..]) == Some(v)));
}

#[test]
fn long_chains_drop_without_recursion() {
    // Forbid resizing so chains grow to ~5 per bucket, then drop a big dict.
    let mut d: Dict<u64, u64> = Dict::new(KeyedState::fixed());
    d.set_resize_allowed(false);
    for i in 0..100_000u64 {
        d.insert(i, i);
    }
    assert_eq!(d.len(), 100_000);
    drop(d);
}

#[test]
fn the_dict_struct_is_72_bytes_and_refuses_tables_past_2_31_buckets() {
    // 72 bytes: glibc's 72-byte class for a boxed set's dict (Redis's dict is 56 + its
    // dictType pointer); two exact-size bucket slices, a 32-bit rehash index, a shared hasher.
    assert_eq!(std::mem::size_of::<Dict<crate::bytes::SmallBytes, ()>>(), 72);
    let mut d = dict();
    assert!(!d.expand((1 << 31) + 1));
    assert_eq!(d.slots(), 0);
}
