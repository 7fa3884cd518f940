//! keel-models: Keel's reference model of a Redis 7.0 keyspace and the durability oracle.
//!
//! - [`model`]: a plain, encoding-free model of the keyspace (16 dbs of `BTreeMap`s), string and
//!   key commands, expiry on a clock passed in, MULTI/EXEC/WATCH per client. `Model::apply`
//!   returns the exact RESP2 reply Redis 7.0 gives.
//! - [`oracle`]: the persistence contracts of DESIGN §5 (P1 prefix consistency, P2 durability per
//!   fsync policy, P3 no false acknowledgement, ack ordering, expiry after recovery) checked over
//!   an abstract [`oracle::History`] the simulator records.
//!
//! The crate is std only and never depends on `keel`: an oracle that shares code with the engine
//! shares its bugs.

pub mod model;
pub mod oracle;

pub use model::{Entry, Model, Reply, State, Value};
