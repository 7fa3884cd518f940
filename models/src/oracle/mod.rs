//! The durability oracle: DESIGN §5's persistence contracts checked over an abstract history.
//!
//! The simulator records, in execution order, every write the engine executed (a whole
//! MULTI/EXEC is one atomic write), the model's digest after it, when the client saw the reply,
//! every durability point it observed (an fsync covering writes `..=id`, or an RDB snapshot whose
//! file, rename and directory fsync completed) and every fsync/write error. After a crash and
//! restart it asks:
//!
//! - [`check_recovery`]: P1 (the recovered state is the model state after some prefix
//!   `c1..ck`, found by digest and confirmed by a full comparison) and P2 (the durability bound
//!   of the fsync policy holds for that `k`), plus a dedicated half-transaction diagnosis;
//! - [`check_ack_order`]: every acknowledgement follows its write, per client in order, under
//!   `always` follows a durability point covering it, and P3: no acknowledgement after an fsync
//!   error until a later durability point;
//! - [`check_expiry_visibility`]: after recovery a key is visible iff it is in the prefix state
//!   and its expire time is still in the future on the simulated clock.
//!
//! Prefix numbering: `k` is the number of writes included, `0..=n`; write `WriteId(i)` is the
//! last write of prefix `k = i + 1`.

mod acks;
mod expiry;
mod history;
mod recovery;
mod violation;

pub use acks::check_ack_order;
pub use expiry::check_expiry_visibility;
pub use history::{History, SnapshotId, Write, WriteId};
pub use recovery::{check_recovery, Policy, Recovery, RecoveryVerdict};
pub use violation::Violation;
