//! Property tests for the compact encodings against plain models: ziplist vs `Vec<Vec<u8>>`,
//! intset vs `BTreeSet`, quicklist vs `VecDeque`, skiplist vs a sorted `Vec`, listpack and LZF
//! round trips, and "any bytes" tests showing the validators never panic and that whatever
//! they accept can be used safely.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use keel::encoding::intset::Intset;
use keel::encoding::listpack::Listpack;
use keel::encoding::lzf;
use keel::encoding::quicklist::Quicklist;
use keel::encoding::skiplist::{LexBound, LexRange, ScoreRange, Skiplist};
use keel::encoding::ziplist::Ziplist;
use keel::env::Rng;
use proptest::prelude::*;

// ---------- value strategies ----------

fn int_string() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        (0i64..=12).prop_map(|v| v.to_string().into_bytes()),
        (-200i64..200).prop_map(|v| v.to_string().into_bytes()),
        (-9_000_000i64..9_000_000).prop_map(|v| v.to_string().into_bytes()),
        any::<i64>().prop_map(|v| v.to_string().into_bytes()),
        Just(b"007".to_vec()),
        Just(b"-0".to_vec()),
    ]
}

/// Values around the 254-byte prevlen threshold, which drive cascade updates.
fn cascade_string() -> impl Strategy<Value = Vec<u8>> {
    (250usize..=256, any::<u8>()).prop_map(|(n, b)| vec![b'a' + b % 26; n])
}

fn zl_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => prop::collection::vec(any::<u8>(), 0..20),
        2 => int_string(),
        4 => cascade_string(),
        1 => prop::collection::vec(any::<u8>(), 60..400),
    ]
}

// ---------- ziplist ----------

#[derive(Debug, Clone)]
enum ZlOp {
    Push(Vec<u8>, bool),
    Insert(usize, Vec<u8>),
    Delete(usize),
    DeleteRange(usize, usize),
    Replace(usize, Vec<u8>),
    Merge(Vec<Vec<u8>>, bool),
}

fn zl_op() -> impl Strategy<Value = ZlOp> {
    prop_oneof![
        4 => (zl_value(), any::<bool>()).prop_map(|(v, h)| ZlOp::Push(v, h)),
        3 => (any::<usize>(), zl_value()).prop_map(|(i, v)| ZlOp::Insert(i, v)),
        2 => any::<usize>().prop_map(ZlOp::Delete),
        1 => (any::<usize>(), 0usize..6).prop_map(|(i, n)| ZlOp::DeleteRange(i, n)),
        2 => (any::<usize>(), zl_value()).prop_map(|(i, v)| ZlOp::Replace(i, v)),
        1 => (prop::collection::vec(zl_value(), 0..6), any::<bool>())
            .prop_map(|(vs, first)| ZlOp::Merge(vs, first)),
    ]
}

fn zl_from(values: &[Vec<u8>]) -> Ziplist {
    let mut z = Ziplist::new();
    for v in values {
        z.push(v, false);
    }
    z
}

fn apply_zl(z: &mut Ziplist, model: &mut Vec<Vec<u8>>, op: ZlOp) {
    let n = model.len();
    match op {
        ZlOp::Push(v, head) => {
            z.push(&v, head);
            if head {
                model.insert(0, v)
            } else {
                model.push(v)
            }
        }
        ZlOp::Insert(i, v) => {
            let i = i % (n + 1);
            assert!(z.insert(i, &v));
            model.insert(i, v);
        }
        ZlOp::Delete(i) if n > 0 => {
            assert!(z.delete(i % n));
            model.remove(i % n);
        }
        ZlOp::DeleteRange(i, c) if n > 0 => {
            let i = i % n;
            let removed = z.delete_range(i, c);
            assert_eq!(removed, c.min(n - i));
            model.drain(i..i + removed);
        }
        ZlOp::Replace(i, v) if n > 0 => {
            assert!(z.replace(i % n, &v));
            model[i % n] = v;
        }
        ZlOp::Merge(vs, ours_first) => {
            let other = zl_from(&vs);
            let mine = std::mem::take(z);
            if ours_first {
                *z = Ziplist::merge(mine, other);
                model.extend(vs);
            } else {
                *z = Ziplist::merge(other, mine);
                model.splice(0..0, vs);
            }
        }
        _ => {}
    }
}

