//! `keel-check-aof [--fix] FILE`: reports and repairs like Redis 7.0's `redis-check-aof`
//! (same messages, offsets and line numbers), for a single AOF file or a Redis 7 manifest.
//!
//! A file is valid up to the start of the first command that does not parse (or of an
//! unterminated `MULTI`); `--fix` asks `Continue? [y/N]` and truncates it there (only the last
//! file of a manifest). Errors are printed as `0x<16-wide hex offset>: <message>`.

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

/// Walk `file` from offset 0, counting lines from `line`.
pub fn analyze(file: FileRef, name: &str, line: u64) -> io::Result<Analysis> {
    let mut reader = Reader::new(file, 0)?;
    reader.line = line;
    let mut ok_up_to = 0;
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

/// The checker's I/O: the file system, the terminal.
pub struct Tool<'a> {
    pub fs: &'a dyn Fs,
    pub stdin: &'a mut dyn BufRead,
    pub out: &'a mut dyn Write,
}

/// How one file ended.
enum Outcome {
    Valid,
    Truncated,
    Invalid,
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
        let outcome = self.check_file(&path, &path.display().to_string(), fix, true, 1)?.0;
        self.finish_single(&path.display().to_string(), outcome)
    }

    fn finish_single(&mut self, name: &str, outcome: Outcome) -> io::Result<i32> {
        match outcome {
            Outcome::Valid => writeln!(self.out, "AOF {name} is valid")?,
            Outcome::Truncated => writeln!(self.out, "Successfully truncated AOF {name}")?,
            Outcome::Invalid => return Ok(1),
        }
        Ok(0)
    }

    /// Check one file; returns the outcome and the line count after it.
    fn check_file(&mut self, path: &Path, name: &str, fix: bool, last: bool, line: u64) -> io::Result<(Outcome, u64)> {
        let file = self.fs.open(path, OpenOptions::EXISTING)?;
        let mut magic = [0u8; 5];
        if file.read_at(0, &mut magic)? == 5 && &magic == b"REDIS" {
            writeln!(self.out, "The AOF appears to start with an RDB preamble.")?;
            writeln!(self.out, "Checking RDB preambles is not supported yet by keel-check-aof.")?;
            return Ok((Outcome::Invalid, line));
        }
        let a = analyze(file.clone(), name, line)?;
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
            if info.kind == FileType::Base {
                writeln!(self.out, "Start to check BASE AOF (RESP format).")?;
            } else if i == 0 || files[i - 1].kind == FileType::Base {
                writeln!(self.out, "Start to check INCR files.")?;
            }
            let (outcome, next) = self.check_file(&dir.join(&info.name), &info.name, fix, last, line)?;
            line = next;
            match (outcome, info.kind) {
                (Outcome::Invalid, _) => return Ok(1),
                (Outcome::Truncated, _) => writeln!(self.out, "Successfully truncated AOF {}", info.name)?,
                (Outcome::Valid, FileType::Base) => writeln!(self.out, "BASE AOF {} is valid", info.name)?,
                (Outcome::Valid, _) => writeln!(self.out, "INCR AOF {} is valid", info.name)?,
            }
        }
        writeln!(self.out, "All AOF files and manifest are valid")?;
        Ok(0)
    }
}
