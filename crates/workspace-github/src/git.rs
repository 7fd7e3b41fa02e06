//! The user's own `git` for what the bots write: the release branch's commit (built with
//! plumbing in a private index, so the checkout is never touched), tags, and pushes.

use std::path::Path;

use workspace_tools::Error;

pub(crate) use workspace_tools::git::run;

/// Commits `files` (paths relative to the workspace root `root`, with their new contents) on
/// top of `HEAD` without touching the work tree or the index, and returns the commit id.
pub(crate) fn commit_on_head(
    root: &Path,
    files: &[(&str, &str)],
    message: &str,
) -> Result<String, Error> {
    let prefix = run(root, &["rev-parse", "--show-prefix"], None, &[])?;
    let index = root.join(run(
        root,
        &["rev-parse", "--git-path", "workspace-tools-release.index"],
        None,
        &[],
    )?);
    let env = [("GIT_INDEX_FILE", index.as_path())];
    let result = (|| {
        run(root, &["read-tree", "HEAD"], None, &env)?;
        for (path, text) in files {
            let blob = run(root, &["hash-object", "-w", "--stdin"], Some(text), &[])?;
            let info = format!("100644,{blob},{prefix}{path}");
            run(
                root,
                &["update-index", "--add", "--cacheinfo", &info],
                None,
                &env,
            )?;
        }
        let tree = run(root, &["write-tree"], None, &env)?;
        run(
            root,
            &["commit-tree", &tree, "-p", "HEAD", "-F", "-"],
            Some(message),
            &[],
        )
    })();
    let _ = std::fs::remove_file(&index);
    result
}

/// Where `branch` is on `remote`, fetched into `FETCH_HEAD` so its history can be read; `None`
/// when the branch does not exist.
pub(crate) fn fetch_branch(
    root: &Path,
    remote: &str,
    branch: &str,
) -> Result<Option<String>, Error> {
    let refname = format!("refs/heads/{branch}");
    if run(root, &["ls-remote", remote, &refname], None, &[])?.is_empty() {
        return Ok(None);
    }
    run(
        root,
        &["fetch", "--quiet", "--no-tags", remote, &refname],
        None,
        &[],
    )?;
    run(root, &["rev-parse", "FETCH_HEAD"], None, &[]).map(Some)
}

/// Force-pushes `commit` to `branch` on `remote`, but only if the branch is still at
/// `expected` (or still absent, for `None`), the commit whose history was checked: a push made
/// since is never overwritten.
pub(crate) fn push_branch(
    root: &Path,
    remote: &str,
    commit: &str,
    branch: &str,
    expected: Option<&str>,
) -> Result<(), Error> {
    let refname = format!("refs/heads/{branch}");
    let lease = format!(
        "--force-with-lease={refname}:{}",
        expected.unwrap_or_default()
    );
    let refspec = format!("{commit}:{refname}");
    run(
        root,
        &["push", "--quiet", &lease, remote, &refspec],
        None,
        &[],
    )?;
    Ok(())
}
