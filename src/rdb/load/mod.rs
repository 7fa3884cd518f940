//! The RDB loader: a pull parser over a whole file (or an AOF's RDB preamble) that yields one
//! [`Event`] per opcode or key, so the engine's start-up load, `keel-check-rdb` and the tests
//! share one implementation of the format (Redis's `rdbLoadRioWithLoadingCtx` + `rdbLoadObject`).
//!
//! Layout (see `format` for lengths and strings):
//! ```text
//! "REDIS" 4-digit-version
//! { AUX(fa) str str | SELECTDB(fe) len | RESIZEDB(fb) len len | FUNCTION2(f5) str
//!   | [EXPIRETIME_MS(fc) i64 | EXPIRETIME(fd) i32] [IDLE(f8) len] [FREQ(f9) u8] type key value }
//! EOF(ff) [crc64 u64 LE]            (checksum from version 5 on; 0 = not computed)
//! ```
//! Example, the smallest useful file (the unit test below parses exactly these bytes):
//! ```text
//! 52 45 44 49 53 30 30 30 39        "REDIS0009"
//! fe 00                             SELECTDB 0
//! fc 00 a8 9c 13 46 02 00 00        EXPIRETIME_MS 2500000000000
//! 00 03 66 6f 6f c0 2a              STRING "foo" = "42" (INT8)
//! ff 34 29 ea 9e ca b0 ad 76        EOF, CRC-64
//! ```
//! Contracts: every value is fully validated before it is returned (embedded ziplists,
//! listpacks, intsets and zipmaps deep-checked, duplicates refused, NaN scores refused); no
//! input panics or hangs (every loop consumes input); an empty aggregate is reported as
//! [`Event::EmptyKey`] and not loaded, as Redis skips it. Keys are returned whether or not they
//! have expired: dropping expired keys is the caller's decision (a master loading a snapshot
//! drops them, an AOF preamble keeps them).

mod hash;
mod list;
mod set;
mod stream;
pub(crate) mod value;
mod zset;

use super::error::{RdbError, Result};
use super::format::*;
use super::reader::Reader;
use super::value::LoadedValue;
use crate::encoding::crc64::crc64;

/// Options of a load.
#[derive(Clone, Copy, Debug)]
pub struct LoadOptions {
    /// Verify the CRC-64 trailer (`rdbchecksum yes`).
    pub verify_checksum: bool,
    /// SELECTDB beyond this is fatal (`databases`).
    pub databases: usize,
    /// Encoding thresholds for the values built from the file.
    pub type_limits: crate::types::TypeLimits,
    /// Keep a hash or sorted-set ziplist as the engine's value when it already is what the
    /// engine would build ([`LoadedValue::Adopted`]), instead of decoding it into pairs.
    /// [`crate::rdb::startup::load_into`] sets it; readers that inspect the pairs do not.
    pub adopt_blobs: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions { verify_checksum: true, databases: 16, type_limits: Default::default(), adopt_blobs: false }
    }
}

/// A key and its value.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyRecord {
    pub db: usize,
    pub key: Vec<u8>,
    pub value: LoadedValue,
    pub expire_ms: Option<i64>,
    /// The RDB object type the value was stored with.
    pub rdb_type: u8,
    /// Offset of the type byte.
    pub offset: u64,
    /// LRU idle seconds (IDLE opcode) or LFU counter (FREQ opcode), if present.
    pub idle_s: Option<u64>,
    pub freq: Option<u8>,
}

/// How the checksum at EOF turned out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checksum {
    Ok,
    /// Version < 5 (no trailer), a stored 0, or verification disabled.
    NotChecked,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    Aux { key: Vec<u8>, value: Vec<u8>, offset: u64 },
    SelectDb { db: usize, offset: u64 },
    ResizeDb { keys: u64, expires: u64, offset: u64 },
    Key(KeyRecord),
    /// An empty aggregate: Redis logs "rdbLoadObject skipping empty key" and skips it.
    EmptyKey { db: usize, key: Vec<u8>, rdb_type: u8, offset: u64 },
    /// A function library (FUNCTION2); Keel has no functions, so it is skipped.
    Function { offset: u64, code_len: usize },
    /// End of file; `offset` is the first byte after the file (after the checksum).
    Eof { checksum: Checksum, offset: u64 },
}