fn assert_zl_matches(z: &Ziplist, model: &[Vec<u8>]) {
    let reparsed = Ziplist::from_bytes(z.as_bytes().to_vec()).expect("deep validation passes");
    assert_eq!(reparsed.len(), model.len());
    let fwd: Vec<Vec<u8>> = reparsed.iter().map(|v| v.to_vec()).collect();
    assert_eq!(fwd, model);
    let mut rev: Vec<Vec<u8>> = reparsed.iter_rev().map(|v| v.to_vec()).collect();
    rev.reverse();
    assert_eq!(rev, model);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn ziplist_matches_vec_model(ops in prop::collection::vec(zl_op(), 1..60)) {
        let mut z = Ziplist::new();
        let mut model = Vec::new();
        for op in ops {
            apply_zl(&mut z, &mut model, op);
            assert_zl_matches(&z, &model);
        }
        for (i, v) in model.iter().enumerate() {
            prop_assert_eq!(z.get(i).map(|x| x.to_vec()), Some(v.clone()));
        }
    }

    /// A long run of 250–256-byte entries, then edits at random places: inserts of big
    /// entries cascade prevlen growth through the run; deletes leave large prevlens behind.
    #[test]
    fn ziplist_cascade_runs_stay_valid(
        run in prop::collection::vec(cascade_string(), 20..120),
        ops in prop::collection::vec(zl_op(), 1..30),
    ) {
        let mut z = zl_from(&run);
        let mut model = run;
        assert_zl_matches(&z, &model);
        for op in ops {
            apply_zl(&mut z, &mut model, op);
            assert_zl_matches(&z, &model);
        }
    }

    #[test]
    fn ziplist_find_matches_model(values in prop::collection::vec(int_string(), 1..30), probe in int_string()) {
        let z = zl_from(&values);
        prop_assert_eq!(z.find(0, &probe, 0), values.iter().position(|v| *v == probe));
    }
}

// ---------- intset ----------

fn intset_value() -> impl Strategy<Value = i64> {
    prop_oneof![
        -100i64..100,
        any::<i16>().prop_map(i64::from),
        any::<i32>().prop_map(i64::from),
        any::<i64>(),
    ]
}

proptest! {
    #[test]
    fn intset_matches_btreeset(ops in prop::collection::vec((any::<bool>(), intset_value()), 1..200)) {
        let mut s = Intset::new();
        let mut model = BTreeSet::new();
        for (add, v) in ops {
            if add {
                prop_assert_eq!(s.add(v), model.insert(v));
            } else {
                prop_assert_eq!(s.remove(v), model.remove(&v));
            }
            prop_assert_eq!(s.contains(v), model.contains(&v));
        }
        prop_assert_eq!(s.iter().collect::<Vec<_>>(), model.iter().copied().collect::<Vec<_>>());
        if !model.is_empty() {
            let again = Intset::from_bytes(s.as_bytes().to_vec()).expect("valid");
            prop_assert_eq!(again.len(), model.len());
            let mut rng = Rng::new(model.len() as u64);
            let r = s.random(&mut rng).expect("non-empty");
            prop_assert!(model.contains(&r));
        }
    }
}

// ---------- quicklist ----------

#[derive(Debug, Clone)]
enum QlOp {
    Push(Vec<u8>, bool),
    Pop(bool),
    Set(usize, Vec<u8>),
    Insert(usize, Vec<u8>, bool),
    DeleteRange(usize, usize),
}

fn ql_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        6 => prop::collection::vec(b'a'..b'e', 0..40),
        2 => int_string(),
        1 => (300usize..3000).prop_map(|n| vec![b'q'; n]),
    ]
}

fn ql_op() -> impl Strategy<Value = QlOp> {
    prop_oneof![
        6 => (ql_value(), any::<bool>()).prop_map(|(v, h)| QlOp::Push(v, h)),
        2 => any::<bool>().prop_map(QlOp::Pop),
        1 => (any::<usize>(), ql_value()).prop_map(|(i, v)| QlOp::Set(i, v)),
        3 => (any::<usize>(), ql_value(), any::<bool>()).prop_map(|(i, v, a)| QlOp::Insert(i, v, a)),
        1 => (any::<usize>(), 0usize..30).prop_map(|(i, n)| QlOp::DeleteRange(i, n)),
    ]
}

