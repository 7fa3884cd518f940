//! MEMORY USAGE: the estimate grows with the content of every type and encoding, a missing
//! key is nil, SAMPLES is parsed as Redis parses it, and the allocator model under the
//! estimate matches the real `malloc_usable_size` of this machine's allocator.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // calls the real allocator

mod support;

use keel::commands::memory_size::malloc_size;
use keel::resp::Frame;
use support::rig::Rig;

fn usage(rig: &mut Rig, key: &str) -> i64 {
    match rig.cmd(&format!("MEMORY USAGE {key} SAMPLES 0")) {
        Frame::Integer(n) => n,
        other => panic!("MEMORY USAGE {key}: {other:?}"),
    }
}

/// Fill `key` with `n` elements through `cmd` (`{i}` is replaced by the element number) and
/// return the usage after each of the given sizes.
fn grow(rig: &mut Rig, key: &str, cmd: &str, sizes: &[usize]) -> Vec<i64> {
    let mut out = Vec::new();
    let mut done = 0;
    for &n in sizes {
        while done < n {
            rig.cmd(&cmd.replace("{k}", key).replace("{i}", &done.to_string()));
            done += 1;
        }
        out.push(usage(rig, key));
    }
    out
}

fn strictly_increasing(v: &[i64]) -> bool {
    v.windows(2).all(|w| w[0] < w[1])
}

#[test]
fn usage_grows_with_content_in_every_encoding() {
    let mut rig = Rig::new(1);
    let sizes = [1, 10, 100, 1000];
    let cases = [
        ("l", "RPUSH {k} element-{i}"),
        ("h", "HSET {k} field-{i} value-{i}"),
        ("si", "SADD {k} {i}"),
        ("ss", "SADD {k} member-{i}"),
        ("z", "ZADD {k} {i} member-{i}"),
    ];
    for (key, cmd) in cases {
        let v = grow(&mut rig, key, cmd, &sizes);
        assert!(strictly_increasing(&v), "{key}: {v:?}");
        assert!(v[3] > 1000 * 5, "{key}: a thousand elements take more than 5 bytes each: {v:?}");
    }
    for (key, small, big) in [("h", "ziplist", "hashtable"), ("si", "intset", "hashtable"), ("z", "ziplist", "skiplist")] {
        let enc = rig.cmd(&format!("OBJECT ENCODING {key}"));
        assert_eq!(enc, Frame::Bulk(big.as_bytes().to_vec()), "{key} left {small} on the way");
    }
    rig.cmd("SET s1 x");
    rig.cmd(&format!("SET s2 {}", "x".repeat(100)));
    rig.cmd(&format!("SET s3 {}", "x".repeat(10_000)));
    let strings = [usage(&mut rig, "s1"), usage(&mut rig, "s2"), usage(&mut rig, "s3")];
    assert!(strictly_increasing(&strings), "{strings:?}");
    assert!(strings[2] >= 10_000);
}

#[test]
fn missing_keys_are_nil_and_samples_parse_like_redis() {
    let mut rig = Rig::new(2);
    rig.cmd("RPUSH l a b c");
    assert_eq!(rig.cmd("MEMORY USAGE nokey"), Frame::Null);
    let syntax = Frame::Error("ERR syntax error".into());
    assert_eq!(rig.cmd("MEMORY USAGE l SAMPLES"), syntax);
    assert_eq!(rig.cmd("MEMORY USAGE l SAMPLES -1"), syntax);
    assert_eq!(rig.cmd("MEMORY USAGE l COUNT 1"), syntax);
    assert_eq!(rig.cmd("MEMORY USAGE l SAMPLES x"), Frame::Error("ERR value is not an integer or out of range".into()));
    assert!(matches!(rig.cmd("MEMORY USAGE l SAMPLES 1 SAMPLES 0"), Frame::Integer(n) if n > 0));
    assert_eq!(rig.cmd("MEMORY USAGE"), Frame::Error("ERR wrong number of arguments for 'memory|usage' command".into()));
    assert_eq!(rig.cmd("MEMORY HELLO"), Frame::Error("ERR unknown subcommand 'HELLO'. Try MEMORY HELP.".into()));
    assert!(matches!(rig.cmd("MEMORY DOCTOR"), Frame::Error(e) if e.contains("not supported")));
}

