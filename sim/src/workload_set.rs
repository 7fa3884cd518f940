//! Workload commands for the set type (issue 7 fills this in; until then a generic read).

use crate::workload::{Argv, Workload};

impl Workload<'_> {
    /// One random set command on key `k`.
    pub(crate) fn set_op(&mut self, k: Vec<u8>) -> Argv {
        self.generic_op(k)
    }
}
