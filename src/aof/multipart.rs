//! Reading a Redis 7 multi-part AOF directory (`appendonlydir/`), so Redis 7 data can be
//! opened by Keel.
//!
//! Manifest `appendonlydir/appendonly.aof.manifest`, one line per file (`aofInfoFormat`):
//!
//! ```text
//! file appendonly.aof.2.base.aof seq 2 type b
//! file appendonly.aof.2.incr.aof seq 2 type i
//! ```
//!
//! Parsing follows `aofLoadManifestFromFile`: `#` lines are skipped; each line is split like
//! `sdssplitargs` (double quotes allowed); it needs an even number ≥ 6 of tokens (unknown
//! key/value pairs are ignored), keys are case-insensitive; `file` must be a basename; at most
//! one base; incr seqs strictly increase; type `h` (history) files are not loaded; a line over
//! 1024 bytes or an empty manifest is fatal.
//!
//! Load order: the base, then every incr file in manifest order, each replayed by a fresh fake
//! client (db 0). A base written with `aof-use-rdb-preamble yes` is an RDB file
//! (`*.base.rdb`), loaded by `preamble.rs` like the preamble of a single file. Only the last file may be truncated. Keel then writes the loaded dataset as
//! its single `appendonly.aof` (a foreground rewrite) and renames the manifest to
//! `<manifest>.keel-converted`, so neither Keel nor Redis 7 loads the now stale directory
//! again (Redis 7 migrates Keel's single file instead).

use std::path::PathBuf;

use super::load::{exists, load_file, LoadError};
use super::APPENDDIRNAME;
use crate::env::read_whole;
use crate::server::Server;

/// Longest manifest line (`AOF_MANIFEST_LINE_MAX_LEN`... Redis reads lines of 1024 bytes).
pub const MANIFEST_LINE_MAX: usize = 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileType {
    Base,
    History,
    Incr,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AofInfo {
    pub name: String,
    pub seq: i64,
    pub kind: FileType,
}

/// The files of a manifest: the base (if any) and the incr files, in load order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    pub base: Option<AofInfo>,
    pub incrs: Vec<AofInfo>,
    pub history: Vec<AofInfo>,
}

impl Manifest {
    /// Files to load, in order.
    pub fn load_order(&self) -> Vec<&AofInfo> {
        self.base.iter().chain(self.incrs.iter()).collect()
    }
}

fn manifest_error(msg: impl Into<String>) -> LoadError {
    LoadError::Manifest { message: msg.into() }
}

/// Parse a manifest's text.
pub fn parse_manifest(text: &[u8]) -> Result<Manifest, LoadError> {
    let mut m = Manifest::default();
    let mut lines = 0;
    for raw in text.split(|&b| b == b'\n') {
        if raw.is_empty() {
            continue;
        }
        if raw.len() > MANIFEST_LINE_MAX {
            return Err(manifest_error("The AOF manifest file contains too long line"));
        }
        if raw[0] == b'#' {
            continue;
        }
        let line = String::from_utf8_lossy(raw);
        let info = parse_line(line.trim_end_matches('\r'))?;
        lines += 1;
        add(&mut m, info)?;
    }
    if lines == 0 {
        return Err(manifest_error("Found an empty AOF manifest"));
    }
    Ok(m)
}

fn add(m: &mut Manifest, info: AofInfo) -> Result<(), LoadError> {
    match info.kind {
        FileType::Base if m.base.is_some() => Err(manifest_error("Found duplicate base file information")),
        FileType::Base => {
            m.base = Some(info);
            Ok(())
        }
        FileType::History => {
            m.history.push(info);
            Ok(())
        }
        FileType::Incr => {
            if m.incrs.last().is_some_and(|last| info.seq <= last.seq) {
                return Err(manifest_error("Found a non-monotonic sequence number"));
            }
            m.incrs.push(info);
            Ok(())
        }
    }
}

fn parse_line(line: &str) -> Result<AofInfo, LoadError> {
    let tokens = split_args(line).ok_or_else(|| manifest_error("Invalid AOF manifest file format"))?;
    if tokens.len() < 6 || tokens.len() % 2 != 0 {
        return Err(manifest_error("Invalid AOF manifest file format"));
    }
    let (mut name, mut seq, mut kind) = (None, None, None);
    for pair in tokens.chunks(2) {
        match pair[0].to_ascii_lowercase().as_str() {
            "file" => name = Some(pair[1].clone()),
            "seq" => seq = pair[1].parse::<i64>().ok(),
            "type" => kind = Some(pair[1].clone()),
            _ => {}
        }
    }
    let name = name.ok_or_else(|| manifest_error("Invalid AOF manifest file format"))?;
    if name.contains('/') || name.is_empty() || name == "." || name == ".." {
        return Err(manifest_error("File can't be a path, just a filename"));
    }
    let seq = seq.ok_or_else(|| manifest_error("Invalid AOF manifest file format"))?;
    let kind = match kind.as_deref() {
        Some("b") => FileType::Base,
        Some("h") => FileType::History,
        Some("i") => FileType::Incr,
        _ => return Err(manifest_error("Unknown AOF file type")),
    };
    Ok(AofInfo { name, seq, kind })
}

