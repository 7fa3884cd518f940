use super::*;

fn values(z: &Ziplist) -> Vec<Vec<u8>> {
    z.iter().map(|v| v.to_vec()).collect()
}

fn reparse(z: &Ziplist) -> Ziplist {
    Ziplist::from_bytes(z.as_bytes().to_vec()).expect("our own ziplist validates")
}

#[test]
fn doc_example_from_redis_decodes_and_is_rebuilt_byte_exact() {
    let blob = vec![0x0f, 0, 0, 0, 0x0c, 0, 0, 0, 0x02, 0, 0x00, 0xf3, 0x02, 0xf6, 0xff];
    let z = Ziplist::from_bytes(blob.clone()).expect("valid");
    assert_eq!(z.get(0), Some(ZlValue::Int(2)));
    assert_eq!(z.get(1), Some(ZlValue::Int(5)));
    let mut built = Ziplist::new();
    built.push(b"2", false);
    built.push(b"5", false);
    assert_eq!(built.as_bytes(), &blob[..]);
}

#[test]
fn empty_ziplist_bytes() {
    assert_eq!(Ziplist::new().as_bytes(), &[0x0b, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0, 0xff]);
}

#[test]
fn strings_use_6_14_and_32_bit_lengths() {
    let mut z = Ziplist::new();
    let lens = [0usize, 63, 64, 16383, 16384];
    for &n in &lens {
        z.push(&vec![b'x'; n], false);
    }
    let z = reparse(&z);
    for (i, &n) in lens.iter().enumerate() {
        assert_eq!(z.get(i), Some(ZlValue::Str(&vec![b'x'; n][..])));
    }
    let rev: Vec<_> = z.iter_rev().map(|v| v.to_vec().len()).collect();
    assert_eq!(rev, vec![16384, 16383, 64, 63, 0]);
}

/// Five 250-byte strings take 252 bytes each with a 1-byte prevlen; pushing a 300-byte string
/// at the head makes the old head's prevlen 5 bytes, the old head 256 bytes, and so on down the
/// list: every prevlen becomes 5 bytes.
#[test]
fn head_insert_cascades_prevlen_growth_through_a_run_of_250_byte_entries() {
    let mut z = Ziplist::new();
    for _ in 0..5 {
        z.push(&[b'a'; 250], false);
    }
    let before = z.blob_len();
    z.push(&[b'b'; 300], true);
    // New entry 1 + 2 + 300; the five old entries each gained 4 bytes.
    assert_eq!(z.blob_len(), before + 303 + 5 * 4);
    let z = reparse(&z);
    assert_eq!(z.len(), 6);
    // Deleting the big head: the old head's 5-byte prevlen shrinks (delete rewrites it), the
    // others keep 5 bytes (the cascade never shrinks).
    let mut z = z;
    assert!(z.delete(0));
    assert_eq!(z.blob_len(), before + 4 * 4);
    reparse(&z);
}

#[test]
fn find_replace_merge_and_ranges() {
    let mut z = Ziplist::new();
    for v in [&b"f1"[..], b"v1", b"f2", b"12", b"f3", b"f1"] {
        z.push(v, false);
    }
    assert_eq!(z.find(0, b"f1", 1), Some(0));
    assert_eq!(z.find(1, b"f1", 1), Some(5)); // compares positions 1, 3, 5
    assert_eq!(z.find(0, b"12", 0), Some(3));
    assert!(z.replace(3, b"999999999999"));
    assert!(z.replace(0, b"g1"));
    assert_eq!(z.get(3), Some(ZlValue::Int(999_999_999_999)));
    let mut other = Ziplist::new();
    other.push(&[b'z'; 300], false);
    other.push(b"tail", false);
    let merged = Ziplist::merge(reparse(&z), other);
    let merged = reparse(&merged);
    assert_eq!(merged.len(), 8);
    let mut m = merged;
    assert_eq!(m.delete_range(1, 5), 5);
    assert_eq!(values(&reparse(&m)), vec![b"g1".to_vec(), vec![b'z'; 300], b"tail".to_vec()]);
}

#[test]
fn validation_rejects_broken_blobs() {
    let good = vec![0x0f, 0, 0, 0, 0x0c, 0, 0, 0, 0x02, 0, 0x00, 0xf3, 0x02, 0xf6, 0xff];
    let mut cases = Vec::new();
    let mut b = good.clone();
    b[0] = 0x10;
    cases.push(b); // zlbytes
    let mut b = good.clone();
    b[4] = 0x0a;
    cases.push(b); // tail not last
    let mut b = good.clone();
    b[8] = 3;
    cases.push(b); // count
    let mut b = good.clone();
    b[12] = 0x01;
    cases.push(b); // prevlen mismatch
    let mut b = good.clone();
    b[13] = 0xc1;
    cases.push(b); // invalid int encoding
    let mut b = good.clone();
    b[13] = 0x05;
    cases.push(b); // string running past the end
    cases.push(good[..5].to_vec());
    for c in cases {
        assert!(Ziplist::from_bytes(c).is_err());
    }
    let mut unknown_count = good.clone();
    unknown_count[8] = 0xff;
    unknown_count[9] = 0xff;
    assert_eq!(Ziplist::from_bytes(unknown_count).expect("65535 = walk").len(), 2);
}
