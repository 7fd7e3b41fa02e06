//! What changed between two revisions: plain values, filled by the git adapter or by tests.

/// How a file changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileStatus {
    /// New at head.
    Added,
    /// Changed content or mode.
    Modified,
    /// Gone at head.
    Deleted,
}

/// One changed path, relative to the workspace root with `/` separators.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ChangedFile {
    /// The path (`../x` when outside the workspace root but inside the repository).
    pub path: String,
    /// How it changed.
    pub status: FileStatus,
}

impl ChangedFile {
    /// A changed path.
    pub fn new(path: impl Into<String>, status: FileStatus) -> ChangedFile {
        ChangedFile {
            path: path.into(),
            status,
        }
    }
}

/// The text of a file at the base and at the head; `None` where it does not exist.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileVersions {
    /// The content at the base revision.
    pub base: Option<String>,
    /// The content at the head revision or in the working tree.
    pub head: Option<String>,
}

/// Every changed path, plus the two versions of the files whose changes are read table by
/// table or entry by entry: the root `Cargo.toml` and `Cargo.lock`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeSet {
    /// The changed paths, sorted.
    pub files: Vec<ChangedFile>,
    /// Both versions of the root manifest, when it changed.
    pub root_manifest: Option<FileVersions>,
    /// Both versions of `Cargo.lock`, when it changed.
    pub lockfile: Option<FileVersions>,
}

impl ChangeSet {
    /// A change set of plain files (no manifest or lock file contents).
    pub fn from_files(files: impl IntoIterator<Item = ChangedFile>) -> ChangeSet {
        let mut files: Vec<_> = files.into_iter().collect();
        files.sort();
        files.dedup();
        ChangeSet {
            files,
            root_manifest: None,
            lockfile: None,
        }
    }
}
