//! End to end: actors signed with `wash`, started on a real `host` process and called with
//! `wash call`; hostile actors get error replies while the host goes on answering. Loopback
//! only; the host is killed when the test ends.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use clap::Parser;
use host::test_actors;

/// Runs `wash` (its library, the code the binary runs) with `args`; its output or its error.
fn wash(args: &[&str]) -> Result<Vec<u8>, String> {
    let cli = wash::Cli::try_parse_from(std::iter::once("wash").chain(args.iter().copied()))
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    match wash::run(cli, &mut out) {
        Ok(()) => Ok(out),
        Err(err) => Err(format!("{:#}", anyhow::Error::new(err))),
    }
}

fn wash_ok(args: &[&str]) -> String {
    let out = wash(args).unwrap_or_else(|err| panic!("wash {args:?} failed: {err}"));
    String::from_utf8(out).expect("utf-8 output")
}

fn path(p: &Path) -> &str {
    p.to_str().expect("temp paths are unicode")
}

/// Keys made with `wash keys gen`, and the place actors are written to.
struct Workspace {
    dir: tempfile::TempDir,
    issuer: String,
    issuer_seed: PathBuf,
    controller: String,
    controller_seed: PathBuf,
}

impl Workspace {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let issuer_seed = dir.path().join("issuer.nk");
        let controller_seed = dir.path().join("user.nk");
        let issuer = wash_ok(&["keys", "gen", "account", "--out", path(&issuer_seed)]);
        let controller = wash_ok(&["keys", "gen", "user", "--out", path(&controller_seed)]);
        Workspace {
            dir,
            issuer: issuer.trim().to_owned(),
            issuer_seed,
            controller: controller.trim().to_owned(),
            controller_seed,
        }
    }

    /// `component` signed with `wash claims sign` as `name`, granting `caps`.
    fn sign(&self, name: &str, component: &[u8], caps: &[&str]) -> PathBuf {
        let unsigned = self.dir.path().join(format!("{name}.wasm"));
        std::fs::write(&unsigned, component).expect("component written");
        let signed = self.dir.path().join(format!("{name}_s.wasm"));
        let mut args = vec![
            "claims",
            "sign",
            path(&unsigned),
            "--issuer-seed",
            path(&self.issuer_seed),
            "--name",
            name,
            "-o",
            path(&signed),
        ];
        for cap in caps {
            args.extend(["--cap", cap]);
        }
        wash_ok(&args);
        signed
    }
}

/// A `host` process on a loopback port, killed when dropped.
struct HostProcess {
    child: Child,
    addr: String,
    seed: PathBuf,
}

impl HostProcess {
    fn start(workspace: &Workspace, flags: &[&str]) -> Self {
        Self::start_with(workspace, flags, Stdio::inherit())
    }

    /// Like [`HostProcess::start`], with the host's standard error going to `stderr`.
    fn start_with(workspace: &Workspace, flags: &[&str], stderr: Stdio) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_host"))
            .args(["--listen", "127.0.0.1:0", "--trust", &workspace.issuer])
            .args(["--trust-ctl", &workspace.controller])
            .args(flags)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("host starts");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().expect("piped"))
            .read_line(&mut line)
            .expect("host prints its address");
        let addr = host::cli::listening_address(&line)
            .unwrap_or_else(|| panic!("unexpected first line: {line}"))
            .to_owned();
        HostProcess {
            child,
            addr,
            seed: workspace.controller_seed.clone(),
        }
    }

    /// `wash` with `args` and this host's address and seed.
    fn wash(&self, args: &[&str]) -> Result<Vec<u8>, String> {
        let at = ["--host", self.addr.as_str(), "--seed", path(&self.seed)];
        wash(&[args, &at[..]].concat())
    }

    /// Starts the signed actor at `module`; returns its id.
    fn start_actor(&self, module: &Path) -> Result<String, String> {
        let out = self.wash(&["ctl", "start", path(module)])?;
        let out = String::from_utf8(out).expect("utf-8");
        let id = out
            .strip_prefix("started actor ")
            .and_then(|rest| rest.split(' ').next())
            .unwrap_or_else(|| panic!("unexpected output: {out}"));
        Ok(id.to_owned())
    }

    fn call(&self, actor_id: &str, data: &str) -> Result<Vec<u8>, String> {
        self.wash(&["call", actor_id, "--data", data])
    }

    fn ping(&self) {
        let pong = self.wash(&["ctl", "ping"]).expect("host answers pings");
        assert!(String::from_utf8_lossy(&pong).contains("is up"));
    }
}