/// Per-key modifiers that precede the type byte.
#[derive(Default)]
struct Pending {
    expire_ms: Option<i64>,
    idle_s: Option<u64>,
    freq: Option<u8>,
}

pub struct Parser<'a> {
    r: Reader<'a>,
    pub version: u32,
    opts: LoadOptions,
    db: usize,
    pending: Pending,
    done: bool,
}

impl<'a> Parser<'a> {
    /// Check the header and position the parser at the first opcode.
    pub fn new(buf: &'a [u8], opts: LoadOptions) -> Result<Parser<'a>> {
        let mut r = Reader::new(buf);
        let magic = r.bytes(5)?;
        if magic != MAGIC {
            return Err(RdbError::corrupt(0, "wrong signature trying to load DB from file (no REDIS magic)"));
        }
        let digits = r.bytes(4)?;
        let version = std::str::from_utf8(digits)
            .ok()
            .filter(|d| d.bytes().all(|c| c.is_ascii_digit()))
            .and_then(|d| d.parse::<u32>().ok())
            .ok_or_else(|| RdbError::corrupt(5, "RDB version is not 4 digits"))?;
        if !(1..=VERSION_MAX).contains(&version) {
            return Err(RdbError::corrupt(5, format!("can't handle RDB format version {version}")));
        }
        Ok(Parser { r, version, opts, db: 0, pending: Pending::default(), done: false })
    }

    /// Offset of the next byte to parse.
    pub fn offset(&self) -> u64 {
        self.r.offset()
    }

    /// The next event, or `None` after [`Event::Eof`].
    pub fn next_event(&mut self) -> Result<Option<Event>> {
        if self.done {
            return Ok(None);
        }
        loop {
            let at = self.r.offset();
            let op = self.r.u8()?;
            let event = match op {
                OP_EXPIRETIME_MS => {
                    self.pending.expire_ms = Some(self.r.i64_le()?);
                    None
                }
                OP_EXPIRETIME => {
                    self.pending.expire_ms = Some(i64::from(self.r.i32_le()?) * 1000);
                    None
                }
                OP_IDLE => {
                    self.pending.idle_s = Some(self.r.length()?);
                    None
                }
                OP_FREQ => {
                    self.pending.freq = Some(self.r.u8()?);
                    None
                }
                _ => Some(self.opcode(op, at)?),
            };
            if let Some(e) = event {
                return Ok(Some(e));
            }
        }
    }

    /// Opcodes that produce an event (everything but the per-key modifiers).
    fn opcode(&mut self, op: u8, at: u64) -> Result<Event> {
        match op {
            OP_EOF => self.eof(),
            OP_SELECTDB => {
                let db = self.r.length()?;
                if db >= self.opts.databases as u64 {
                    return Err(RdbError::corrupt(at, format!("FATAL: Data file was created with a Redis server configured to handle more than {} databases", self.opts.databases)));
                }
                self.db = db as usize;
                Ok(Event::SelectDb { db: self.db, offset: at })
            }
            OP_RESIZEDB => Ok(Event::ResizeDb { keys: self.r.length()?, expires: self.r.length()?, offset: at }),
            OP_AUX => {
                let key = self.r.string()?.into_owned();
                let value = self.r.string()?.into_owned();
                Ok(Event::Aux { key, value, offset: at })
            }
            OP_FUNCTION2 => Ok(Event::Function { offset: at, code_len: self.r.string()?.len() }),
            OP_SLOT_INFO => {
                let _slot = (self.r.length()?, self.r.length()?, self.r.length()?);
                self.next_event()?.ok_or(RdbError::Truncated { offset: self.r.offset() })
            }
            OP_FUNCTION_PRE_GA | OP_MODULE_AUX => {
                let what: &[u8] = if op == OP_MODULE_AUX { b"(module aux data)" } else { b"(function, pre-GA format)" };
                Err(RdbError::Unsupported { key: what.to_vec(), rdb_type: op, offset: at })
            }
            t => self.key(t, at),
        }
    }

    fn eof(&mut self) -> Result<Event> {
        self.done = true;
        let mut checksum = Checksum::NotChecked;
        if self.version >= 5 {
            let expected = crc64(0, self.r.consumed());
            let at = self.r.offset();
            let stored = self.r.u64_le()?;
            if self.opts.verify_checksum && stored != 0 {
                if stored != expected {
                    return Err(RdbError::corrupt(at, format!("Wrong RDB checksum expected: ({stored:x}) but got ({expected:x})")));
                }
                checksum = Checksum::Ok;
            }
        }
        Ok(Event::Eof { checksum, offset: self.r.offset() })
    }

    /// A key: `type key value`, with the pending modifiers.
    fn key(&mut self, rdb_type: u8, at: u64) -> Result<Event> {
        let pending = std::mem::take(&mut self.pending);
        let key = self.r.string()?.into_owned();
        let db = self.db;
        let adopt = self.opts.adopt_blobs.then_some(&self.opts.type_limits);
        match value::read(&mut self.r, rdb_type, &key, at, adopt)? {
            Some(value) => Ok(Event::Key(KeyRecord {
                db,
                key,
                value,
                expire_ms: pending.expire_ms,
                rdb_type,
                offset: at,
                idle_s: pending.idle_s,
                freq: pending.freq,
            })),
            None => Ok(Event::EmptyKey { db, key, rdb_type, offset: at }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC_EXAMPLE: [u8; 36] = [
        0x52, 0x45, 0x44, 0x49, 0x53, 0x30, 0x30, 0x30, 0x39, 0xfe, 0x00, 0xfc, 0x00, 0xa8, 0x9c, 0x13, 0x46, 0x02, 0x00,
        0x00, 0x00, 0x03, 0x66, 0x6f, 0x6f, 0xc0, 0x2a, 0xff, 0x34, 0x29, 0xea, 0x9e, 0xca, 0xb0, 0xad, 0x76,
    ];

    #[test]
    fn doc_example_parses() {
        let mut p = Parser::new(&DOC_EXAMPLE, LoadOptions::default()).expect("header");
        assert_eq!(p.version, 9);
        assert_eq!(p.next_event().expect("select"), Some(Event::SelectDb { db: 0, offset: 9 }));
        match p.next_event().expect("key") {
            Some(Event::Key(k)) => {
                assert_eq!((k.key.as_slice(), k.expire_ms, k.offset), (&b"foo"[..], Some(2_500_000_000_000), 20));
                assert_eq!(k.value, LoadedValue::Str(b"42".to_vec()));
            }
            other => panic!("expected a key, got {other:?}"),
        }
        assert_eq!(p.next_event().expect("eof"), Some(Event::Eof { checksum: Checksum::Ok, offset: 36 }));
        assert_eq!(p.next_event().expect("done"), None);
    }

    #[test]
    fn wrong_checksum_is_corrupt_and_zero_checksum_is_skipped() {
        let mut bad = DOC_EXAMPLE;
        bad[35] ^= 1;
        let mut p = Parser::new(&bad, LoadOptions::default()).expect("header");
        let err = (0..4).find_map(|_| p.next_event().err());
        assert!(matches!(err, Some(RdbError::Corrupt { offset: 28, .. })), "{err:?}");
        let mut zero = DOC_EXAMPLE;
        zero[28..].fill(0);
        let mut p = Parser::new(&zero, LoadOptions::default()).expect("header");
        let last = (0..3).map(|_| p.next_event().expect("valid")).last().flatten();
        assert_eq!(last, Some(Event::Eof { checksum: Checksum::NotChecked, offset: 36 }));
    }

    #[test]
    fn bad_headers_are_refused() {
        assert!(Parser::new(b"REDIS0013", LoadOptions::default()).is_err());
        assert!(Parser::new(b"REDIS0000", LoadOptions::default()).is_err());
        assert!(Parser::new(b"RADIS0009", LoadOptions::default()).is_err());
        assert!(matches!(Parser::new(b"REDIS00", LoadOptions::default()), Err(RdbError::Truncated { .. })));
    }
}
