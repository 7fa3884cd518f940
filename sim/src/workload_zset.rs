//! Workload commands for the zset type (issue 7 fills this in; until then a generic read).

use crate::workload::{Argv, Workload};

impl Workload<'_> {
    /// One random zset command on key `k`.
    pub(crate) fn zset_op(&mut self, k: Vec<u8>) -> Argv {
        self.generic_op(k)
    }
}
