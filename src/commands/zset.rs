//! Zset commands (issue 7; being written).

use super::Command;

/// This family's rows of the command table.
pub static COMMANDS: &[Command] = &[];