impl Drop for HostProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn signed_actors_answer_calls_and_hostile_ones_get_errors_while_the_host_goes_on() {
    let workspace = Workspace::new();
    let reverse = workspace.sign("reverse", &test_actors::reverse(), &[]);
    let host = HostProcess::start(
        &workspace,
        &["--call-timeout-ms", "1000", "--actor-memory", "8"],
    );
    let reverse = host.start_actor(&reverse).expect("reverse starts");
    assert_eq!(
        host.call(&reverse, "stressed").expect("replies"),
        b"desserts"
    );

    let request = workspace.dir.path().join("request.bin");
    std::fs::write(&request, [0, 1, 2, 255]).expect("request written");
    let binary = host.wash(&["call", &reverse, "--data-file", path(&request)]);
    assert_eq!(binary.expect("replies"), [255, 2, 1, 0]);
    let json = host.wash(&["call", &reverse, "--data", "ab", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&json.expect("replies")).expect("json");
    assert_eq!(json["actor_id"], reverse.as_str());
    assert_eq!(
        (&json["data"], &json["text"]),
        (&"YmE=".into(), &"ba".into())
    );

    for (name, component, expected) in [
        ("trapping", test_actors::trapping(), "unreachable"),
        ("looping", test_actors::looping(), "call timeout of 1s"),
        ("sleeping", test_actors::sleeping(), "call timeout of 1s"),
        (
            "hungry",
            test_actors::memory_hungry(),
            "over the limit of 8388608 bytes",
        ),
    ] {
        let actor = host
            .start_actor(&workspace.sign(name, &component, &[]))
            .expect("hostile actors start: nothing shows until they run");
        let err = host.call(&actor, "x").expect_err(name);
        assert!(
            err.contains(&format!("call to actor {actor} failed")) && err.contains(expected),
            "{name}: {err}"
        );
        host.ping();
        assert_eq!(host.call(&reverse, "ok").expect("still callable"), b"ko");
    }
    let missing = host.call("MNOTRUNNING", "x").expect_err("no such actor");
    assert!(
        missing.contains("actor MNOTRUNNING is not running"),
        "{missing}"
    );
}

#[test]
fn an_actor_importing_an_ungranted_interface_is_refused_at_start_naming_the_capability() {
    let workspace = Workspace::new();
    let host = HostProcess::start(&workspace, &[]);
    let ungranted = workspace.sign("random", &test_actors::random(), &["wasmcloud:httpserver"]);
    let refused = host.start_actor(&ungranted).expect_err("refused");
    assert!(
        refused.contains("imports wasi:random/random@0.2.0")
            && refused.contains("needs capability wasmcloud:builtin:numbergen"),
        "{refused}"
    );
    let inventory = host.wash(&["ctl", "inventory"]).expect("inventory");
    assert_eq!(inventory, b"no actors running\n");

    let granted = workspace.sign("random", &test_actors::random(), &[host::NUMBERGEN]);
    let actor = host.start_actor(&granted).expect("granted actor starts");
    let (first, second) = (host.call(&actor, ""), host.call(&actor, ""));
    let (first, second) = (first.expect("replies"), second.expect("replies"));
    assert_eq!((first.len(), second.len()), (8, 8));
    assert_ne!(first, second, "the host's random numbers");
}

#[test]
fn an_actor_flooding_its_log_cannot_stall_a_host_whose_standard_error_nobody_reads() {
    let workspace = Workspace::new();
    // The pipe is kept open and never read: once its buffer is full, a write to it blocks.
    let mut host =
        HostProcess::start_with(&workspace, &["--call-timeout-ms", "1000"], Stdio::piped());
    let reverse = workspace.sign("reverse", &test_actors::reverse(), &[]);
    let reverse = host.start_actor(&reverse).expect("reverse starts");
    let flood = workspace.sign("flood", &test_actors::flooding_stderr(), &[host::LOGGING]);
    let flood = host.start_actor(&flood).expect("flood starts");
    // Each call offers far more than a pipe holds, and as many calls as the host has workers
    // and more; each must end (here: its log stream closes) within the call timeout.
    for _ in 0..4 {
        let reply = host.call(&flood, "x");
        assert_eq!(reply.expect("the log stream closes, the call ends"), b"");
    }
    host.ping();
    assert_eq!(host.call(&reverse, "ok").expect("still callable"), b"ko");
    // What the actor wrote (its zeroed memory) did reach the host's standard error.
    let mut stderr = host.child.stderr.take().expect("piped");
    let mut logged = vec![1; host::MAX_CALL_LOG_LEN];
    stderr.read_exact(&mut logged).expect("a call's log");
    assert!(logged.iter().all(|&byte| byte == 0));
}
