//! Criterion benchmarks of Keel's hot paths: RESP parsing and reply writing, command dispatch
//! through the server state machine, the compact encodings, LZF, CRC-64, RDB encode/decode,
//! and the simulator's throughput. Run with `cargo bench --bench hot_paths`.
//!
//! These give absolute per-operation times for tracking regressions; comparisons with Redis
//! are made by `benches/compare.sh` and `benches/callgrind.sh` (ratios, same machine).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use keel::config::Config;
use keel::encoding::{crc64::crc64, intset::Intset, lzf, skiplist::Skiplist, ziplist::Ziplist};
use keel::env::Rng;
use keel::resp::{encode_command, Argv, Limits, Protocol, ReplyWriter, RequestParser};
use keel::server::Server;
use keel_sim::env::SimEnv;
use keel_sim::fs::FaultConfig;

fn resp(c: &mut Criterion) {
    let mut req = Vec::new();
    for i in 0..100 {
        encode_command(&[b"SET", format!("key:{i}").as_bytes(), b"some-value-of-twenty"], &mut req);
    }
    let mut g = c.benchmark_group("resp");
    g.throughput(Throughput::Elements(100));
    g.bench_function("parse 100 SET requests", |b| {
        let (mut parser, mut argv, limits) = (RequestParser::new(), Argv::new(), Limits::default());
        b.iter(|| {
            let mut at = 0;
            while let Ok(Some(n)) = parser.parse(&req[at..], &limits, &mut argv) {
                at += n;
            }
            black_box(at)
        })
    });
    g.bench_function("write 100 bulk replies", |b| {
        let mut out = Vec::with_capacity(8192);
        b.iter(|| {
            out.clear();
            let mut w = ReplyWriter::new(&mut out, Protocol::Resp2);
            for i in 0..100 {
                w.bulk(black_box(b"some-value-of-twenty"));
                w.int(i);
            }
            black_box(out.len())
        })
    });
    g.finish();
}

/// A server on a simulated environment, without save points, and one connected client.
fn bench_server() -> (SimEnv, Server, keel::keyspace::ClientId) {
    let sim = SimEnv::new(1, FaultConfig::default());
    let mut config = Config::default();
    config.save_points.clear();
    let mut server = Server::new(sim.env(), config);
    let client = server.connect("sim:1".into(), "sim:0".into());
    (sim, server, client)
}

/// Feeds `batch` and drops the replies.
fn run_batch(server: &mut Server, client: keel::keyspace::ClientId, batch: &[u8]) {
    server.feed(client, batch);
    server.before_sleep();
    let n = server.pending_output(client).map_or(0, <[u8]>::len);
    server.output_sent(client, n);
}

fn dispatch(c: &mut Criterion) {
    let (_sim, mut server, client) = bench_server();
    let mut batch = Vec::new();
    for i in 0..100 {
        encode_command(&[b"SET", format!("key:{}", i % 50).as_bytes(), b"value"], &mut batch);
        encode_command(&[b"GET", format!("key:{}", i % 50).as_bytes()], &mut batch);
    }
    let mut g = c.benchmark_group("dispatch");
    g.throughput(Throughput::Elements(200));
    g.bench_function("100 SET + 100 GET through Server::feed", |b| b.iter(|| run_batch(&mut server, client, &batch)));
    g.finish();
    pipelined_gets(c);
}

/// 16 pipelined GETs of random keys among 1,000,000 (as `redis-benchmark -P 16`): the
/// keyspace is far larger than the caches, so this measures how lookups' misses overlap.
fn pipelined_gets(c: &mut Criterion) {
    const KEYS: u64 = 1_000_000;
    let (_sim, mut server, client) = bench_server();
    for chunk in 0..KEYS / 1000 {
        let mut fill = Vec::new();
        for i in chunk * 1000..(chunk + 1) * 1000 {
            encode_command(&[b"SET", format!("key:{i:012}").as_bytes(), b"xxx"], &mut fill);
        }
        run_batch(&mut server, client, &fill);
    }
    let mut rng = Rng::new(7);
    let batches: Vec<Vec<u8>> = (0..1024)
        .map(|_| {
            let mut batch = Vec::new();
            for _ in 0..16 {
                encode_command(&[b"GET", format!("key:{:012}", rng.next_u64() % KEYS).as_bytes()], &mut batch);
            }
            batch
        })
        .collect();
    let mut g = c.benchmark_group("dispatch");
    g.throughput(Throughput::Elements(16));
    let mut next = batches.iter().cycle();
    g.bench_function("16 pipelined GETs of random keys among 1M", |b| {
        b.iter(|| run_batch(&mut server, client, next.next().expect("cycle")))
    });
    g.finish();
}

