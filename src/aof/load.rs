//! Loading at start-up (`loadAppendOnlyFiles` / `loadSingleAppendOnlyFile`): an RDB part at
//! the start of a file (`REDIS` magic) is loaded by `preamble.rs`, then every command of the
//! file is replayed through the normal command path by a fake client (db 0 at the start of
//! each file), with lazy expiry paused and its effects not appended again.
//!
//! With `appendonly yes` the AOF is loaded *instead of* the RDB, even when it is missing or
//! empty, as Redis does. Sources, in order: `dir/appendfilename` (Keel's single file, possibly
//! after an RDB preamble: the file starts with `REDIS`), else a Redis 7 multi-part directory
//! (`multipart.rs`), else nothing (an empty AOF is created).
//!
//! Recovery rules (DESIGN §5 P4):
//! - A file that ends inside a command (or holds a NUL where a torn write left zeros, see
//!   `reader.rs`) is a torn tail. With `aof-load-truncated yes` the file is truncated to the
//!   end of the last complete command, logged with Redis's lines, and fsynced; with `no`,
//!   start-up fails. Only the last file of a multi-part set may be truncated.
//! - Keel's files checksum every flushed batch (`batch.rs`): bytes after the last `#KC:` line
//!   that checks out are a torn tail too, even when they parse (a sector lost to a power loss
//!   in the middle of a value reads as zeros).
//! - A tail cut inside `MULTI … EXEC` is truncated to *before* the `MULTI`. (Redis 7.0 truncates
//!   after the last queued command when the cut is mid-transaction, leaving a dangling `MULTI`
//!   that would swallow every command appended later; it only reverts at a clean EOF.)
//! - Anything else (bad format, unknown command, a bad RDB preamble) refuses to start with the
//!   file and offset; `s.aof.load_error` holds the message and the server must exit. A
//!   function library (`FUNCTION LOAD`, `FCALL`; DESIGN §7) is an unknown command whose
//!   message says so.
//! - Leftover `temp-rewriteaof-*.aof` files of a rewrite interrupted by a crash are removed
//!   (Redis leaves them forever).

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use super::reader::{Item, ReadError, ReadErrorKind, Reader};
use super::{aof_path, strerror, AofStatus};
use crate::env::{FileRef, OpenOptions};
use crate::resp::Argv;
use crate::server::client::Client;
use crate::server::Server;

/// Why loading failed.
#[derive(Debug)]
pub enum LoadError {
    Io { file: String, error: io::Error },
    BadFormat { file: String, offset: u64, message: String },
    UnexpectedEof { file: String, offset: u64, message: String },
    NotLastFile { file: String },
    /// `unsupported` says which key and type the command belongs to when it is one of a type
    /// Keel does not have (a function library), see `unsupported_type`.
    UnknownCommand { file: String, offset: u64, name: String, unsupported: Option<String> },
    /// The RDB part of a file failed to load (`preamble.rs`): an old-style file's preamble,
    /// or a multi-part `base` file in RDB format.
    Preamble { file: String, base: bool, error: crate::rdb::RdbError },
    Manifest { message: String },
    /// The loaded file could not be made durable before serving (`persist_loaded`).
    NotDurable { file: String, error: io::Error },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Io { file, error } => write!(f, "Unrecoverable error reading the append only file {file}: {}", strerror(error)),
            LoadError::BadFormat { file, offset, message } => write!(f, "Bad file format reading the append only file {file} at offset {offset} ({message}): make a backup of your AOF file, then use ./keel-check-aof --fix <filename>"),
            LoadError::UnexpectedEof { file, offset, message } => write!(f, "Unexpected end of file reading the append only file {file} at offset {offset} ({message}). You can: 1) Make a backup of your AOF file, then use ./keel-check-aof --fix <filename>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server."),
            LoadError::NotLastFile { file } => write!(f, "Fatal error: the truncated file {file} is not the last file"),
            LoadError::UnknownCommand { file, offset, name, unsupported } => {
                write!(f, "Unknown command '{name}' reading the append only file {file} at offset {offset}")?;
                match unsupported {
                    Some(what) => write!(f, ": {what}"),
                    None => Ok(()),
                }
            }
            LoadError::Preamble { file, base, error } => {
                if *base {
                    write!(f, "Error reading the RDB base file {file}, AOF loading aborted: {error}")?;
                } else {
                    write!(f, "Error reading the RDB preamble of the AOF file {file}, AOF loading aborted: {error}")?;
                }
                match error {
                    crate::rdb::RdbError::Unsupported { .. } => write!(f, ", a type Keel does not support (DESIGN §7)"),
                    _ => Ok(()),
                }
            }
            LoadError::Manifest { message } => write!(f, "{message}"),
            LoadError::NotDurable { file, error } => write!(f, "Can't make the loaded append only file {file} durable before serving ({}): refusing to start rather than append after data that may not be on disk. Fix the disk (space, I/O errors) and restart", strerror(error)),
        }
    }
}

