//! Expiry after recovery: a key is visible iff it is in the prefix state and its (absolute)
//! expire time is still in the future on the simulated clock (`now_ms > expire_at_ms` means
//! expired, as Redis 7.0's `keyIsExpired`).

use crate::model::{first_difference, State};

use super::violation::Violation;

/// Compare the state the recovered engine serves at `now_ms` with the model's state after the
/// matched prefix. An expired key that is visible is reported as `ExpiredKeyVisible`; any other
/// difference as `StateMismatch` with the first diverging key.
pub fn check_expiry_visibility(
    prefix_state: &State,
    recovered_state: &State,
    now_ms: i64,
) -> Result<(), Violation> {
    for (&db, keys) in recovered_state {
        for (key, (_, recovered_expire)) in keys {
            let prefix_expire = prefix_state
                .get(&db)
                .and_then(|k| k.get(key))
                .and_then(|(_, e)| *e);
            let expire = prefix_expire.or(*recovered_expire);
            if let Some(expire_at_ms) = expire.filter(|&t| now_ms > t) {
                return Err(Violation::ExpiredKeyVisible {
                    db,
                    key: key.clone(),
                    expire_at_ms,
                    now_ms,
                });
            }
        }
    }
    let mut expected = prefix_state.clone();
    for keys in expected.values_mut() {
        keys.retain(|_, (_, expire)| expire.is_none_or(|t| now_ms <= t));
    }
    expected.retain(|_, keys| !keys.is_empty());
    match first_difference(&expected, recovered_state) {
        None => Ok(()),
        Some(first_diff) => Err(Violation::StateMismatch { first_diff }),
    }
}
