//! Ack ordering and P3, checked on every run, crash or not.
//!
//! - every ack follows its write's execution;
//! - one client's writes are acknowledged in execution order (an ack for a later write implies
//!   the earlier one was acknowledged, no later than it);
//! - P3: after an fsync error at `t_e`, under `always` a write acknowledged after `t_e` must be
//!   covered by a durability point after `t_e` (or before it), and under `everysec` a write
//!   executed after `t_e` may only be acknowledged once some durability point follows `t_e`
//!   (Redis refuses writes with MISCONF until an fsync succeeds);
//! - under `always`, every ack follows a durability point covering the write.

use std::collections::BTreeMap;

use super::history::{History, WriteId};
use super::recovery::Policy;
use super::violation::Violation;

/// Check ack ordering (and P3) for the whole history under `policy`.
pub fn check_ack_order(h: &History, policy: &Policy) -> Result<(), Violation> {
    let mut last_per_client: BTreeMap<u64, (WriteId, Option<u64>)> = BTreeMap::new();
    for (i, w) in h.writes.iter().enumerate() {
        let id = WriteId(i);
        if let Some((earlier, earlier_ack)) = last_per_client.insert(w.client, (id, w.acked_at_us))
        {
            let out_of_order = match (earlier_ack, w.acked_at_us) {
                (None, Some(_)) => true,
                (Some(a), Some(b)) => b < a,
                _ => false,
            };
            if out_of_order {
                return Err(Violation::AckOutOfOrder {
                    client: w.client,
                    earlier,
                    later: id,
                });
            }
        }
        let Some(acked) = w.acked_at_us else { continue };
        if acked < w.executed_at_us {
            return Err(Violation::AckBeforeWrite {
                write: id,
                executed_at_us: w.executed_at_us,
                acked_at_us: acked,
            });
        }
        check_p3(h, policy, id, acked)?;
        if *policy == Policy::Always && !h.covered_between(id, None, acked) {
            let durable_at_us = first_covering(h, id);
            return Err(Violation::AckBeforeDurable {
                write: id,
                acked_at_us: acked,
                durable_at_us,
            });
        }
    }
    Ok(())
}

fn check_p3(h: &History, policy: &Policy, id: WriteId, acked: u64) -> Result<(), Violation> {
    let w = &h.writes[id.0];
    let errors = h.fsync_errors.iter().zip(&h.fsync_error_seq);
    for (&err, &seq) in errors.filter(|(&e, _)| e < acked) {
        // A durability point follows the error: later in time, or recorded after it.
        let follows = |i: usize, at: u64| at > err || (at == err && i >= seq);
        let false_ack = match policy {
            Policy::Always => {
                !h.covered_between(id, None, err) && !h.covered_between(id, Some(err), acked)
            }
            Policy::Everysec { .. } => {
                w.executed_at_us > err
                    && !h.durable.iter().enumerate().any(|(i, d)| follows(i, d.at_us) && d.at_us <= acked)
            }
            _ => false,
        };
        if false_ack {
            return Err(Violation::FalseAckAfterError {
                write: id,
                error_at_us: err,
                acked_at_us: acked,
            });
        }
    }
    Ok(())
}

fn first_covering(h: &History, id: WriteId) -> Option<u64> {
    h.durable
        .iter()
        .filter(|d| d.through.is_some_and(|t| t >= id))
        .map(|d| d.at_us)
        .min()
}