/// What loading one file did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Loaded {
    pub commands: u64,
    /// The size the file has after loading (after truncation, if any).
    pub size: u64,
    pub truncated: bool,
}

/// See `aof::startup_load`.
pub fn startup_load(s: &mut Server) -> bool {
    if !s.config.appendonly {
        return false;
    }
    super::rewrite::remove_leftover_temp_files(s);
    let start_us = s.env.clock.monotonic_us();
    s.aof.loading = true;
    s.ks.expiry_paused = true;
    s.ks.loading = true;
    // A replayed FLUSHALL must not save (`rdb::on_flushall`): the snapshot would hold a past
    // state over a newer dump.rdb, and a save failing under an injected fault would set
    // MISCONF and make the replay refuse every later write, silently dropping the rest of
    // the file. (Found by keel-sim, seed 301 under `--persistence always`.)
    let save_points = std::mem::take(&mut s.config.save_points);
    let result = load_sources(s);
    s.config.save_points = save_points;
    s.ks.loading = false;
    s.ks.expiry_paused = false;
    s.aof.loading = false;
    // P4: serving on top of bytes that may not be on disk (see `persist_loaded`) would put
    // every later write behind a hole, so a failed copy refuses to start; the operator (or
    // the simulator) restarts once the disk works again.
    let result = result.and_then(|()| persist_loaded(s));
    match result.and_then(|()| open_for_append(s)) {
        Ok(()) => {
            let secs = s.env.clock.monotonic_us().saturating_sub(start_us) as f64 / 1e6;
            s.log_notice(&format!("DB loaded from append only file: {secs:.3} seconds"));
        }
        Err(e) => {
            let msg = e.to_string();
            s.log_warning(&msg);
            s.aof.load_error = Some(msg);
            // P4: a refused AOF never leaves part of its data behind.
            for db in &mut s.ks.dbs {
                db.clear();
            }
        }
    }
    true
}

fn load_sources(s: &mut Server) -> Result<(), LoadError> {
    let path = aof_path(s);
    if exists(s, &path) {
        let loaded = load_file(s, &path, true)?;
        s.aof.loaded_truncated = loaded.truncated;
        return Ok(());
    }
    if super::multipart::manifest_exists(s) {
        return super::multipart::load_and_convert(s);
    }
    Ok(())
}

/// Does `path` exist (through the seam: a listing of its directory)?
pub fn exists(s: &Server, path: &Path) -> bool {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else { return false };
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    s.env.fs.list(dir).map(|names| names.iter().any(|n| n.as_str() == name)).unwrap_or(false)
}

