//! The RDB preamble of an AOF (`aof-use-rdb-preamble yes`, Redis 4.0+): a rewrite writes its
//! snapshot as an RDB image, and the parent appends the rewrite buffer after it in RESP, so
//! the file is `RDB image ‖ RESP commands`. Example, `k = v` in db 0 at the fork, then
//! `SET b 1` during the rewrite (the unit test below builds these bytes):
//!
//! ```text
//! 52 45 44 49 53 30 30 30 39          "REDIS0009"
//! fa 09 "redis-ver" 06 "7.0.15" …     AUX fields as `rdb::save` writes them, ending with
//! fa 0c "aof-preamble" 01 "1"           aof-preamble = 1
//! fe 00 fb 01 00                      SELECTDB 0, RESIZEDB 1 key, 0 expires
//! 00 01 6b 01 76                      STRING "k" = "v"
//! ff <8 bytes CRC-64 LE>              EOF, checksum (0 with `rdbchecksum no`)
//! 2a 32 0d 0a 24 36 0d 0a 53 45 …     "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET…"
//! ```
//!
//! **Loading** (`loadSingleAppendOnlyFile`): a file whose first 5 bytes are `REDIS` goes
//! through the RDB loader (`rdb::startup::load_into`) *keeping* keys whose TTL has passed, as
//! Redis's `RDBFLAGS_AOF_PREAMBLE` does: the RESP tail may still act on them (a `PERSIST`
//! written before they expired), and nothing expires while an AOF loads. The checksum is
//! verified under `rdbchecksum yes`. The RESP tail is then replayed from the byte after the
//! checksum. A Redis 7 multi-part base `*.base.rdb` is the same without a tail. Any error in
//! the RDB part — corrupt, truncated, a stream, module or function value — refuses start-up
//! with the file, the offset, and for an unsupported value its key and type;
//! `aof-load-truncated` never applies to it (Redis: `AOF_FAILED`), and a torn RESP tail is
//! cut no earlier than the end of the RDB part (Redis 7.0 starts `valid_up_to` at 0, so a
//! tail torn inside its first command would be truncated to an empty file).
//!
//! **Writing**: [`PreambleEncoder`] is what the rewrite child uses instead of RESP (see
//! `rewrite.rs`): the header with `aof-preamble 1`, per non-empty db SELECTDB + RESIZEDB, the
//! keys — those already expired at the fork are skipped, as the RESP rewrite skips them —
//! then EOF and the CRC-64. Compression and the checksum follow `rdbcompression` and
//! `rdbchecksum`, as Redis's `rdbSaveRio` does for a preamble.

use std::path::Path;

use super::load::LoadError;
use super::aof_path;
use crate::db::Db;
use crate::env::FileRef;
use crate::object::Stored;
use crate::rdb::format::MAGIC;
use crate::rdb::save::{Header, RdbWriter};
use crate::rdb::LoadOptions;
use crate::server::Server;

/// How a rewrite writes its RDB preamble; taken from the configuration at the fork.
#[derive(Clone, Debug)]
pub struct PreambleSettings {
    pub compress: bool,
    pub checksum: bool,
    pub header: Header,
}

impl PreambleSettings {
    /// `Some` when `aof-use-rdb-preamble yes`.
    pub fn from_server(s: &Server) -> Option<PreambleSettings> {
        s.config.aof_use_rdb_preamble.then(|| PreambleSettings {
            compress: s.config.rdbcompression,
            checksum: s.config.rdbchecksum,
            header: Header { ctime_s: s.env.clock.unix_ms() / 1000, used_mem: s.env.memory.used() as u64, aof_preamble: true },
        })
    }
}

/// Encodes a snapshot as an RDB preamble, in pieces the caller writes in order.
pub struct PreambleEncoder {
    writer: RdbWriter,
}

impl PreambleEncoder {
    /// A new encoder; the header is buffered and handed out by the first [`Self::take`].
    pub fn new(settings: &PreambleSettings) -> PreambleEncoder {
        let mut writer = RdbWriter::new(settings.compress, settings.checksum);
        writer.header(&settings.header);
        PreambleEncoder { writer }
    }

    /// SELECTDB + RESIZEDB before the keys of a non-empty `db`.
    pub fn select_db(&mut self, db: &Db) {
        self.writer.select_db(db.id, db.len(), db.expires.len());
    }

    /// One key; nothing if it had expired at `now_ms` (the fork time).
    pub fn key(&mut self, key: &[u8], entry: &Stored, expire_ms: Option<i64>, now_ms: i64) {
        if expire_ms.is_some_and(|when| when < now_ms) {
            return;
        }
        self.writer.engine_key(key, &entry.value, expire_ms);
    }

    /// The bytes encoded since the last call (folded into the checksum).
    pub fn take(&mut self) -> Vec<u8> {
        self.writer.take()
    }

    /// EOF and the checksum: the last bytes of the preamble.
    pub fn finish(&mut self) -> Vec<u8> {
        self.writer.finish()
    }
}

