//! `keel-check-aof [--fix] FILE`: reports and repairs like Redis 7.0's `redis-check-aof`
//! (same messages, offsets and line numbers), for a single AOF file or a Redis 7 manifest.
//!
//! A file is valid up to the start of the first command that does not parse (or of an
//! unterminated `MULTI`); `--fix` asks `Continue? [y/N]` and truncates it there (only the last
//! file of a manifest). Errors are printed as `0x<16-wide hex offset>: <message>`.
//!
//! A file of at least 8 bytes starting with `REDIS` (Redis's `fileIsRDB`: an old-style file
//! with an RDB preamble, or a multi-part `*.base.rdb`) is first checked by the RDB checker
//! (`rdb::check`), which prints what Debian's `redis-check-rdb` prints; a bad RDB part ends
//! the check with `RDB preamble of AOF file is not sane, aborting.` (exit 1, nothing is ever
//! truncated), a good one with `RDB preamble is OK, proceeding with AOF tail...`, and the RESP
//! tail is then analysed from the byte after the RDB checksum: `--fix` only truncates that
//! tail.

use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};

use super::multipart::{parse_manifest, FileType};
use super::reader::{Item, ReadError, Reader};
use crate::env::{read_whole, FileRef, Fs, OpenOptions};

/// What the walk of one file found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Analysis {
    pub size: u64,
    /// Offset after the last good command (outside MULTI).
    pub ok_up_to: u64,
    pub line: u64,
    /// The first error, formatted as `redis-check-aof` prints it.
    pub error: Option<String>,
}

impl Analysis {
    pub fn diff(&self) -> u64 {
        self.size - self.ok_up_to
    }
}

fn at(epos: u64, msg: &str) -> String {
    format!("0x{epos:16x}: {msg}")
}

/// Walk `file` from offset `start` (0, or the end of an RDB preamble), counting lines from
/// `line`.
pub fn analyze(file: FileRef, name: &str, line: u64, start: u64) -> io::Result<Analysis> {
    let mut reader = Reader::new(file, start)?;
    reader.line = line;
    let mut ok_up_to = start;
    let mut multi = 0u32;
    let mut error = None;
    loop {
        if multi == 0 {
            ok_up_to = reader.offset();
        }
        match reader.peek()? {
            None => break,
            Some(b'*') | Some(b'#') => {}
            Some(_) => {
                error = Some(format!("AOF {name} format error"));
                break;
            }
        }
        match reader.next_item() {
            Ok(None) => break,
            Ok(Some(Item::Annotation(_))) => {}
            Ok(Some(Item::Command(argv))) => {
                if let Err(msg) = track_multi(&argv[0], &mut multi, name) {
                    error = Some(at(reader.epos, &msg));
                    break;
                }
            }
            Err(ReadError::Io(e)) => return Err(e),
            Err(ReadError::Bad { offset, message, .. }) => {
                error = Some(at(offset, &message));
                break;
            }
        }
    }
    if error.is_none() && multi > 0 {
        error = Some(at(reader.epos, "Reached EOF before reading EXEC for MULTI"));
    }
    Ok(Analysis { size: reader.file_len(), ok_up_to, line: reader.line, error })
}

fn track_multi(name: &[u8], multi: &mut u32, file: &str) -> Result<(), String> {
    if name.eq_ignore_ascii_case(b"multi") {
        if *multi > 0 {
            return Err(format!("Unexpected MULTI in AOF {file}"));
        }
        *multi = 1;
    } else if name.eq_ignore_ascii_case(b"exec") {
        if *multi == 0 {
            return Err(format!("Unexpected EXEC in AOF {file}"));
        }
        *multi = 0;
    }
    Ok(())
}

/// The checker's I/O: the file system, the terminal, the time (for the RDB checker's
/// "already expired" count).
pub struct Tool<'a> {
    pub fs: &'a dyn Fs,
    pub stdin: &'a mut dyn BufRead,
    pub out: &'a mut dyn Write,
    pub now_ms: i64,
}

/// How one file ended.
enum Outcome {
    Valid,
    Empty,
    Truncated,
    Invalid,
}

/// Redis's `fileIsRDB`: at least room for the RDB header, and the `REDIS` magic.
fn is_rdb(file: &FileRef) -> io::Result<bool> {
    let mut magic = [0u8; 5];
    Ok(file.len()? >= 8 && file.read_at(0, &mut magic)? == 5 && &magic == crate::rdb::format::MAGIC)
}

