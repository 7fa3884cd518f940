//! Shared helpers for keel-models' integration tests: a real redis-server harness with a
//! minimal RESP2 client, a seeded PRNG and the random workload generator.

#![allow(dead_code)]

pub mod redis;
pub mod rng;
pub mod workload;