/// If `file` (at `path`, named `name` in errors) starts with `REDIS`, load its RDB part into
/// the keyspace and return the offset where its RESP part starts; 0 when it has no preamble.
pub fn load(s: &mut Server, path: &Path, file: &FileRef, name: &str) -> Result<u64, LoadError> {
    let io_err = |error| LoadError::Io { file: name.to_string(), error };
    let mut magic = [0u8; 5];
    let n = file.read_at(0, &mut magic).map_err(io_err)?;
    if n < magic.len() || &magic != MAGIC {
        return Ok(0);
    }
    // Redis 7 tells its old-style single file (a preamble) from a multi-part base.
    let base = path != aof_path(s).as_path();
    s.log_notice(if base { "Reading RDB base file on AOF loading..." } else { "Reading RDB preamble from AOF file..." });
    let buf = crate::env::read_whole(s.env.fs.as_ref(), path).map_err(io_err)?;
    let opts = LoadOptions {
        verify_checksum: s.config.rdbchecksum,
        databases: s.config.databases,
        type_limits: crate::types::TypeLimits::from_config(&s.config),
        ..LoadOptions::default()
    };
    let mut warnings = Vec::new();
    let result = crate::rdb::startup::load_into(&mut s.ks, &buf, opts, None, &mut |w| warnings.push(w));
    drop(buf);
    for w in warnings {
        s.log_warning(&w);
    }
    let summary = result.map_err(|error| LoadError::Preamble { file: name.to_string(), base, error })?;
    s.log_notice(&format!("Done loading RDB, keys loaded: {}, keys expired: 0.", summary.keys_loaded));
    if !base {
        s.log_notice("Reading the remaining AOF tail...");
    }
    Ok(summary.end_offset)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::KeyedState;
    use crate::object::{Entry, Str, Value};
    use crate::rdb::load::{Checksum, Event, Parser};

    fn one_key_db() -> Db {
        let mut db = Db::new(0, &KeyedState::fixed());
        db.insert(b"k", Entry { value: Value::Str(Str::from_bytes(b"v")), lru: 0 });
        db
    }

    /// The doc example: header with `aof-preamble 1`, SELECTDB/RESIZEDB, `k = v`, EOF + CRC,
    /// then the RESP tail; the RDB part ends exactly where the tail starts.
    #[test]
    fn doc_example_preamble_then_resp_tail() {
        let settings = PreambleSettings { compress: true, checksum: true, header: Header { ctime_s: 0, used_mem: 0, aof_preamble: true } };
        let mut enc = PreambleEncoder::new(&settings);
        let db = one_key_db();
        enc.select_db(&db);
        enc.key(b"k", db.dict.get(&b"k"[..]).expect("k"), None, 1);
        let mut file = enc.take();
        let rdb_tail = enc.finish();
        file.extend_from_slice(&rdb_tail);
        let rdb_len = file.len() as u64;
        file.extend_from_slice(b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n1\r\n");

        assert!(file.starts_with(b"REDIS0009\xfa\x09redis-ver"));
        let record: &[u8] = b"\xfe\x00\xfb\x01\x00\x00\x01k\x01v\xff";
        assert_eq!(&rdb_tail[..1], b"\xff");
        let at = file.windows(record.len()).position(|w| w == record).expect("SELECTDB, RESIZEDB, k=v, EOF");
        assert_eq!(at as u64 + record.len() as u64 + 8, rdb_len, "the CRC-64 follows EOF");
        let mut p = Parser::new(&file, LoadOptions::default()).expect("header");
        let mut aux = Vec::new();
        let end = loop {
            match p.next_event().expect("valid preamble") {
                Some(Event::Aux { key, value, .. }) => aux.push((key, value)),
                Some(Event::Eof { checksum, offset }) => break (checksum, offset),
                Some(_) => {}
                None => panic!("no EOF"),
            }
        };
        assert_eq!(end, (Checksum::Ok, rdb_len));
        assert!(aux.contains(&(b"aof-preamble".to_vec(), b"1".to_vec())), "{aux:?}");
    }

    #[test]
    fn keys_expired_at_the_fork_are_not_written() {
        let settings = PreambleSettings { compress: false, checksum: false, header: Header { ctime_s: 0, used_mem: 0, aof_preamble: true } };
        let mut enc = PreambleEncoder::new(&settings);
        let db = one_key_db();
        let entry = db.dict.get(&b"k"[..]).expect("k");
        let header_len = enc.take().len();
        enc.key(b"k", entry, Some(99), 100);
        assert!(enc.take().is_empty(), "expired before the fork: skipped");
        enc.key(b"k", entry, Some(100), 100);
        assert_eq!(enc.take().first(), Some(&0xfc), "live with a TTL: EXPIRETIME_MS first");
        assert!(header_len > 9);
        assert_eq!(enc.finish(), [0xff, 0, 0, 0, 0, 0, 0, 0, 0], "rdbchecksum no writes a zero CRC");
    }
}
