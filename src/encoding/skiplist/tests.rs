use super::*;

fn build(pairs: &[(f64, &str)]) -> Skiplist {
    let mut rng = Rng::new(7);
    let mut sl = Skiplist::new();
    for &(s, m) in pairs {
        sl.insert(&mut rng, s, SmallBytes::new(m.as_bytes()));
    }
    sl.check_invariants().expect("invariants");
    sl
}

#[test]
fn random_level_distribution_is_quarter_per_level() {
    let mut rng = Rng::new(1);
    let n = 100_000;
    let above1 = (0..n).filter(|_| random_level(&mut rng) > 1).count();
    let frac = above1 as f64 / n as f64;
    assert!((0.24..0.26).contains(&frac), "{frac}");
}

#[test]
fn orders_by_score_then_member_and_ranks_are_one_based() {
    let sl = build(&[(2.0, "b"), (1.0, "z"), (2.0, "a"), (-1.0, "m")]);
    let order: Vec<_> = sl.iter().map(|(s, m)| (s, m.to_vec())).collect();
    assert_eq!(
        order,
        vec![(-1.0, b"m".to_vec()), (1.0, b"z".to_vec()), (2.0, b"a".to_vec()), (2.0, b"b".to_vec())]
    );
    assert_eq!(sl.rank(2.0, b"a"), Some(3));
    assert_eq!(sl.rank(2.0, b"c"), None);
    assert_eq!(sl.by_rank(4).map(|id| sl.member(id).to_vec()), Some(b"b".to_vec()));
    assert_eq!(sl.by_rank(0), None);
    assert_eq!(sl.by_rank(5), None);
    assert_eq!(sl.iter_rev().count(), 4);
}

#[test]
fn update_score_moves_or_stays() {
    let mut sl = build(&[(1.0, "a"), (2.0, "b"), (3.0, "c")]);
    let mut rng = Rng::new(3);
    sl.update_score(&mut rng, 2.0, b"b", 2.5).expect("present");
    sl.update_score(&mut rng, 1.0, b"a", 10.0).expect("present");
    assert!(sl.update_score(&mut rng, 1.0, b"a", 0.0).is_none());
    sl.check_invariants().expect("invariants");
    assert_eq!(sl.iter().map(|(_, m)| m.to_vec()).collect::<Vec<_>>(), [b"b", b"c", b"a"]);
}

#[test]
fn score_ranges_and_deletions() {
    let mut sl = build(&[(1.0, "a"), (2.0, "b"), (3.0, "c"), (4.0, "d")]);
    let r = ScoreRange { min: 2.0, max: 4.0, min_exclusive: true, max_exclusive: false };
    assert_eq!(sl.first_in_range(&r).map(|id| sl.score(id)), Some(3.0));
    assert_eq!(sl.last_in_range(&r).map(|id| sl.score(id)), Some(4.0));
    let empty = ScoreRange { min: 2.0, max: 2.0, min_exclusive: true, max_exclusive: false };
    assert_eq!(sl.first_in_range(&empty), None);
    assert_eq!(sl.delete_range_by_score(&r), vec![b"c".to_vec(), b"d".to_vec()]);
    sl.check_invariants().expect("invariants");
    assert_eq!(sl.delete_range_by_rank(1, 1), vec![b"a".to_vec()]);
    assert_eq!(sl.len(), 1);
    sl.check_invariants().expect("invariants");
}

#[test]
fn lex_ranges_and_deletions() {
    let mut sl = build(&[(0.0, "a"), (0.0, "b"), (0.0, "c"), (0.0, "d")]);
    let r = LexRange { min: LexBound::Exclusive(b"a".to_vec()), max: LexBound::Inclusive(b"c".to_vec()) };
    assert_eq!(sl.first_in_lex_range(&r).map(|id| sl.member(id).to_vec()), Some(b"b".to_vec()));
    assert_eq!(sl.last_in_lex_range(&r).map(|id| sl.member(id).to_vec()), Some(b"c".to_vec()));
    let all = LexRange { min: LexBound::NegInf, max: LexBound::PosInf };
    let none = LexRange { min: LexBound::PosInf, max: LexBound::NegInf };
    assert!(sl.first_in_lex_range(&none).is_none());
    assert_eq!(sl.delete_range_by_lex(&r).len(), 2);
    assert_eq!(sl.delete_range_by_lex(&all).len(), 2);
    assert!(sl.is_empty());
    sl.check_invariants().expect("invariants");
}
