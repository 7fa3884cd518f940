//! DEBUG DIGEST and DEBUG DIGEST-VALUE over the keyspace, using the mixing of `digest`: equal
//! digests mean equal content (keys, values, presence of TTLs) whatever the encodings, so one
//! command compares a whole dataset between Keel and Redis.

use crate::digest::{self, DatasetDigest};
use crate::keyspace::Keyspace;
use crate::object::Value;

/// Apply a value's type digest to `d`.
fn mix_value(d: &mut [u8; 20], value: &Value) {
    value.digest_into(d);
}

/// DEBUG DIGEST: 40 hex characters, all zeros for an empty dataset.
pub fn dataset_digest(ks: &Keyspace) -> String {
    let mut all = DatasetDigest::new();
    for db in ks.dbs.iter().filter(|db| !db.is_empty()) {
        all.begin_db(db.id as u32);
        for (key, entry) in db.dict.iter() {
            all.add_key(key, &mut |d| mix_value(d, &entry.value), db.expire_of(key));
        }
    }
    digest::to_hex(&all.finish())
}

/// DEBUG DIGEST-VALUE of one key (zeros when missing).
pub fn value_digest(ks: &mut Keyspace, db: usize, key: &[u8]) -> String {
    let has_expire = ks.dbs[db].expire_of(key).is_some();
    match ks.dbs[db].dict.get(key) {
        Some(entry) => digest::value_digest(&mut |d| mix_value(d, &entry.value), has_expire).to_hex(),
        None => "0".repeat(40),
    }
}
