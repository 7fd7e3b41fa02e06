//! The release's writes to version control behind one port, [`Vcs`]: the tags, HEAD, the
//! release commit, annotated tags, pushes, and taking back tags a failed step made. It is
//! implemented once, [`GitCli`], over the user's own `git`, so their hooks, signing and
//! credentials apply; git2 stays for reading history.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::Error;

/// What `release --execute`, `release-pr` and `github-release` do to a repository.
pub trait Vcs {
    /// The commit `HEAD` points at.
    fn head(&self) -> Result<String, Error>;
    /// The name of every tag.
    fn tags(&self) -> Result<BTreeSet<String>, Error>;
    /// Commits exactly `paths` as they are in the working tree (anything else staged stays
    /// staged), `new` ones among them entering the index first; on failure the index is as it
    /// was. Returns the commit.
    fn commit(&self, paths: &[&str], new: &[&str], message: &str) -> Result<String, Error>;
    /// Commits `files` (relative path, content) on top of `HEAD` without touching the working
    /// tree, the index or any branch. Returns the commit.
    fn commit_beside(&self, files: &[(&str, &str)], message: &str) -> Result<String, Error>;
    /// An annotated tag `name` on `commit` whose message is exactly `message`.
    fn tag(&self, name: &str, commit: &str, message: &str) -> Result<(), Error>;
    /// Deletes `tags`, which this run created, after a later step failed.
    fn rollback(&self, tags: &[String]);
    /// Creates every tag of `tags`, or none: when one fails, those made before it are taken
    /// back. A rerun finishes a release from the tags it finds missing and pushes only those,
    /// so a tag left behind by a failed run would never reach the remote. Returns the names.
    fn tag_all(&self, tags: &[NewTag<'_>]) -> Result<Vec<String>, Error> {
        let mut made = Vec::with_capacity(tags.len());
        for tag in tags {
            if let Err(e) = self.tag(tag.name, tag.commit, tag.message) {
                self.rollback(&made);
                return Err(e);
            }
            made.push(tag.name.to_owned());
        }
        Ok(made)
    }
    /// Pushes `refs` to `remote` in one atomic push.
    fn push(&self, remote: &str, refs: &[String]) -> Result<(), Error>;
    /// Force-pushes `commit` to the branch of `lease` on `remote`, only if it is still where
    /// the lease expects.
    fn push_branch(&self, remote: &str, commit: &str, lease: Lease<'_>) -> Result<(), Error>;
    /// Where `branch` is on `remote`, fetched so its history can be read; `None` when absent.
    fn fetch_branch(&self, remote: &str, branch: &str) -> Result<Option<String>, Error>;
}

/// An annotated tag to create: `name` on `commit`, whose message is exactly `message`.
#[derive(Debug, Clone, Copy)]
pub struct NewTag<'a> {
    /// The tag's name.
    pub name: &'a str,
    /// The commit it goes on.
    pub commit: &'a str,
    /// Its message, kept byte for byte.
    pub message: &'a str,
}

/// A branch to overwrite only if it is still at `expected` (still absent, for `None`): the
/// commit whose history was checked, so that a push made since is never lost.
#[derive(Debug, Clone, Copy)]
pub struct Lease<'a> {
    /// The branch.
    pub branch: &'a str,
    /// Where it was seen.
    pub expected: Option<&'a str>,
}

/// [`Vcs`] over the user's `git`, run in the workspace root.
#[derive(Debug, Clone)]
pub struct GitCli {
    root: PathBuf,
}

impl GitCli {
    /// The repository of the workspace at `root`.
    pub fn new(root: &Path) -> GitCli {
        GitCli {
            root: root.to_owned(),
        }
    }

    /// The workspace root, where git runs.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `git ARGS` in the root with `stdin`, returning its trimmed stdout.
    pub fn git(&self, args: &[&str], stdin: Option<&str>) -> Result<String, Error> {
        run(&self.root, args, stdin, &[])
    }
}

impl Vcs for GitCli {
    fn head(&self) -> Result<String, Error> {
        self.git(&["rev-parse", "HEAD"], None)
    }

    fn tags(&self) -> Result<BTreeSet<String>, Error> {
        crate::adapters::release_history::tag_names_at(&self.root)
    }