/// `sdssplitargs` for manifest lines: whitespace-separated tokens, `"..."` with `\"`/`\\`
/// escapes (and `\n`, `\r`, `\t`, `\xHH`). `None` on unbalanced quotes.
fn split_args(line: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&first) = chars.peek() else { return Some(out) };
        let mut token = String::new();
        if first == '"' {
            chars.next();
            loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => token.push(unescape(&mut chars)?),
                    c => token.push(c),
                }
            }
            if chars.peek().is_some_and(|c| !c.is_whitespace()) {
                return None;
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                token.push(c);
                chars.next();
            }
        }
        out.push(token);
    }
}

fn unescape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<char> {
    Some(match chars.next()? {
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'x' => {
            let hex: String = [chars.next()?, chars.next()?].iter().collect();
            char::from(u8::from_str_radix(&hex, 16).ok()?)
        }
        c => c,
    })
}

fn dir_path(s: &Server) -> PathBuf {
    PathBuf::from(&s.config.dir).join(APPENDDIRNAME)
}

fn manifest_path(s: &Server) -> PathBuf {
    dir_path(s).join(format!("{}.manifest", s.config.appendfilename))
}

pub fn manifest_exists(s: &Server) -> bool {
    exists(s, &manifest_path(s))
}

/// Load every file of the manifest, then convert to Keel's single file (see the module doc).
pub fn load_and_convert(s: &mut Server) -> Result<(), LoadError> {
    let mpath = manifest_path(s);
    let text = read_whole(&*s.env.fs, &mpath).map_err(|error| LoadError::Io { file: mpath.display().to_string(), error })?;
    let manifest = parse_manifest(&text)?;
    load_dir(s, &manifest)?;
    super::rewrite::rewrite_sync(s).map_err(|m| manifest_error(format!("Converting the multi-part AOF failed: {m}")))?;
    let converted = PathBuf::from(format!("{}.keel-converted", mpath.display()));
    s.env.fs.rename(&mpath, &converted).map_err(|error| LoadError::Io { file: mpath.display().to_string(), error })?;
    let _ = s.env.fs.fsync_dir(&dir_path(s));
    s.log_notice(&format!(
        "Converted the multi-part AOF in {APPENDDIRNAME}/ to the single file {}; its manifest is now {}",
        s.config.appendfilename,
        converted.display()
    ));
    Ok(())
}

/// Replay the files of `manifest` in order.
pub fn load_dir(s: &mut Server, manifest: &Manifest) -> Result<(), LoadError> {
    let files = manifest.load_order();
    let dir = dir_path(s);
    for (i, info) in files.iter().enumerate() {
        let path = dir.join(&info.name);
        if !exists(s, &path) {
            return Err(manifest_error(format!("The AOF file {} doesn't exist", info.name)));
        }
        let last = i + 1 == files.len();
        let loaded = load_file(s, &path, last)?;
        let kind = if info.kind == FileType::Base { "base" } else { "incr" };
        s.log_notice(&format!("DB loaded from {kind} file {}: {} commands", info.name, loaded.commands));
        s.aof.loaded_truncated |= loaded.truncated;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_example_manifest() {
        let m = parse_manifest(b"file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n").expect("valid");
        let names: Vec<&str> = m.load_order().iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["appendonly.aof.2.base.aof", "appendonly.aof.2.incr.aof"]);
    }

    #[test]
    fn history_comments_quotes_and_extra_pairs() {
        let text = b"# comment\nfile appendonly.aof.3.base.rdb seq 3 type b\nfile \"a b.aof\" seq 2 type h\nfile appendonly.aof.3.incr.aof seq 3 type i future x\n";
        let m = parse_manifest(text).expect("valid");
        assert_eq!(m.history[0].name, "a b.aof");
        assert_eq!(m.load_order().len(), 2);
    }

    #[test]
    fn bad_manifests_are_refused() {
        for text in [
            &b""[..],
            b"file a seq 1\n",
            b"file a seq 1 type x\n",
            b"file ../a seq 1 type b\n",
            b"file a seq 1 type b\nfile b seq 1 type b\n",
            b"file a seq 2 type i\nfile b seq 1 type i\n",
            b"file \"a seq 1 type b\n",
        ] {
            assert!(parse_manifest(text).is_err(), "{}", String::from_utf8_lossy(text));
        }
    }
}