#[test]
fn sampling_estimates_from_the_first_nodes() {
    let mut rig = Rig::new(3);
    let big = "x".repeat(4000);
    for _ in 0..200 {
        rig.cmd(&format!("RPUSH l {big}"));
    }
    rig.cmd(&format!("LPUSH l {}", "v".repeat(300)));
    let all = usage(&mut rig, "l");
    let Frame::Integer(one) = rig.cmd("MEMORY USAGE l SAMPLES 1") else { panic!("an integer") };
    assert!(one * 2 < all, "one sample (the small head node) underestimates: {one} vs {all}");
    assert!(all > 200 * 4000, "every node counted with SAMPLES 0: {all}");
}

/// glibc may hand out a chunk up to 16 bytes larger than the request's size class (when the
/// rest of a free chunk is too small to split off), so the model is the nominal size: never
/// above the real one, at most 16 below it, and equal for nearly every request.
#[test]
fn the_allocator_model_matches_malloc_usable_size() {
    // Below the mmap threshold only: glibc raises that threshold after freeing an mmapped
    // block, so whether 128 KiB+ requests are mmapped depends on the process's history.
    let requests: Vec<usize> = (1..5000).chain([20_000, 100_000]).collect();
    let mut equal = 0;
    for &n in &requests {
        // SAFETY: a plain malloc/free pair; the pointer is checked before use.
        let real = unsafe {
            let p = libc::malloc(n);
            assert!(!p.is_null());
            let size = libc::malloc_usable_size(p);
            libc::free(p);
            size
        };
        let model = malloc_size(n);
        assert!(model <= real && real - model <= 16, "request of {n} bytes: model {model}, real {real}");
        equal += usize::from(model == real);
    }
    assert!(equal * 100 >= requests.len() * 95, "{equal} of {} exact", requests.len());
}

/// Hashes, sets and sorted sets sit inside the keyspace entry: their compact encodings are
/// one exact-size blob behind a 16-byte pointer (an intset of up to 15 bytes is inline), so
/// the enums are 16 bytes and a `Value` stays 24.
#[test]
fn compact_values_live_inline() {
    use std::mem::size_of;
    assert_eq!(size_of::<keel::encoding::ziplist::Ziplist>(), 16);
    assert_eq!(size_of::<keel::encoding::intset::Intset>(), 16);
    assert_eq!(size_of::<keel::types::hash::Hash>(), 16);
    assert_eq!(size_of::<keel::types::zset::ZSet>(), 16);
    assert_eq!(size_of::<keel::types::set::Set>(), 16);
    assert_eq!(size_of::<keel::object::Value>(), 24);
}

/// Ziplists and intsets grow by exactly what an insert needs and shrink after a delete, as
/// Redis reallocates them, so MEMORY USAGE of a small hash is its dict node and its blob
/// rounded to the allocator's size class.
#[test]
fn small_blobs_hold_no_spare_capacity() {
    let node = keel::dict::Dict::<keel::db::Key, keel::object::Stored>::node_bytes();
    let mut rig = Rig::new(4);
    rig.cmd("HSET h fieldaaa v0000001 fieldbbb w0000001 fieldccc x0000001");
    // 10-byte header + 6 entries of 10 bytes + the end byte = 71 bytes.
    assert_eq!(usage(&mut rig, "h") as usize, malloc_size(node) + malloc_size(71));
    rig.cmd("HDEL h fieldccc");
    assert_eq!(usage(&mut rig, "h") as usize, malloc_size(node) + malloc_size(51), "a delete gives the bytes back");
    // An intset of up to 15 bytes lives in the node; a longer one is an exact-size block.
    rig.cmd("SADD s 1 1001 2001");
    assert_eq!(usage(&mut rig, "s") as usize, malloc_size(node));
    rig.cmd("SADD s 3001");
    assert_eq!(usage(&mut rig, "s") as usize, malloc_size(node) + malloc_size(8 + 4 * 2));
}
