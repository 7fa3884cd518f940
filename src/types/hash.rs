//! The hash type (placeholder until issue 7's implementation lands: a plain vector).

use super::TypeLimits;

#[derive(Clone, Debug, Default)]
pub struct Hash {
    pairs: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Hash {
    pub fn len(&self) -> usize {
        self.pairs.len()
    }
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
    pub fn encoding_name(&self) -> &'static str {
        "hashtable"
    }
    pub fn for_each(&self, f: &mut dyn FnMut(&[u8], &[u8])) {
        self.pairs.iter().for_each(|(k, v)| f(k, v));
    }
    pub fn from_items(pairs: Vec<(Vec<u8>, Vec<u8>)>, _limits: &TypeLimits) -> Hash {
        Hash { pairs }
    }
}
