//! The list type (placeholder until issue 7's implementation lands: a plain vector).

use super::TypeLimits;

#[derive(Clone, Debug, Default)]
pub struct List {
    items: Vec<Vec<u8>>,
}

impl List {
    pub fn len(&self) -> usize {
        self.items.len()
    }
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    pub fn encoding_name(&self) -> &'static str {
        "quicklist"
    }
    pub fn for_each(&self, f: &mut dyn FnMut(&[u8])) {
        self.items.iter().for_each(|i| f(i));
    }
    pub fn from_items(items: Vec<Vec<u8>>, _limits: &TypeLimits) -> List {
        List { items }
    }
}