fn encodings(c: &mut Criterion) {
    let mut g = c.benchmark_group("encodings");
    g.bench_function("ziplist push 128 small strings", |b| {
        b.iter(|| {
            let mut z = Ziplist::new();
            for i in 0..128u32 {
                z.push(format!("member:{i}").as_bytes(), false);
            }
            black_box(z.blob_len())
        })
    });
    g.bench_function("ziplist insert at head with cascade (253-byte entries)", |b| {
        let mut z = Ziplist::new();
        for _ in 0..64 {
            z.push(&[b'x'; 250], false);
        }
        b.iter_batched(|| z.clone(), |mut z| z.insert(0, &[b'y'; 260]), BatchSize::SmallInput)
    });
    g.bench_function("intset add 512", |b| {
        b.iter(|| {
            let mut s = Intset::new();
            for i in 0..512i64 {
                s.add(i * 7919 % 100_003);
            }
            black_box(s.len())
        })
    });
    g.bench_function("skiplist insert 1000 + rank", |b| {
        b.iter(|| {
            let (mut rng, mut z) = (Rng::new(1), Skiplist::new());
            for i in 0..1000u32 {
                z.insert(&mut rng, f64::from(i * 7919 % 1009), keel::bytes::SmallBytes::new(&i.to_be_bytes()));
            }
            black_box(z.rank(500.0, &7u32.to_be_bytes()))
        })
    });
    g.finish();
}

fn codecs(c: &mut Criterion) {
    let text: Vec<u8> = (0..64 * 1024).map(|i| b"the quick brown fox jumps over the lazy dog "[i % 44]).collect();
    let mut g = c.benchmark_group("codecs");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("lzf compress 64 KiB text", |b| b.iter(|| black_box(lzf::compress(&text))));
    let packed = lzf::compress(&text).expect("text compresses");
    g.bench_function("lzf decompress 64 KiB text", |b| b.iter(|| black_box(lzf::decompress(&packed, text.len(), text.len()))));
    g.bench_function("crc64 64 KiB", |b| b.iter(|| black_box(crc64(0, &text))));
    g.finish();
}

fn rdb(c: &mut Criterion) {
    let sim = SimEnv::new(2, FaultConfig::default());
    let mut config = Config::default();
    config.save_points.clear();
    let mut server = Server::new(sim.env(), config);
    let client = server.connect("sim:1".into(), "sim:0".into());
    for chunk in 0..20 {
        let mut batch = Vec::new();
        for i in 0..500 {
            let n = chunk * 500 + i;
            encode_command(&[b"SET", format!("key:{n}").as_bytes(), format!("value:{n}").as_bytes()], &mut batch);
        }
        server.feed(client, &batch);
    }
    let header = keel::rdb::save::Header { ctime_s: 0, used_mem: 0, aof_preamble: false };
    let bytes = keel::rdb::save::snapshot_bytes(&server.ks.dbs, &header, true, true);
    let mut g = c.benchmark_group("rdb");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("encode 10,000 small keys", |b| b.iter(|| black_box(keel::rdb::save::snapshot_bytes(&server.ks.dbs, &header, true, true))));
    g.bench_function("decode 10,000 small keys", |b| {
        b.iter(|| {
            let mut ks = keel::keyspace::Keyspace::new(16, Rng::new(3));
            let opts = keel::rdb::load::LoadOptions::default();
            black_box(keel::rdb::startup::load_into(&mut ks, &bytes, opts, None, &mut |_| {}).is_ok())
        })
    });
    g.finish();
}

criterion_group!(benches, resp, dispatch, encodings, codecs, rdb);
criterion_main!(benches);