fn apply_ql(q: &mut Quicklist, model: &mut VecDeque<Vec<u8>>, op: QlOp) {
    let n = model.len();
    match op {
        QlOp::Push(v, head) => {
            q.push(&v, head);
            if head { model.push_front(v) } else { model.push_back(v) }
        }
        QlOp::Pop(head) => {
            let want = if head { model.pop_front() } else { model.pop_back() };
            assert_eq!(q.pop(head), want);
        }
        QlOp::Set(i, v) if n > 0 => {
            assert!(q.set(i % n, &v));
            model[i % n] = v;
        }
        QlOp::Insert(i, v, after) if n > 0 => {
            assert!(q.insert(i % n, &v, after));
            model.insert(i % n + usize::from(after), v);
        }
        QlOp::DeleteRange(i, c) if n > 0 => {
            let i = i % n;
            let removed = q.delete_range(i, c);
            assert_eq!(removed, c.min(n - i));
            model.drain(i..i + removed);
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn quicklist_matches_vecdeque(
        fill in prop_oneof![Just(-1i32), Just(-2), Just(-5), Just(1), Just(3), Just(16), Just(128)],
        depth in 0usize..3,
        ops in prop::collection::vec(ql_op(), 1..150),
    ) {
        let mut q = Quicklist::new(fill, depth);
        let mut model = VecDeque::new();
        for op in ops {
            apply_ql(&mut q, &mut model, op);
            q.check_invariants().map_err(TestCaseError::fail)?;
            prop_assert_eq!(q.len(), model.len());
        }
        prop_assert_eq!(q.iter().collect::<Vec<_>>(), model.iter().cloned().collect::<Vec<_>>());
        prop_assert_eq!(q.iter_rev().collect::<Vec<_>>(), model.iter().rev().cloned().collect::<Vec<_>>());
        for (i, v) in model.iter().enumerate() {
            prop_assert_eq!(q.get(i), Some(v.clone()));
        }
        if fill > 0 {
            prop_assert!(q.nodes().all(|n| n.count() <= fill as usize));
        }
    }
}

// ---------- skiplist ----------

#[derive(Debug, Clone)]
enum ZslOp {
    Insert(i8, u8),
    Delete(u8),
    Update(u8, i8),
    DeleteScoreRange(i8, i8, bool, bool),
    DeleteRankRange(usize, usize),
}

fn zsl_op() -> impl Strategy<Value = ZslOp> {
    prop_oneof![
        8 => (-6i8..6, any::<u8>()).prop_map(|(s, m)| ZslOp::Insert(s, m)),
        2 => any::<u8>().prop_map(ZslOp::Delete),
        2 => (any::<u8>(), -6i8..6).prop_map(|(m, s)| ZslOp::Update(m, s)),
        1 => (-6i8..6, -6i8..6, any::<bool>(), any::<bool>())
            .prop_map(|(a, b, x, y)| ZslOp::DeleteScoreRange(a, b, x, y)),
        1 => (0usize..40, 0usize..5).prop_map(|(s, n)| ZslOp::DeleteRankRange(s, n)),
    ]
}

fn member(m: u8) -> Vec<u8> {
    format!("m{}", m % 64).into_bytes()
}

fn score(s: i8) -> f64 {
    f64::from(s) / 2.0
}

fn sorted_model(model: &BTreeMap<Vec<u8>, f64>) -> Vec<(f64, Vec<u8>)> {
    let mut v: Vec<(f64, Vec<u8>)> = model.iter().map(|(m, s)| (*s, m.clone())).collect();
    v.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    v
}

fn apply_zsl(sl: &mut Skiplist, rng: &mut Rng, model: &mut BTreeMap<Vec<u8>, f64>, op: ZslOp) {
    match op {
        ZslOp::Insert(s, m) => {
            if let std::collections::btree_map::Entry::Vacant(e) = model.entry(member(m)) {
                sl.insert(rng, score(s), keel::bytes::SmallBytes::new(e.key()));
                e.insert(score(s));
            }
        }
        ZslOp::Delete(m) => {
            let m = member(m);
            let want = model.remove(&m);
            assert_eq!(sl.delete(want.unwrap_or(0.0), &m), want.is_some());
        }
        ZslOp::Update(m, s) => {
            let m = member(m);
            if let Some(cur) = model.get_mut(&m) {
                sl.update_score(rng, *cur, &m, score(s)).expect("present");
                *cur = score(s);
            }
        }
        ZslOp::DeleteScoreRange(a, b, minex, maxex) => {
            let r = ScoreRange { min: score(a), max: score(b), min_exclusive: minex, max_exclusive: maxex };
            let mut removed = sl.delete_range_by_score(&r);
            let mut want: Vec<Vec<u8>> =
                model.iter().filter(|(_, s)| r.contains(**s)).map(|(m, _)| m.clone()).collect();
            removed.sort();
            want.sort();
            assert_eq!(removed, want);
            model.retain(|_, s| !r.contains(*s));
        }
        ZslOp::DeleteRankRange(start, n) => {
            let sorted = sorted_model(model);
            let (start, end) = (start + 1, start + n);
            let removed = sl.delete_range_by_rank(start, end);
            let want: Vec<Vec<u8>> = sorted
                .iter()
                .enumerate()
                .filter(|(i, _)| (start..=end).contains(&(i + 1)))
                .map(|(_, e)| e.1.clone())
                .collect();
            assert_eq!(removed, want);
            for m in want {
                model.remove(&m);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn skiplist_ranks_and_spans_match_sorted_vec(
        seed in any::<u64>(),
        ops in prop::collection::vec(zsl_op(), 1..200),
        lo in -6i8..6, hi in -6i8..6, minex in any::<bool>(), maxex in any::<bool>(),
    ) {
        let mut rng = Rng::new(seed);
        let mut sl = Skiplist::new();
        let mut model = BTreeMap::new();
        for op in ops {
            apply_zsl(&mut sl, &mut rng, &mut model, op);
            sl.check_invariants().map_err(TestCaseError::fail)?;
        }
        let sorted = sorted_model(&model);
        let got: Vec<(f64, Vec<u8>)> = sl.iter().map(|(s, m)| (s, m.to_vec())).collect();
        prop_assert_eq!(&got, &sorted);
        prop_assert_eq!(sl.iter_rev().count(), sorted.len());
        for (i, (s, m)) in sorted.iter().enumerate() {
            prop_assert_eq!(sl.rank(*s, m), Some(i + 1));
            let id = sl.by_rank(i + 1).expect("rank in range");
            prop_assert_eq!(sl.member(id), &m[..]);
        }
        prop_assert!(sl.by_rank(sorted.len() + 1).is_none());
        let r = ScoreRange { min: score(lo), max: score(hi), min_exclusive: minex, max_exclusive: maxex };
        let first = sl.first_in_range(&r).map(|id| sl.member(id).to_vec());
        let last = sl.last_in_range(&r).map(|id| sl.member(id).to_vec());
        let inr: Vec<&(f64, Vec<u8>)> = sorted.iter().filter(|e| r.contains(e.0)).collect();
        prop_assert_eq!(first, inr.first().map(|e| e.1.clone()));
        prop_assert_eq!(last, inr.last().map(|e| e.1.clone()));
    }

    #[test]
    fn skiplist_lex_ranges_match_sorted_members(
        members in prop::collection::btree_set(prop::collection::vec(b'a'..b'e', 0..4), 0..30),
        lo in prop::option::of((prop::collection::vec(b'a'..b'e', 0..4), any::<bool>())),
        hi in prop::option::of((prop::collection::vec(b'a'..b'e', 0..4), any::<bool>())),
    ) {
        let mut rng = Rng::new(9);
        let mut sl = Skiplist::new();
        for m in &members {
            sl.insert(&mut rng, 0.0, keel::bytes::SmallBytes::new(m));
        }
        let bound = |b: Option<(Vec<u8>, bool)>, inf: LexBound| match b {
            None => inf,
            Some((v, true)) => LexBound::Exclusive(v),
            Some((v, false)) => LexBound::Inclusive(v),
        };
        let r = LexRange { min: bound(lo, LexBound::NegInf), max: bound(hi, LexBound::PosInf) };
        let inr: Vec<&Vec<u8>> = members.iter().filter(|m| r.contains(m)).collect();
        prop_assert_eq!(sl.first_in_lex_range(&r).map(|id| sl.member(id).to_vec()), inr.first().map(|m| (*m).clone()));
        prop_assert_eq!(sl.last_in_lex_range(&r).map(|id| sl.member(id).to_vec()), inr.last().map(|m| (*m).clone()));
        let removed = sl.delete_range_by_lex(&r);
        prop_assert_eq!(removed.len(), inr.len());
        sl.check_invariants().map_err(TestCaseError::fail)?;
    }
}

// ---------- listpack and LZF round trips ----------

proptest! {
    #[test]
    fn listpack_encode_parse_round_trip(values in prop::collection::vec(prop_oneof![
        prop::collection::vec(any::<u8>(), 0..100),
        int_string(),
        (4000usize..5000).prop_map(|n| vec![b'L'; n]),
    ], 0..40)) {
        let lp = Listpack::from_values(values.iter().map(|v| &v[..]));
        let parsed = Listpack::parse(lp.as_bytes().to_vec()).expect("valid");
        prop_assert_eq!(parsed.iter().map(|v| v.to_vec()).collect::<Vec<_>>(), values.clone());
        let mut rev: Vec<Vec<u8>> = parsed.iter_rev().map(|v| v.to_vec()).collect();
        rev.reverse();
        prop_assert_eq!(rev, values);
    }

    #[test]
    fn lzf_round_trip(data in prop_oneof![
        prop::collection::vec(any::<u8>(), 0..3000),
        prop::collection::vec(b'a'..b'd', 0..20000),
        (prop::collection::vec(any::<u8>(), 1..40), 1usize..300)
            .prop_map(|(chunk, n)| chunk.repeat(n)),
    ]) {
        if let Some(c) = lzf::compress(&data) {
            prop_assert!(c.len() < data.len());
            prop_assert_eq!(lzf::decompress(&c, data.len(), data.len()).expect("valid"), data);
        }
    }
}

// ---------- any bytes: never panic, and whatever is accepted is usable ----------

fn mutate(mut blob: Vec<u8>, edits: &[(usize, u8)], cut: Option<usize>) -> Vec<u8> {
    for &(at, b) in edits {
        if !blob.is_empty() {
            let i = at % blob.len();
            blob[i] = b;
        }
    }
    if let Some(c) = cut {
        blob.truncate(c % (blob.len() + 1));
    }
    blob
}

fn exercise_ziplist(mut z: Ziplist) {
    let n = z.len();
    assert_eq!(z.iter().count(), n);
    assert_eq!(z.iter_rev().count(), n);
    z.push(&[b'x'; 300], true);
    z.push(b"7", false);
    if n > 0 {
        z.delete(n / 2);
        assert!(z.replace(0, b"y"));
    }
    Ziplist::from_bytes(z.as_bytes().to_vec()).expect("an accepted ziplist stays valid");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn any_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200), n in 0usize..5000) {
        if let Ok(z) = Ziplist::from_bytes(bytes.clone()) {
            exercise_ziplist(z);
        }
        if let Ok(s) = Intset::from_bytes(bytes.clone()) {
            let _ = s.iter().count();
        }
        if let Ok(lp) = Listpack::parse(bytes.clone()) {
            prop_assert_eq!(lp.iter().count(), lp.iter_rev().count());
        }
        let _ = lzf::decompress(&bytes, n, 4096);
    }

    #[test]
    fn mutated_valid_blobs_never_panic(
        values in prop::collection::vec(zl_value(), 0..12),
        edits in prop::collection::vec((any::<usize>(), any::<u8>()), 0..4),
        cut in prop::option::of(any::<usize>()),
    ) {
        let z = zl_from(&values);
        if let Ok(z) = Ziplist::from_bytes(mutate(z.into_bytes(), &edits, cut)) {
            exercise_ziplist(z);
        }
        let lp = Listpack::from_values(values.iter().map(|v| &v[..]));
        if let Ok(lp) = Listpack::parse(mutate(lp.into_bytes(), &edits, cut)) {
            prop_assert_eq!(lp.iter().count(), lp.iter_rev().count());
        }
        let mut s = Intset::new();
        for v in &values {
            s.add(v.len() as i64 * 1000 - 5000);
        }
        if let Ok(s) = Intset::from_bytes(mutate(s.into_bytes(), &edits, cut)) {
            prop_assert!(s.iter().zip(s.iter().skip(1)).all(|(a, b)| a < b));
        }
        let flat: Vec<u8> = values.concat();
        if let Some(c) = lzf::compress(&flat) {
            let _ = lzf::decompress(&mutate(c, &edits, cut), flat.len(), flat.len());
        }
    }
}

// ---------- a real LZF blob from Redis ----------

/// LZF node 1 of `list:compressed` in Redis 7.0.15's `nocompress.rdb` (written with
/// `list-compress-depth 1`): 1394 bytes that inflate to an 8167-byte listpack.
const REDIS_LZF_NODE_HEX: &str = concat!(
    "13e71f000010019c656c656d656e742d3237372d78e00600001de0021d0038e0141d0039e0131d013830e0141d0031e0",
    "141d0032e0141d0033e0141d0034e0141d0035e0141d0036e0141de1142b0038e1142b0038e1142b0039e1142b0039e1",
    "142b0039e1142b0039e1142b0039e1142b0039e1142b0039e1142b0039e1142b0039e1142b0039e1132b013330e1132b",
    "013330e1132b013330e1132b013330e1132b013330e1132b013330e1132b013330e1132b013330e1132b013330e1132b",
    "013330e1142b0031e1142b0031e1142b0031e1142b0031e1142b0031e1142b0031e1142b0031e1142b0031e1142b0031",
    "e1142b0031e1142b0032e1142b0032e1142b0032e1142b0032e1142b0032e1142b0032e1142b0032e1142b0032e1142b",
    "0032e1142b0032e1142b0033e1142b0033e1142b0033e1142b0033e1142b0033e1142b0033e1142b0033e1142b0033e1",
    "142b0033e1142b0033e1142b0034e1142b0034e1142b0034e1142b0034e1142b0034e1142b0034e1142b0034e1142b00",
    "34e1142b0034e1142b0034e1142b0035e1142b0035e1142b0035e1142b0035e1142b0035e1142b0035e1142b0035e114",
    "2b0035e1142b0035e1142b0035e1142b0036e1142b0036e1142b0036e1142b0036e1142b0036e1142b0036e1142b0036",
    "e1142b0036e1142b0036e1142b0036e1142b0037e1142b0037e1142b0037e1142b0037e1142b0037e1142b0037e1142b",
    "0037e1142beb14b70033eb14b70033eb14b70033eb14b70033eb14b70033eb14b70033eb14b70033eb14b70033eb14b7",
    "0033eb14b70033eb14b70033eb14b70033eb14b70033eb14b70033eb14b70033eb14b70033eb14b70033eb14b70033eb",
    "14b70033eb14b70033eb14b70033eb14b70033eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b700",
    "34eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14",
    "b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034",
    "eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b7",
    "0034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb",
    "14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b700",
    "34eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14",
    "b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034",
    "eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b7",
    "0034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb",
    "14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70034eb14b70035eb14b700",
    "35eb14b70035eb14b70035eb14b70035eb14b70035eb14b70035eb14b70035eb14b70035eb14b70035eb14b70035eb14",
    "b70035eb14b70035eb14b70035eb14b70035eb14b70035eb14b70035eb14b70035eb14b70035eb14b70035eb14b70035",
    "eb14b70035eb14b70035eb14b70035eb14b70035eb14b70035eb14b70035eb14b70035eb14b70035eb14b70035eb14b7",
    "0035eb14b70035eb14b70035eb14b70035eb14b70035eb14b70035eb14b70035eb14b70035eb14b70035eb14b70035eb",
    "14b70035eb14b70035eb14b70035eb14b70035eb14b70035eb14b70035eb14b70035eb14b70035eb14b70035eb0ab701",
    "1dff",
);

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

#[test]
fn redis_lzf_quicklist_node_inflates_to_a_valid_listpack() {
    let blob = unhex(REDIS_LZF_NODE_HEX);
    assert_eq!(blob.len(), 1394);
    let raw = lzf::decompress(&blob, 8167, 8167).expect("Redis's LZF decodes");
    assert!(lzf::decompress(&blob, 8166, 8166).is_err());
    assert!(lzf::decompress(&blob, 8167, 8000).is_err());
    let lp = Listpack::parse(raw.clone()).expect("a valid listpack");
    let values: Vec<Vec<u8>> = lp.iter().map(|v| v.to_vec()).collect();
    let first = String::from_utf8(values[0].clone()).expect("ascii");
    let k0: usize = first.split('-').nth(1).and_then(|k| k.parse().ok()).expect("element-K-...");
    for (i, v) in values.iter().enumerate() {
        assert_eq!(v, format!("element-{}-xxxxxxxxxxxxxxxx", k0 + i).as_bytes());
    }
    let ours = lzf::compress(&raw).expect("compressible");
    assert_eq!(lzf::decompress(&ours, raw.len(), raw.len()).expect("round trip"), raw);
}
