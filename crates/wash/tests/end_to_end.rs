//! End to end: a real host on loopback, the real `wash` binary, a real signed module.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use host::{Controllers, Host, HostConfig, Limits, TrustedIssuers};
use tokio::sync::oneshot;
use wascap::test_support::{answer_module, reencoded, tamper};

/// Runs `wash` with `args` and no inherited seed variables.
fn wash(args: &[&str]) -> Output {
    wash_with_env(args, &[])
}

fn wash_with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wash"))
        .args(args)
        .env_remove("WASH_ISSUER_SEED")
        .env_remove("WASH_CTL_SEED")
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
    /// A host trusting modules of `trusted_issuer` and requests of `controller`.
    fn start(trusted_issuer: &str, controller: &str) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let config = HostConfig {
            issuers: TrustedIssuers::new([trusted_issuer]).expect("valid issuer"),
            controllers: Controllers::new([controller]).expect("valid controller"),
            limits: Limits::default(),
        };
        let host = runtime
            .block_on(Host::bind("127.0.0.1:0", config))
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
    std::fs::write(&module, host::test_actors::reverse()).expect("component written");
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
    assert_eq!(inspected["wascap"]["name"], "answer");
    assert_eq!(inspected["wascap"]["ver"], "1.2.3");
    assert_eq!(inspected["wascap"]["caps"][0], "wasmcloud:httpserver");
    let actor_id = inspected["sub"].as_str().expect("subject").to_owned();

    let user_seed = dir.path().join("user.nk");
    let controller = wash_ok(&["keys", "gen", "user", "--out", path(&user_seed)]);
    assert!(
        controller.starts_with('U'),
        "user key expected: {controller}"
    );
    let host = RunningHost::start(issuer, controller.trim());
    let at = ["--host", host.addr.as_str(), "--seed", path(&user_seed)];
    assert!(wash_ok(&[&["ctl", "ping"][..], &at].concat()).contains("0 actor(s)"));

    let started = wash_ok(&[&["ctl", "start", path(&signed)][..], &at].concat());
    assert!(started.contains(&actor_id), "{started}");

    let inventory: serde_json::Value = serde_json::from_str(&wash_ok(
        &[&["ctl", "inventory", "--format", "json"][..], &at].concat(),
    ))
    .expect("inventory prints json");
    assert_eq!(inventory.as_array().map(Vec::len), Some(1));
    assert_eq!(inventory[0]["actor_id"], actor_id.as_str());
    assert_eq!(inventory[0]["claims"]["wascap"]["name"], "answer");

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

    let user_seed = dir.path().join("user.nk");
    let controller = wash_ok(&["keys", "gen", "user", "--out", path(&user_seed)]);
    let host = RunningHost::start(trusted.trim(), controller.trim());
    let user_seed_text = std::fs::read_to_string(&user_seed).expect("seed");
    // The seed from the default variable, WASH_CTL_SEED.
    let refused = wash_with_env(
        &["ctl", "start", path(&signed), "--host", &host.addr],
        &[("WASH_CTL_SEED", user_seed_text.trim())],
    );
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("is not trusted"),
        "{}",
        stderr(&refused)
    );

    let unsigned = wash(&[
        "ctl",
        "start",
        path(&module),
        "--host",
        &host.addr,
        "--seed",
        path(&user_seed),
    ]);
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

#[test]
fn only_trusted_user_keys_control_a_host() {
    let dir = tempfile::tempdir().expect("tempdir");
    let issuer = KeySeed::generate(&dir, "account", "issuer");
    let controller = KeySeed::generate(&dir, "user", "controller");
    let stranger = KeySeed::generate(&dir, "user", "stranger");
    let host = RunningHost::start(&issuer.public, &controller.public);

    let ping = |seed: &KeySeed| {
        wash(&[
            "ctl",
            "ping",
            "--host",
            &host.addr,
            "--seed",
            path(&seed.file),
        ])
    };
    assert!(ping(&controller).status.success());
    let refused = ping(&stranger);
    assert!(!refused.status.success());
    let reason = stderr(&refused);
    assert!(
        reason.contains(&format!("key {} is not trusted", stranger.public)),
        "{reason}"
    );
    // An account seed is not a user seed: refused before anything is sent.
    let wrong_kind = ping(&issuer);
    assert!(
        stderr(&wrong_kind).contains("expected a user key"),
        "{}",
        stderr(&wrong_kind)
    );
    let no_seed = wash(&["ctl", "ping", "--host", &host.addr]);
    assert!(!no_seed.status.success());
    assert!(
        stderr(&no_seed).contains("WASH_CTL_SEED"),
        "{}",
        stderr(&no_seed)
    );
}

