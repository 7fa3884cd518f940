use super::*;
use crate::encoding::skiplist::{LexBound, LexRange, ScoreRange};

fn env_parts() -> (TypeLimits, Rng, KeyedState) {
    (TypeLimits::default(), Rng::new(7), KeyedState::fixed())
}

fn add_all(z: &mut ZSet, pairs: &[(&str, f64)], limits: TypeLimits, rng: &mut Rng, hasher: &KeyedState) {
    let mut env = ZEnv { limits, rng, hasher };
    for (m, s) in pairs {
        z.add(*s, m.as_bytes(), AddFlags::default(), &mut env);
    }
}

fn collect(z: &ZSet) -> Vec<(Vec<u8>, f64)> {
    let mut v = Vec::new();
    z.for_each(&mut |m, s| v.push((m.to_vec(), s)));
    v
}

#[test]
fn ziplist_keeps_score_member_order_and_converts_at_129() {
    let (limits, mut rng, hasher) = env_parts();
    let mut z = ZSet::default();
    let pairs: Vec<(String, f64)> = (0..128).map(|i| (format!("m{i}"), f64::from(i % 7))).collect();
    let refs: Vec<(&str, f64)> = pairs.iter().map(|(m, s)| (m.as_str(), *s)).collect();
    add_all(&mut z, &refs, limits, &mut rng, &hasher);
    assert_eq!(z.encoding_name(), "ziplist");
    let got = collect(&z);
    let mut want: Vec<(Vec<u8>, f64)> = pairs.iter().map(|(m, s)| (m.clone().into_bytes(), *s)).collect();
    want.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    assert_eq!(got, want);
    add_all(&mut z, &[("extra", 3.5)], limits, &mut rng, &hasher);
    assert_eq!(z.encoding_name(), "skiplist");
    assert_eq!(z.len(), 129);
    assert_eq!(z.score(b"extra"), Some(3.5));
}

#[test]
fn long_member_converts_and_negative_zero_survives_only_in_skiplist() {
    let (limits, mut rng, hasher) = env_parts();
    let mut z = ZSet::default();
    add_all(&mut z, &[("a", -0.0)], limits, &mut rng, &hasher);
    assert!(z.score(b"a").is_some_and(|s| s.is_sign_positive()), "ziplist stores -0 as integer 0");
    let long = "x".repeat(65);
    add_all(&mut z, &[(long.as_str(), 1.0), ("b", -0.0)], limits, &mut rng, &hasher);
    assert_eq!(z.encoding_name(), "skiplist");
    assert!(z.score(b"b").is_some_and(|s| s.is_sign_negative()));
}

#[test]
fn add_flags_follow_zset_add() {
    let (limits, mut rng, hasher) = env_parts();
    let mut env = ZEnv { limits, rng: &mut rng, hasher: &hasher };
    let mut z = ZSet::default();
    let f = AddFlags::default();
    assert_eq!(z.add(1.0, b"a", f, &mut env), AddOutcome::Added(1.0));
    assert_eq!(z.add(1.0, b"a", f, &mut env), AddOutcome::Unchanged(1.0));
    assert_eq!(z.add(2.0, b"a", AddFlags { nx: true, ..f }, &mut env), AddOutcome::Nop);
    assert_eq!(z.add(2.0, b"b", AddFlags { xx: true, ..f }, &mut env), AddOutcome::Nop);
    assert_eq!(z.add(0.5, b"a", AddFlags { gt: true, ..f }, &mut env), AddOutcome::Nop);
    assert_eq!(z.add(2.0, b"a", AddFlags { incr: true, ..f }, &mut env), AddOutcome::Updated(3.0));
    z.add(f64::INFINITY, b"i", f, &mut env);
    assert_eq!(z.add(f64::NEG_INFINITY, b"i", AddFlags { incr: true, ..f }, &mut env), AddOutcome::Nan);
}

#[test]
fn ranges_agree_between_encodings() {
    let (limits, mut rng, hasher) = env_parts();
    let mut small = ZSet::default();
    let mut big = ZSet::default();
    let pairs: Vec<(String, f64)> = (0..100).map(|i| (format!("m{:03}", i), f64::from(i / 3))).collect();
    let refs: Vec<(&str, f64)> = pairs.iter().map(|(m, s)| (m.as_str(), *s)).collect();
    add_all(&mut small, &refs, limits, &mut rng, &hasher);
    let mut env = ZEnv { limits, rng: &mut rng, hasher: &hasher };
    big.convert(&mut env);
    for (m, s) in &refs {
        big.add(*s, m.as_bytes(), AddFlags::default(), &mut env);
    }
    assert_eq!(big.encoding_name(), "skiplist");
    let r = ScoreRange { min: 3.0, max: 10.0, min_exclusive: true, max_exclusive: false };
    assert_eq!(small.score_ranks(&r), big.score_ranks(&r));
    assert_eq!(small.score_ranks(&r), Some(RankRange { first: 12, last: 32 }));
    let lex = LexRange { min: LexBound::Inclusive(b"m010".to_vec()), max: LexBound::Exclusive(b"m020".to_vec()) };
    assert_eq!(small.lex_ranks(&lex), big.lex_ranks(&lex));
    let rr = RankRange { first: 5, last: 9 };
    assert_eq!(small.pairs_by_rank(rr, true), big.pairs_by_rank(rr, true));
    assert_eq!(small.rank(b"m050", true), big.rank(b"m050", true));
    assert_eq!(small.pop(true, 3), big.pop(true, 3));
    assert_eq!(small.delete_ranks(rr), big.delete_ranks(rr));
    assert_eq!(collect(&small), collect(&big));
}

#[test]
fn from_items_sorts_dedupes_and_picks_encoding() {
    let (limits, mut rng, _) = env_parts();
    let z = ZSet::from_items(vec![(b"b".to_vec(), 2.0), (b"a".to_vec(), 2.0), (b"b".to_vec(), 1.0)], &limits, &mut rng);
    assert_eq!(collect(&z), vec![(b"b".to_vec(), 1.0), (b"a".to_vec(), 2.0)]);
    assert_eq!(z.encoding_name(), "ziplist");
    let many: Vec<(Vec<u8>, f64)> = (0..129).map(|i| (format!("{i}").into_bytes(), 0.5)).collect();
    assert_eq!(ZSet::from_items(many, &limits, &mut rng).encoding_name(), "skiplist");
}

#[test]
fn window_applies_offset_and_limit_from_either_end() {
    let r = RankRange { first: 2, last: 9 };
    assert_eq!(r.window(false, 1, Some(3)), Some(RankRange { first: 3, last: 5 }));
    assert_eq!(r.window(true, 1, Some(3)), Some(RankRange { first: 6, last: 8 }));
    assert_eq!(r.window(true, 0, None), Some(r));
    assert_eq!(r.window(false, 8, None), None);
    assert_eq!(r.window(false, 0, Some(0)), None);
}
