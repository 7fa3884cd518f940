//! Disk-operation sites: *which* state-changing operation on *which* kind of file a SimFs call
//! was, so crashes can be counted by the site they landed after ("RDB temp write", "AOF fsync",
//! "AOF rewrite rename", "dir fsync", …).
//!
//! A file's [`FileClass`] is fixed when it is opened, from its name (the engine's default
//! names: `appendonly.aof`, `dump.rdb`, `temp-<pid>.rdb`, `temp-rewriteaof-bg-<pid>.aof` written
//! by the rewrite child, `temp-rewriteaof-<pid>.aof` of a foreground rewrite) and from who opened
//! it (a forked child or the server). Only operations that change what a crash can leave are
//! sites: create, truncate, write, `set_len`, fsync (also a failed one: it drops pending data),
//! rename, unlink, directory fsync and directory creation. Reads, `len`, `list` and close are not.

/// What kind of file an operation touched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileClass {
    /// `appendonly.aof`.
    Aof,
    /// `temp-rewriteaof-*.aof` opened by a forked child (the rewrite's snapshot).
    RewriteChild,
    /// `temp-rewriteaof-*.aof` opened by the server (the done handler appending the rewrite
    /// buffer, or a foreground rewrite).
    RewriteParent,
    /// `temp-<pid>.rdb` (BGSAVE child or foreground SAVE).
    RdbTemp,
    /// `dump.rdb`.
    Rdb,
    /// A directory (fsync, creation).
    Dir,
    /// Any other file.
    Other,
}

/// A state-changing disk operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DiskOp {
    Create,
    /// An open with `truncate` of an existing file.
    Truncate,
    Write,
    SetLen,
    Fsync,
    Rename,
    Unlink,
    FsyncDir,
    CreateDir,
}

/// One disk-operation site.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Site {
    pub class: FileClass,
    pub op: DiskOp,
}

/// Sites the engine's persistence paths perform after start-up (the report calls out those no
/// crash hit). `AOF create` is not listed: the AOF is created only at start-up, which fsyncs
/// the directory right after, and crashes are not injected inside a start-up.
pub const EXPECTED_SITES: &[&str] = &[
    "AOF write",
    "AOF fsync",
    "AOF set_len",
    "rewrite child create",
    "rewrite child write",
    "rewrite child fsync",
    "rewrite parent write",
    "rewrite parent fsync",
    "AOF rewrite rename",
    "rewrite temp unlink",
    "RDB temp create",
    "RDB temp write",
    "RDB temp fsync",
    "RDB rename",
    "RDB temp unlink",
    "dir fsync",
];

impl FileClass {
    /// The class of the file `name` opened by the server (`by_child` false) or a forked child.
    pub fn of(name: &str, by_child: bool) -> FileClass {
        if name == "appendonly.aof" {
            FileClass::Aof
        } else if name.starts_with("temp-rewriteaof-") {
            if by_child {
                FileClass::RewriteChild
            } else {
                FileClass::RewriteParent
            }
        } else if name.starts_with("temp-") && name.ends_with(".rdb") {
            FileClass::RdbTemp
        } else if name == "dump.rdb" {
            FileClass::Rdb
        } else {
            FileClass::Other
        }
    }

    fn name(self) -> &'static str {
        match self {
            FileClass::Aof => "AOF",
            FileClass::RewriteChild => "rewrite child",
            FileClass::RewriteParent => "rewrite parent",
            FileClass::RdbTemp => "RDB temp",
            FileClass::Rdb => "RDB",
            FileClass::Dir => "dir",
            FileClass::Other => "other",
        }
    }
}

impl DiskOp {
    fn name(self) -> &'static str {
        match self {
            DiskOp::Create => "create",
            DiskOp::Truncate => "truncate",
            DiskOp::Write => "write",
            DiskOp::SetLen => "set_len",
            DiskOp::Fsync => "fsync",
            DiskOp::Rename => "rename",
            DiskOp::Unlink => "unlink",
            DiskOp::FsyncDir => "fsync",
            DiskOp::CreateDir => "create",
        }
    }
}

impl Site {
    pub fn new(class: FileClass, op: DiskOp) -> Site {
        Site { class, op }
    }

    /// The report's name of this site, e.g. `"RDB temp write"`, `"AOF rewrite rename"`.
    pub fn label(self) -> String {
        use FileClass as C;
        match (self.class, self.op) {
            (C::RewriteChild | C::RewriteParent, DiskOp::Rename) => "AOF rewrite rename".into(),
            (C::RewriteChild | C::RewriteParent, DiskOp::Unlink) => "rewrite temp unlink".into(),
            (C::RdbTemp, DiskOp::Rename) => "RDB rename".into(),
            (class, op) => format!("{} {}", class.name(), op.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_map_to_classes_and_labels() {
        assert_eq!(FileClass::of("appendonly.aof", false), FileClass::Aof);
        assert_eq!(FileClass::of("temp-rewriteaof-bg-4242.aof", true), FileClass::RewriteChild);
        assert_eq!(FileClass::of("temp-rewriteaof-bg-4242.aof", false), FileClass::RewriteParent);
        assert_eq!(FileClass::of("temp-4242.rdb", true), FileClass::RdbTemp);
        assert_eq!(FileClass::of("dump.rdb", false), FileClass::Rdb);
        assert_eq!(FileClass::of("notes.txt", false), FileClass::Other);
        assert_eq!(Site::new(FileClass::RdbTemp, DiskOp::Rename).label(), "RDB rename");
        assert_eq!(Site::new(FileClass::RewriteParent, DiskOp::Rename).label(), "AOF rewrite rename");
        assert_eq!(Site::new(FileClass::Dir, DiskOp::FsyncDir).label(), "dir fsync");
        assert_eq!(Site::new(FileClass::RewriteChild, DiskOp::Write).label(), "rewrite child write");
        let labels: Vec<String> = [
            Site::new(FileClass::Aof, DiskOp::Write),
            Site::new(FileClass::RdbTemp, DiskOp::Write),
            Site::new(FileClass::RewriteParent, DiskOp::Unlink),
        ]
        .iter()
        .map(|s| s.label())
        .collect();
        assert!(labels.iter().all(|l| EXPECTED_SITES.contains(&l.as_str())), "{labels:?}");
    }
}