/// Make the loaded file durable exactly as it was read, before anything is appended to it.
///
/// After a crash the page cache may hold bytes the disk never got: an fsync that failed with
/// EIO makes ext4/XFS mark the dirty pages clean, and a later fsync "succeeds" without writing
/// them (DESIGN §6), so the start-up fdatasync proves nothing; and the file's name may not be
/// durable yet (a rewrite renamed it before its directory fsync). Appending after such bytes
/// would put every later write — acknowledged under `always` — behind a hole that a power loss
/// exposes, and the loader would then truncate at the hole. So the loaded bytes are copied to
/// a fresh temp file, fsynced, renamed over the AOF and the directory fsynced. (Found by
/// keel-sim: fsync EIO under `always`, exit, restart from the page cache, power loss.)
fn persist_loaded(s: &mut Server) -> Result<(), LoadError> {
    let path = aof_path(s);
    if !exists(s, &path) {
        return Ok(());
    }
    let io_err = |error| LoadError::Io { file: path.display().to_string(), error };
    let bytes = crate::env::read_whole(s.env.fs.as_ref(), &path).map_err(io_err)?;
    let temp = in_dir(s, &format!("{}load-{}.aof", super::rewrite::TEMP_PREFIX, s.env.pid));
    let file = s.env.fs.open(&temp, OpenOptions::TRUNCATE).map_err(io_err)?;
    let written = crate::env::write_all(&*file, &bytes).map_err(|(_, e)| e).and_then(|()| file.fdatasync());
    let closed = file.close();
    let result = written.and(closed).and_then(|()| s.env.fs.rename(&temp, &path));
    if let Err(error) = result {
        let _ = s.env.fs.unlink(&temp);
        return Err(LoadError::NotDurable { file: path.display().to_string(), error });
    }
    s.env.fs.fsync_dir(Path::new(&s.config.dir)).map_err(|error| LoadError::NotDurable { file: path.display().to_string(), error })
}

/// Open the AOF for appending after loading; the loaded content is fsynced so what clients
/// read from now on is durable.
fn open_for_append(s: &mut Server) -> Result<(), LoadError> {
    let path = aof_path(s);
    let io_err = |error| LoadError::Io { file: path.display().to_string(), error };
    let created = !exists(s, &path);
    let file = s.env.fs.open(&path, OpenOptions::APPEND).map_err(io_err)?;
    // Start (or re-anchor) the batch chain: everything before this line is durable now.
    crate::env::write_all(&*file, super::batch::START).map_err(|(_, e)| io_err(e))?;
    let len = file.len().map_err(io_err)?;
    file.fdatasync().map_err(io_err)?;
    if created {
        s.env.fs.fsync_dir(Path::new(&s.config.dir)).map_err(io_err)?;
    }
    let a = &mut s.aof;
    a.file = Some(file);
    a.status = AofStatus::On;
    a.selected_db = None;
    a.current_size = len;
    a.batch_crc = 0;
    a.base_size = len;
    a.synced_size = len;
    a.fsync_requested_size = len;
    a.last_fsync_us = s.env.clock.monotonic_us();
    Ok(())
}

/// Load one file; `last` allows truncating a torn tail.
pub fn load_file(s: &mut Server, path: &Path, last: bool) -> Result<Loaded, LoadError> {
    let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let io_err = |error| LoadError::Io { file: name.clone(), error };
    let file = s.env.fs.open(path, OpenOptions::EXISTING).map_err(io_err)?;
    let size = file.len().map_err(io_err)?;
    if size == 0 {
        return Ok(Loaded::default());
    }
    let start = super::preamble::load(s, path, &file, &name)?;
    let verified = super::batch::verified_end(&file, start).map_err(io_err)?;
    let mut reader = Reader::new(file.clone(), start).map_err(io_err)?;
    if let Some(end) = verified {
        reader.limit(end);
    }
    let mut replay = Replay::new(s, name.clone(), start);
    let end = replay.run(s, &mut reader);
    if let Some(e) = replay.error.take() {
        return Err(e);
    }
    let end = match (end, verified) {
        // Bytes after the last batch line that checks out: a batch a crash tore.
        (Ok(()), Some(v)) if v < size && !replay.in_multi() => Err(ReadError::Bad {
            kind: ReadErrorKind::Torn,
            offset: v,
            message: "a batch whose #KC: checksum is missing or does not match".into(),
        }),
        (end, _) => end,
    };
    let outcome = match end {
        Ok(()) if replay.in_multi() => {
            s.log_warning(&format!("Revert incomplete MULTI/EXEC transaction in AOF file {name}"));
            replay.cut_offset()
        }
        Ok(()) => return Ok(Loaded { commands: replay.commands, size, truncated: false }),
        Err(ReadError::Io(error)) => return Err(LoadError::Io { file: name, error }),
        Err(ReadError::Bad { kind: ReadErrorKind::Format, offset, message }) => {
            return Err(LoadError::BadFormat { file: name, offset, message })
        }
        Err(ReadError::Bad { offset, message, .. }) => {
            if !s.config.aof_load_truncated {
                return Err(LoadError::UnexpectedEof { file: name, offset, message });
            }
            replay.cut_offset()
        }
    };
    truncate_tail(s, &file, &name, outcome, last)?;
    Ok(Loaded { commands: replay.commands, size: outcome, truncated: true })
}