impl Tool<'_> {
    /// Run with command-line arguments (without the program name); returns the exit code.
    pub fn run(&mut self, args: &[String]) -> io::Result<i32> {
        let (fix, path) = match args {
            [path] if path != "--fix" => (false, path),
            [flag, path] if flag == "--fix" => (true, path),
            _ => {
                writeln!(self.out, "Usage: keel-check-aof [--fix] <file.manifest|file.aof>")?;
                return Ok(1);
            }
        };
        let path = PathBuf::from(path);
        if path.extension().is_some_and(|e| e == "manifest") {
            return self.check_manifest(&path, fix);
        }
        writeln!(self.out, "Start checking Old-Style AOF")?;
        let name = path.display().to_string();
        let outcome = self.check_file(&path, &name, fix, true, 1, true)?.0;
        self.print_outcome(outcome, &name, "AOF")
    }

    /// `printAofStyle`: the closing line of one file; the exit code so far.
    fn print_outcome(&mut self, outcome: Outcome, name: &str, kind: &str) -> io::Result<i32> {
        match outcome {
            Outcome::Valid => writeln!(self.out, "{kind} {name} is valid")?,
            Outcome::Empty => writeln!(self.out, "{kind} {name} is empty")?,
            Outcome::Truncated => writeln!(self.out, "Successfully truncated AOF {name}")?,
            Outcome::Invalid => return Ok(1),
        }
        Ok(0)
    }

    /// Check the RDB part of `file` (named `name`) and print the RDB checker's report; the
    /// offset where the RESP tail starts, or `None` if the RDB part is not sane.
    fn check_preamble(&mut self, path: &Path, name: &str) -> io::Result<Option<u64>> {
        let buf = read_whole(self.fs, path)?;
        let report = crate::rdb::check::check(&buf, name, self.now_ms);
        for line in &report.redis_lines {
            writeln!(self.out, "{line}")?;
        }
        match report.end_offset.filter(|_| report.is_ok()) {
            Some(end) => {
                writeln!(self.out, "RDB preamble is OK, proceeding with AOF tail...")?;
                Ok(Some(end))
            }
            None => {
                writeln!(self.out, "RDB preamble of AOF file is not sane, aborting.")?;
                Ok(None)
            }
        }
    }

    /// Check one file; returns the outcome and the line count after it. `rdb_allowed`: the
    /// file may start with an RDB part (an old-style file or a base; Redis checks incr files
    /// as RESP only).
    fn check_file(&mut self, path: &Path, name: &str, fix: bool, last: bool, line: u64, rdb_allowed: bool) -> io::Result<(Outcome, u64)> {
        let file = self.fs.open(path, OpenOptions::EXISTING)?;
        if file.len()? == 0 {
            return Ok((Outcome::Empty, line));
        }
        let mut start = 0;
        if rdb_allowed && is_rdb(&file)? {
            match self.check_preamble(path, name)? {
                Some(end) => start = end,
                None => return Ok((Outcome::Invalid, line)),
            }
        }
        let a = analyze(file.clone(), name, line, start)?;
        if let Some(e) = &a.error {
            writeln!(self.out, "{e}")?;
        }
        writeln!(self.out, "AOF analyzed: filename={name}, size={}, ok_up_to={}, ok_up_to_line={}, diff={}", a.size, a.ok_up_to, a.line, a.diff())?;
        if a.diff() == 0 {
            return Ok((Outcome::Valid, a.line));
        }
        if !fix {
            writeln!(self.out, "AOF {name} is not valid. Use the --fix option to try fixing it.")?;
            return Ok((Outcome::Invalid, a.line));
        }
        if !last {
            writeln!(self.out, "Failed to truncate AOF {name} because it is not the last file")?;
            return Ok((Outcome::Invalid, a.line));
        }
        writeln!(self.out, "This will shrink the AOF {name} from {} bytes, with {} bytes, to {} bytes", a.size, a.diff(), a.ok_up_to)?;
        write!(self.out, "Continue? [y/N]: ")?;
        self.out.flush()?;
        let mut answer = String::new();
        self.stdin.read_line(&mut answer)?;
        if !answer.trim_start().to_ascii_lowercase().starts_with('y') {
            writeln!(self.out, "Aborting...")?;
            return Ok((Outcome::Invalid, a.line));
        }
        if file.set_len(a.ok_up_to).and_then(|()| file.fsync()).is_err() {
            writeln!(self.out, "Failed to truncate AOF {name}")?;
            return Ok((Outcome::Invalid, a.line));
        }
        Ok((Outcome::Truncated, a.line))
    }

    fn check_manifest(&mut self, path: &Path, fix: bool) -> io::Result<i32> {
        writeln!(self.out, "Start checking Multi Part AOF")?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let manifest = match parse_manifest(&read_whole(self.fs, path)?) {
            Ok(m) => m,
            Err(e) => {
                writeln!(self.out, "{e}")?;
                return Ok(1);
            }
        };
        let files = manifest.load_order();
        let mut line = 1;
        for (i, info) in files.iter().enumerate() {
            let last = i + 1 == files.len();
            let path = dir.join(&info.name);
            if info.kind == FileType::Base {
                let format = if is_rdb(&self.fs.open(&path, OpenOptions::EXISTING)?)? { "RDB" } else { "RESP" };
                writeln!(self.out, "Start to check BASE AOF ({format} format).")?;
            } else if i == 0 || files[i - 1].kind == FileType::Base {
                writeln!(self.out, "Start to check INCR files.")?;
            }
            let base = info.kind == FileType::Base;
            let (outcome, next) = self.check_file(&path, &info.name, fix, last, line, base)?;
            line = next;
            let kind = if base { "BASE AOF" } else { "INCR AOF" };
            if self.print_outcome(outcome, &info.name, kind)? != 0 {
                return Ok(1);
            }
        }
        writeln!(self.out, "All AOF files and manifest are valid")?;
        Ok(0)
    }
}