#[test]
fn inspect_prints_the_identity_that_survives_reencoding() {
    let dir = tempfile::tempdir().expect("tempdir");
    let issuer = KeySeed::generate(&dir, "account", "issuer");
    let module = dir.path().join("answer.wasm");
    std::fs::write(&module, answer_module()).expect("module written");
    let signed = dir.path().join("signed.wasm");
    wash_ok(&[
        "claims",
        "sign",
        path(&module),
        "--issuer-seed",
        path(&issuer.file),
        "--name",
        "answer",
        "-o",
        path(&signed),
    ]);
    let copy = dir.path().join("copy.wasm");
    std::fs::write(&copy, reencoded(&std::fs::read(&signed).expect("read"))).expect("written");
    let row = |text: &str, label: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(label))
            .map(|value| value.trim().to_owned())
            .unwrap_or_else(|| panic!("no {label} row in {text}"))
    };
    let (a, b) = (
        wash_ok(&["claims", "inspect", path(&signed)]),
        wash_ok(&["claims", "inspect", path(&copy)]),
    );
    assert_eq!(row(&a, "module hash"), row(&b, "module hash"));
    assert_ne!(row(&a, "file sha-256"), row(&b, "file sha-256"));
}

#[test]
fn expiries_past_the_end_of_time_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let issuer = KeySeed::generate(&dir, "account", "issuer");
    let module = dir.path().join("answer.wasm");
    std::fs::write(&module, answer_module()).expect("module written");
    for flag in ["--expires-in", "--not-before-in"] {
        let output = wash(&[
            "claims",
            "sign",
            path(&module),
            "--issuer-seed",
            path(&issuer.file),
            "--name",
            "answer",
            flag,
            &u64::MAX.to_string(),
        ]);
        assert!(!output.status.success(), "{flag} must not wrap around");
        assert!(stderr(&output).contains(flag), "{}", stderr(&output));
        assert!(
            !dir.path().join("answer_s.wasm").exists(),
            "nothing written"
        );
    }
}

#[test]
fn claims_that_could_never_be_valid_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let issuer = KeySeed::generate(&dir, "account", "issuer");
    let module = dir.path().join("answer.wasm");
    std::fs::write(&module, answer_module()).expect("module written");
    for times in [
        &["--expires-in", "0"][..],
        &["--expires-in", "60", "--not-before-in", "60"],
        &["--expires-in", "60", "--not-before-in", "3600"],
    ] {
        let mut args = vec![
            "claims",
            "sign",
            path(&module),
            "--issuer-seed",
            path(&issuer.file),
            "--name",
            "answer",
        ];
        args.extend_from_slice(times);
        let output = wash(&args);
        assert!(!output.status.success(), "{times:?} must be refused");
        assert!(
            stderr(&output).contains("--expires-in") && stderr(&output).contains("never be valid"),
            "{times:?}: {}",
            stderr(&output)
        );
        assert!(
            !dir.path().join("answer_s.wasm").exists(),
            "nothing written"
        );
    }
}

/// A key made by `wash keys gen`: its public key and its seed file.
struct KeySeed {
    public: String,
    file: std::path::PathBuf,
}

impl KeySeed {
    /// Generates a `kind` key whose seed goes to `name.nk` in `dir`.
    fn generate(dir: &tempfile::TempDir, kind: &str, name: &str) -> Self {
        let file = dir.path().join(format!("{name}.nk"));
        let public = wash_ok(&["keys", "gen", kind, "--out", path(&file)])
            .trim()
            .to_owned();
        KeySeed { public, file }
    }
}