fn truncate_tail(s: &mut Server, file: &FileRef, name: &str, at: u64, last: bool) -> Result<(), LoadError> {
    if !last {
        return Err(LoadError::NotLastFile { file: name.to_string() });
    }
    s.log_warning(&format!("!!! Warning: short read while loading the AOF file {name}!!!"));
    s.log_warning(&format!("!!! Truncating the AOF {name} at offset {at} !!!"));
    let result = file.set_len(at).and_then(|()| file.fdatasync());
    if let Err(error) = result {
        s.log_warning(&format!("Error truncating the AOF file {name}: {}", strerror(&error)));
        return Err(LoadError::Io { file: name.to_string(), error });
    }
    s.log_warning(&format!("AOF {name} loaded anyway because aof-load-truncated is enabled"));
    Ok(())
}

/// Replays commands into the server through a fake client, tracking the truncation points.
struct Replay {
    client: Client,
    file: String,
    commands: u64,
    /// Offset after the last complete command (`valid_up_to`).
    valid_up_to: u64,
    /// `valid_up_to` when the open `MULTI` was read (`valid_before_multi`).
    valid_before_multi: u64,
    error: Option<LoadError>,
}

impl Replay {
    fn new(s: &Server, file: String, start: u64) -> Replay {
        let now = s.env.clock.unix_ms();
        let client = Client::new(crate::server::client::AOF_CLIENT_ID, "aof".into(), "aof".into(), now, true);
        Replay { client, file, commands: 0, valid_up_to: start, valid_before_multi: start, error: None }
    }

    fn in_multi(&self) -> bool {
        self.client.multi.is_some()
    }

    /// Where a torn tail is cut: after the last command, or before an open MULTI.
    fn cut_offset(&self) -> u64 {
        if self.in_multi() { self.valid_before_multi } else { self.valid_up_to }
    }

    /// Replay until the end of the file or an error. An unknown command stops the replay with
    /// `self.error` set and `Ok` returned.
    fn run(&mut self, s: &mut Server, reader: &mut Reader) -> Result<(), ReadError> {
        let mut argv = Argv::new();
        loop {
            let start = reader.offset();
            match reader.next_item()? {
                None => return Ok(()),
                // A cut keeps the `#KC:` line that closes the last good batch.
                Some(Item::Annotation(_)) => self.valid_up_to = reader.offset(),
                Some(Item::Command(args)) => {
                    if !self.execute(s, &args, &mut argv, start) {
                        return Ok(());
                    }
                    self.valid_up_to = reader.offset();
                }
            }
        }
    }

    fn execute(&mut self, s: &mut Server, args: &[Vec<u8>], argv: &mut Argv, offset: u64) -> bool {
        let name = args.first().map(Vec::as_slice).unwrap_or_default();
        if s.commands.lookup(name).is_none() {
            let unsupported = unsupported_type(args);
            let name = String::from_utf8_lossy(name).into_owned();
            self.error = Some(LoadError::UnknownCommand { file: self.file.clone(), offset, name, unsupported });
            return false;
        }
        if name.eq_ignore_ascii_case(b"multi") && !self.in_multi() {
            self.valid_before_multi = self.valid_up_to;
        }
        argv.clear();
        for arg in args {
            argv.push(arg);
        }
        s.process_command(&mut self.client, argv);
        // Replies of the fake client are discarded, as Redis does.
        self.client.reply.clear();
        self.client.reply_sent = 0;
        self.commands += 1;
        true
    }
}

/// For a command of a feature Keel does not have (DESIGN §7), what it is: Redis writes a
/// function library as `FUNCTION LOAD`, and Keel has no functions.
fn unsupported_type(args: &[Vec<u8>]) -> Option<String> {
    match args.first()?.to_ascii_uppercase().as_slice() {
        b"FUNCTION" | b"FCALL" | b"FCALL_RO" => Some("a function library, which Keel does not support (DESIGN §7)".into()),
        _ => None,
    }
}

/// `path` in `dir`.
pub fn in_dir(s: &Server, name: &str) -> PathBuf {
    PathBuf::from(&s.config.dir).join(name)
}