    fn commit(&self, paths: &[&str], new: &[&str], message: &str) -> Result<String, Error> {
        // `--only` takes the paths' contents from the working tree through a temporary index:
        // anything else the user staged stays staged, out of the commit. A new file must be
        // known to the index to be named, so it enters as an intent to add, undone on failure.
        let committed = match new.is_empty() {
            true => Ok(String::new()),
            false => self.git(&[&["add", "--intent-to-add", "--"][..], new].concat(), None),
        }
        .and_then(|_| {
            let args = [
                &["commit", "--quiet", "--file", "-", "--only", "--"][..],
                paths,
            ]
            .concat();
            self.git(&args, Some(message))
        });
        if let Err(e) = committed {
            if !new.is_empty() {
                let _ = self.git(&[&["reset", "--quiet", "--"][..], new].concat(), None);
            }
            return Err(e);
        }
        self.head()
    }

    fn commit_beside(&self, files: &[(&str, &str)], message: &str) -> Result<String, Error> {
        let root = self.root.as_path();
        let prefix = self.git(&["rev-parse", "--show-prefix"], None)?;
        let index = root.join(self.git(
            &["rev-parse", "--git-path", "workspace-tools-release.index"],
            None,
        )?);
        let env = [("GIT_INDEX_FILE", index.as_path())];
        let result = (|| {
            run(root, &["read-tree", "HEAD"], None, &env)?;
            for (path, text) in files {
                let blob = self.git(&["hash-object", "-w", "--stdin"], Some(text))?;
                let info = format!("100644,{blob},{prefix}{path}");
                run(
                    root,
                    &["update-index", "--add", "--cacheinfo", &info],
                    None,
                    &env,
                )?;
            }
            let tree = run(root, &["write-tree"], None, &env)?;
            self.git(
                &["commit-tree", &tree, "-p", "HEAD", "-F", "-"],
                Some(message),
            )
        })();
        let _ = std::fs::remove_file(&index);
        result
    }

    fn tag(&self, name: &str, commit: &str, message: &str) -> Result<(), Error> {
        // `--cleanup=verbatim` keeps the changelog's `###` headings, which git's default
        // cleanup strips as comments.
        let args = [
            "tag",
            "--annotate",
            "--cleanup=verbatim",
            name,
            commit,
            "--file",
            "-",
        ];
        self.git(&args, Some(message)).map(|_| ())
    }

    fn rollback(&self, tags: &[String]) {
        for tag in tags {
            let _ = self.git(&["tag", "--delete", tag], None);
        }
    }

    fn push(&self, remote: &str, refs: &[String]) -> Result<(), Error> {
        let mut args = vec!["push", "--atomic", "--quiet", remote];
        args.extend(refs.iter().map(String::as_str));
        self.git(&args, None).map(|_| ())
    }

    fn push_branch(&self, remote: &str, commit: &str, lease: Lease<'_>) -> Result<(), Error> {
        let refname = format!("refs/heads/{}", lease.branch);
        let lease = format!(
            "--force-with-lease={refname}:{}",
            lease.expected.unwrap_or_default()
        );
        let refspec = format!("{commit}:{refname}");
        self.git(&["push", "--quiet", &lease, remote, &refspec], None)
            .map(|_| ())
    }

    fn fetch_branch(&self, remote: &str, branch: &str) -> Result<Option<String>, Error> {
        let refname = format!("refs/heads/{branch}");
        if self.git(&["ls-remote", remote, &refname], None)?.is_empty() {
            return Ok(None);
        }
        self.git(&["fetch", "--quiet", "--no-tags", remote, &refname], None)?;
        self.git(&["rev-parse", "FETCH_HEAD"], None).map(Some)
    }
}

/// Runs the user's own `git ARGS` in `dir` (so their hooks, signing and credentials apply),
/// with `stdin` and extra `env`, returning its trimmed stdout.
pub(crate) fn run(
    dir: &Path,
    args: &[&str],
    stdin: Option<&str>,
    env: &[(&str, &Path)],
) -> Result<String, Error> {
    use std::io::Write;
    let fail = |message: String| Error::Command {
        command: format!("git {}", args.join(" ")),
        message,
    };
    let mut command = Command::new("git");
    command
        .args(args)
        .current_dir(dir)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().map_err(|e| fail(e.to_string()))?;
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes())
            .map_err(|e| fail(e.to_string()))?;
    }
    let output = child.wait_with_output().map_err(|e| fail(e.to_string()))?;
    if !output.status.success() {
        return Err(fail(
            String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}
