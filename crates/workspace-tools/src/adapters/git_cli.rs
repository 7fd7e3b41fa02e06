//! The git CLI adapter: what a release writes (commits, tags, pushes) runs through the user's
//! own `git`, so their hooks, signing and credentials apply.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::Error;

/// Runs the user's own `git ARGS` in `dir` (so their hooks, signing and credentials apply),
/// with `stdin` and extra `env`, returning its trimmed stdout.
pub fn run(
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
