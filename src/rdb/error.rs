//! The RDB layer's typed error. Every failure of the loader names the byte offset in the file
//! where it was detected, so `keel-check-rdb` and the start-up log can say exactly where a
//! file is bad.

use std::fmt;
use std::io;

/// Why reading or writing an RDB file failed.
#[derive(Debug)]
pub enum RdbError {
    /// The file system failed (open, read, write, fsync, rename).
    Io(io::Error),
    /// The file ends before a complete value: `offset` is where the missing bytes start.
    Truncated { offset: u64 },
    /// The bytes at `offset` are not a valid RDB encoding.
    Corrupt { offset: u64, reason: String },
    /// A well-formed value that Keel cannot hold (a stream, a module value, or a type the
    /// engine does not have yet); `offset` is the value's type byte.
    Unsupported { key: Vec<u8>, rdb_type: u8, offset: u64 },
}

pub type Result<T> = std::result::Result<T, RdbError>;

impl RdbError {
    pub fn corrupt(offset: u64, reason: impl Into<String>) -> RdbError {
        RdbError::Corrupt { offset, reason: reason.into() }
    }

    /// The offset the error refers to, when it has one.
    pub fn offset(&self) -> Option<u64> {
        match self {
            RdbError::Io(_) => None,
            RdbError::Truncated { offset } | RdbError::Corrupt { offset, .. } | RdbError::Unsupported { offset, .. } => {
                Some(*offset)
            }
        }
    }
}

impl fmt::Display for RdbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RdbError::Io(e) => write!(f, "I/O error: {e}"),
            RdbError::Truncated { offset } => write!(f, "unexpected end of file at offset {offset} (short read)"),
            RdbError::Corrupt { offset, reason } => write!(f, "corrupt RDB at offset {offset}: {reason}"),
            RdbError::Unsupported { key, rdb_type, offset } => write!(
                f,
                "unsupported value at offset {offset}: key '{}' has RDB type {rdb_type} ({})",
                String::from_utf8_lossy(key).escape_debug(),
                crate::rdb::format::type_name(*rdb_type)
            ),
        }
    }
}

impl std::error::Error for RdbError {}

impl From<io::Error> for RdbError {
    fn from(e: io::Error) -> RdbError {
        RdbError::Io(e)
    }
}
