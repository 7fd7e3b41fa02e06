//! A real registry server (cargo-http-registry) on loopback, started and stopped by the test,
//! and a workspace in a git repository with a bare `origin` that releases to it.
#![allow(dead_code)]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A running cargo-http-registry; stopped when dropped.
pub(crate) struct Registry {
    pub dir: PathBuf,
    pub addr: SocketAddr,
    child: Child,
}

impl Registry {
    /// Starts a registry storing its data in `dir`, on `addr` or a free loopback port.
    pub(crate) fn start(dir: &Path, addr: Option<SocketAddr>) -> Registry {
        let addr = addr.unwrap_or_else(|| {
            TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
        });
        crate::fixture::require_tool("cargo-http-registry");
        let child = Command::new("cargo-http-registry")
            .env("PATH", crate::fixture::test_tools_path())
            .arg(dir)
            .args(["--addr", &addr.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cargo-http-registry could not be started");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(addr).is_err() {
            assert!(
                Instant::now() < deadline,
                "the registry did not start on {addr}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Registry {
            dir: dir.to_owned(),
            addr,
            child,
        }
    }

    /// Stops the server, as a crash or an outage would.
    pub(crate) fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The `.cargo/config.toml` that names this registry `local` and makes it the default, so
    /// that path dependencies publish to it too.
    pub(crate) fn cargo_config(&self) -> String {
        format!(
            "[registries.local]\nindex = \"http://{}/git\"\n\n[registry]\ndefault = \"local\"\n\n[net]\ngit-fetch-with-cli = true\n",
            self.addr
        )
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Runs a command in `dir` with a private CARGO_HOME and the registry token, returning output.
pub(crate) fn run(dir: &Path, cargo_home: &Path, program: &str, args: &[&str]) -> Output {
    registry_command(program, dir, cargo_home)
        .args(args)
        .output()
        .unwrap()
}

/// `program` in `dir`, set up to talk to the loopback registry: a private CARGO_HOME, the
/// registry's token, and the network allowed even under `cargo xtask test` (which runs the
/// suite offline), since that registry is on loopback and the fixtures need nothing else.
pub(crate) fn registry_command(program: &str, dir: &Path, cargo_home: &Path) -> Command {
    let mut command = Command::new(program);
    command
        .current_dir(dir)
        .env("CARGO_HOME", cargo_home)
        .env("CARGO_REGISTRIES_LOCAL_TOKEN", "test-token")
        .env("CARGO_NET_OFFLINE", "false")
        .env("NO_COLOR", "1");
    command
}

// Not every test crate that includes this module uses it.
#[allow(unused_imports)]
pub(crate) use crate::fixture::git;

/// Whether the registry lists `name@version`, asked the way a user would.
pub(crate) fn has(dir: &Path, cargo_home: &Path, spec: &str) -> bool {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    run(
        dir,
        cargo_home,
        &cargo,
        &["info", "--quiet", spec, "--registry", "local"],
    )
    .status
    .success()
}
