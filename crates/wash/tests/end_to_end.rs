//! End to end: a real host on loopback, the real `wash` binary, a real signed module.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use host::{Host, TrustedIssuers};
use tokio::sync::oneshot;
use wascap::test_support::{answer_module, tamper};

/// Runs `wash` with `args` and no inherited seed variable.
fn wash(args: &[&str]) -> Output {
    wash_with_env(args, &[])
}

fn wash_with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wash"))
        .args(args)
        .env_remove("WASH_ISSUER_SEED")
        .envs(env.iter().copied())
        .output()
        .expect("wash runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs `wash` and insists it succeeds; returns its stdout.
fn wash_ok(args: &[&str]) -> String {
    let output = wash(args);
    assert!(
        output.status.success(),
        "wash {args:?} failed: {}",
        stderr(&output)
    );
    stdout(&output)
}

fn path(p: &Path) -> &str {
    p.to_str().expect("temp paths are unicode")
}

/// A host on a loopback port, stopped (and awaited) when dropped.
struct RunningHost {
    addr: String,
    stop: Option<oneshot::Sender<()>>,
    runtime: tokio::runtime::Runtime,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl RunningHost {
    fn start(trusted_issuer: &str) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let trust = TrustedIssuers::new([trusted_issuer]).expect("valid issuer");
        let host = runtime
            .block_on(Host::bind("127.0.0.1:0", trust))
            .expect("host binds");
        let addr = host.local_addr().to_string();
        let (stop, stopped) = oneshot::channel();
        let task = runtime.spawn(host.serve(async {
            let _ = stopped.await;
        }));
        RunningHost {
            addr,
            stop: Some(stop),
            runtime,
            task: Some(task),
        }
    }
}

impl Drop for RunningHost {
    fn drop(&mut self) {
        if let (Some(stop), Some(task)) = (self.stop.take(), self.task.take()) {
            let _ = stop.send(());
            let stopped = self
                .runtime
                .block_on(async { tokio::time::timeout(Duration::from_secs(10), task).await });
            assert!(stopped.is_ok(), "host did not shut down in time");
        }
    }
}

#[test]
fn signed_module_starts_through_wash_and_a_tampered_copy_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let seed_file = dir.path().join("account.nk");
    let issuer = wash_ok(&["keys", "gen", "account", "--out", path(&seed_file)]);
    let issuer = issuer.trim();
    assert!(issuer.starts_with('A'), "account key expected: {issuer}");
    let seed = std::fs::read_to_string(&seed_file).expect("seed written");

    let module = dir.path().join("answer.wasm");
    std::fs::write(&module, answer_module()).expect("module written");
    let sign = wash(&[
        "claims",
        "sign",
        path(&module),
        "--issuer-seed",
        path(&seed_file),
        "--name",
        "answer",
        "--ver",
        "1.2.3",
        "--cap",
        "wasmcloud:httpserver",
        "--expires-in",
        "3600",
    ]);
    assert!(sign.status.success(), "sign failed: {}", stderr(&sign));
    let signed = dir.path().join("answer_s.wasm");
    assert!(signed.exists(), "signed module beside the input");
    for output in [stdout(&sign), stderr(&sign)] {
        assert!(
            !output.contains(seed.trim()),
            "the seed must never be echoed"
        );
    }

    let inspected: serde_json::Value = serde_json::from_str(&wash_ok(&[
        "claims",
        "inspect",
        path(&signed),
        "--format",
        "json",
    ]))
    .expect("inspect prints json");
    assert_eq!(inspected["iss"], issuer);
    assert_eq!(inspected["name"], "answer");
    assert_eq!(inspected["ver"], "1.2.3");
    assert_eq!(inspected["caps"][0], "wasmcloud:httpserver");
    let actor_id = inspected["sub"].as_str().expect("subject").to_owned();

    let host = RunningHost::start(issuer);
    let at = ["--host", host.addr.as_str()];
    assert!(wash_ok(&[&["ctl", "ping"][..], &at].concat()).contains("0 actor(s)"));

    let started = wash_ok(&[&["ctl", "start", path(&signed)][..], &at].concat());
    assert!(started.contains(&actor_id), "{started}");

    let inventory: serde_json::Value = serde_json::from_str(&wash_ok(
        &[&["ctl", "inventory", "--format", "json"][..], &at].concat(),
    ))
    .expect("inventory prints json");
    assert_eq!(inventory.as_array().map(Vec::len), Some(1));
    assert_eq!(inventory[0]["actor_id"], actor_id.as_str());
    assert_eq!(inventory[0]["claims"]["name"], "answer");

    // Flip the constant the function returns: still valid wasm, no longer what was signed.
    let tampered_bytes = tamper(&std::fs::read(&signed).expect("read signed"));
    let tampered = dir.path().join("tampered.wasm");
    std::fs::write(&tampered, tampered_bytes).expect("tampered written");
    let refused = wash(&[&["ctl", "start", path(&tampered)][..], &at].concat());
    assert!(!refused.status.success(), "tampered module must be refused");
    let reason = stderr(&refused);
    assert!(reason.contains("host refused the request"), "{reason}");
    assert!(reason.contains("does not match"), "{reason}");

    let text = wash_ok(&[&["ctl", "inventory"][..], &at].concat());
    assert_eq!(
        text.lines().count(),
        1,
        "only the genuine actor runs: {text}"
    );

    assert!(wash_ok(&[&["ctl", "stop", &actor_id][..], &at].concat()).contains("stopped"));
    assert_eq!(
        wash_ok(&[&["ctl", "inventory"][..], &at].concat()),
        "no actors running\n"
    );
}

#[test]
fn modules_from_untrusted_issuers_are_refused_and_seeds_come_from_the_environment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let trusted = wash_ok(&[
        "keys",
        "gen",
        "account",
        "--out",
        path(&dir.path().join("trusted.nk")),
    ]);
    let stranger_file = dir.path().join("stranger.nk");
    wash_ok(&["keys", "gen", "account", "--out", path(&stranger_file)]);
    let stranger_seed = std::fs::read_to_string(&stranger_file).expect("seed");

    let module = dir.path().join("answer.wasm");
    std::fs::write(&module, answer_module()).expect("module written");
    let signed = dir.path().join("signed.wasm");
    // No --issuer-seed: the default source is the WASH_ISSUER_SEED variable.
    let sign = wash_with_env(
        &[
            "claims",
            "sign",
            path(&module),
            "--name",
            "answer",
            "-o",
            path(&signed),
        ],
        &[("WASH_ISSUER_SEED", stranger_seed.trim())],
    );
    assert!(sign.status.success(), "sign failed: {}", stderr(&sign));
    assert!(!stdout(&sign).contains(stranger_seed.trim()));

    let host = RunningHost::start(trusted.trim());
    let refused = wash(&["ctl", "start", path(&signed), "--host", &host.addr]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("is not trusted"),
        "{}",
        stderr(&refused)
    );

    let unsigned = wash(&["ctl", "start", path(&module), "--host", &host.addr]);
    assert!(!unsigned.status.success());
    assert!(
        stderr(&unsigned).contains("no claims"),
        "{}",
        stderr(&unsigned)
    );

    let missing_seed = wash(&["claims", "sign", path(&module), "--name", "x"]);
    assert!(!missing_seed.status.success());
    assert!(stderr(&missing_seed).contains("WASH_ISSUER_SEED"));
}
