//! `wash claims sign` and `wash claims inspect` on core modules and components, and on a module
//! signed by wasmCloud's own tooling.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use data_encoding::{HEXLOWER, HEXUPPER};
use sha2::{Digest, Sha256};
use wascap::test_support::{answer_component, answer_module, tamper};

fn wash(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wash"))
        .args(args)
        .env_remove("WASH_ISSUER_SEED")
        .env_remove("WASH_CTL_SEED")
        .output()
        .expect("wash runs")
}

fn wash_ok(args: &[&str]) -> String {
    let output = wash(args);
    assert!(
        output.status.success(),
        "wash {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().expect("temp paths are unicode")
}

/// The value of the `label` row of `wash claims inspect`'s text output.
fn row(text: &str, label: &str) -> String {
    text.lines()
        .find_map(|line| {
            line.strip_prefix(label)
                .filter(|rest| rest.starts_with(' '))
        })
        .map(|value| value.trim().to_owned())
        .unwrap_or_else(|| panic!("no {label} row in {text}"))
}

/// An account seed made by `wash keys gen`, in `dir`.
fn account_seed(dir: &Path) -> PathBuf {
    let file = dir.join("account.nk");
    wash_ok(&["keys", "gen", "account", "--out", path(&file)]);
    file
}

/// Signs the file `unsigned` (written to `dir`) with `extra` flags; returns the signed file.
fn sign(dir: &Path, unsigned: &[u8], extra: &[&str]) -> PathBuf {
    let seed = account_seed(dir);
    let input = dir.join("answer.wasm");
    std::fs::write(&input, unsigned).expect("written");
    let output = dir.join("answer_s.wasm");
    let mut args = vec![
        "claims",
        "sign",
        path(&input),
        "--issuer-seed",
        path(&seed),
        "--name",
        "answer",
        "-o",
        path(&output),
    ];
    args.extend_from_slice(extra);
    wash_ok(&args);
    output
}

#[test]
fn a_component_signs_and_inspects_with_its_module_hash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let unsigned = answer_component();
    let signed = sign(
        dir.path(),
        &unsigned,
        &[
            "--cap",
            "wasmcloud:keyvalue",
            "--tag",
            "blue",
            "--tag",
            "green",
            "--rev",
            "7",
            "--ver",
            "1.2.3",
        ],
    );
    let text = wash_ok(&["claims", "inspect", path(&signed)]);
    assert_eq!(row(&text, "name"), "answer");
    assert_eq!(row(&text, "capabilities"), "wasmcloud:keyvalue");
    assert_eq!(row(&text, "tags"), "blue, green");
    assert_eq!(row(&text, "revision"), "7");
    assert_eq!(row(&text, "version"), "1.2.3");
    // The unsigned component has no claims to leave out: its own SHA-256 is the module hash.
    let module_hash = HEXUPPER.encode(&Sha256::digest(&unsigned));
    assert_eq!(row(&text, "module hash"), module_hash);
    let file = std::fs::read(&signed).expect("read");
    assert_eq!(
        row(&text, "file sha-256"),
        HEXLOWER.encode(&Sha256::digest(&file))
    );

    let json: serde_json::Value = serde_json::from_str(&wash_ok(&[
        "claims",
        "inspect",
        path(&signed),
        "--format",
        "json",
    ]))
    .expect("json");
    assert_eq!(json["wascap"]["hash"], module_hash.as_str());
    assert_eq!(json["wascap"]["tags"], serde_json::json!(["blue", "green"]));
    assert_eq!(json["wascap"]["rev"], 7);
    assert_eq!(json["wascap_revision"], 3);
}

#[test]
fn a_tampered_component_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let signed = sign(dir.path(), &answer_component(), &[]);
    let tampered = dir.path().join("tampered.wasm");
    std::fs::write(&tampered, tamper(&std::fs::read(&signed).expect("read"))).expect("written");
    let output = wash(&["claims", "inspect", path(&tampered)]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(path(&tampered)), "{stderr}");
    assert!(stderr.contains("does not match the hash"), "{stderr}");
}

