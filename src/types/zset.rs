//! The sorted set type (placeholder until issue 7's implementation lands: a plain vector).

use super::TypeLimits;
use crate::env::Rng;

#[derive(Clone, Debug, Default)]
pub struct ZSet {
    pairs: Vec<(Vec<u8>, f64)>,
}

impl ZSet {
    pub fn len(&self) -> usize {
        self.pairs.len()
    }
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
    pub fn encoding_name(&self) -> &'static str {
        "skiplist"
    }
    /// Members in score order (ties by member bytes).
    pub fn for_each(&self, f: &mut dyn FnMut(&[u8], f64)) {
        self.pairs.iter().for_each(|(m, s)| f(m, *s));
    }
    pub fn from_items(pairs: Vec<(Vec<u8>, f64)>, _limits: &TypeLimits, _rng: &mut Rng) -> ZSet {
        ZSet { pairs }
    }
}