#[test]
fn a_module_signed_by_wasmclouds_tooling_inspects() {
    // wasmCloud's `examples/signed_loop.wasm`, signed by its tooling in 2020.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("signed_loop.wasm");
    std::fs::write(
        &file,
        include_bytes!("../../wascap/tests/fixtures/signed_loop.wasm"),
    )
    .expect("written");
    let text = wash_ok(&["claims", "inspect", path(&file)]);
    assert_eq!(row(&text, "name"), "Secure Actor");
    assert_eq!(
        row(&text, "capabilities"),
        "wascc:keyvalue, wascc:messaging, wascc:http_client, wascc:http_server"
    );
    assert_eq!(
        row(&text, "module hash"),
        "5C66140DB61ABE7000BAD7BBB7A1F896CE0C0A7879D8AA3C9CAB93DB0A0A1827"
    );
}

#[test]
fn a_component_signed_by_wasmclouds_tooling_inspects_and_resigns() {
    // `answer_component()` signed by wasmCloud's published wascap 0.16.2: a `wasmcloud_jwt`
    // section, no capabilities.
    let dir = tempfile::tempdir().expect("tempdir");
    let fixture =
        include_bytes!("../../wascap/tests/fixtures/answer_component_signed_by_wascap_0.16.2.wasm");
    let file = dir.path().join("answer.wasm");
    std::fs::write(&file, fixture).expect("written");
    let text = wash_ok(&["claims", "inspect", path(&file)]);
    assert_eq!(row(&text, "name"), "Answer");
    assert_eq!(row(&text, "tags"), "blue");
    assert_eq!(row(&text, "revision"), "4");
    assert_eq!(row(&text, "capabilities"), "none");
    let module_hash = HEXUPPER.encode(&Sha256::digest(answer_component()));
    assert_eq!(row(&text, "module hash"), module_hash);
    assert!(!text.contains("claims hash"), "{text}");
    let resigned = sign(dir.path(), fixture, &["--cap", "wasmcloud:keyvalue"]);
    let text = wash_ok(&["claims", "inspect", path(&resigned)]);
    assert_eq!(row(&text, "module hash"), module_hash);
    assert_eq!(row(&text, "capabilities"), "wasmcloud:keyvalue");
}

#[test]
fn a_module_signed_before_format_revision_3_inspects_with_its_identity() {
    // wasmCloud's `fixtures/echo_messaging_v0.9.0.wasm`: revision 2, whose token hashes the file
    // as it was (padded section sizes). Its identity is the module's hash all the same: the one
    // the same module gets when signed today.
    let dir = tempfile::tempdir().expect("tempdir");
    let fixture = include_bytes!("../../wascap/tests/fixtures/echo_messaging_v0.9.0.wasm");
    let file = dir.path().join("echo.wasm");
    std::fs::write(&file, fixture).expect("written");
    let text = wash_ok(&["claims", "inspect", path(&file)]);
    let resigned = wash_ok(&["claims", "inspect", path(&sign(dir.path(), fixture, &[]))]);
    assert_eq!(row(&text, "module hash"), row(&resigned, "module hash"));
    assert_eq!(
        row(&text, "claims hash"),
        "0A116480EF09116D59E441A125EF472E362B6F2AE0938E4D33A964C349BE13C7",
        "the token's own hash is shown apart"
    );
    assert!(
        !resigned.contains("claims hash"),
        "a token of revision 3 records the identity itself: {resigned}"
    );
}

#[test]
fn resigning_in_place_replaces_the_file_whole() {
    // Signing a file onto itself: the output is written to a new file and renamed over it, so
    // the module read and the module written never share a file.
    let dir = tempfile::tempdir().expect("tempdir");
    let seed = account_seed(dir.path());
    let module = dir.path().join("answer.wasm");
    std::fs::write(&module, answer_module()).expect("written");
    for _ in 0..2 {
        wash_ok(&[
            "claims",
            "sign",
            path(&module),
            "--issuer-seed",
            path(&seed),
            "--name",
            "answer",
            "-o",
            path(&module),
        ]);
    }
    let text = wash_ok(&["claims", "inspect", path(&module)]);
    assert_eq!(
        row(&text, "module hash"),
        HEXUPPER.encode(&Sha256::digest(answer_module()))
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        2,
        "only the seed and the module: {leftovers:?}"
    );
}
