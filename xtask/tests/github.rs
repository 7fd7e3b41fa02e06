//! The GitHub bots end to end: the xtask binary on real git repositories (with a bare origin)
//! against a loopback server that answers with the GitHub REST API's shapes.

mod fixture;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};
use wiremock::matchers::{body_string_contains, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};
use workspace_github::test_support::FakeGitHub as Api;

const TOKEN: &str = "ghs_e2e0123456789secret";
const REPO: &str = "/repos/acme/platform";

fn git(dir: &Path, args: &[&str]) -> String {
    fixture::git(dir, args).trim().to_owned()
}

/// A workspace of `core` and `app` (depending on it), both released at 0.1.0, then a feature
/// commit on `core`, pushed to a bare origin; the clone is on `main`.
struct Repo {
    dir: tempfile::TempDir,
    metadata: fixture::MetadataLog,
}

impl Repo {
    fn new() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let origin = dir.path().join("origin.git");
        let work = dir.path().join("work");
        std::fs::create_dir_all(&work).unwrap();
        git(
            dir.path(),
            &[
                "init",
                "-q",
                "--bare",
                "-b",
                "main",
                origin.to_str().unwrap(),
            ],
        );
        let files = [
            (
                "Cargo.toml",
                "[workspace]\nresolver = \"2\"\nmembers = [\"crates/*\"]\n",
            ),
            (".gitignore", "/target\n"),
            (
                "crates/core/Cargo.toml",
                "[package]\nname = \"core\"\nversion = \"0.1.0\"\nedition = \"2021\"\nlicense = \"MIT\"\ndescription = \"c\"\n",
            ),
            ("crates/core/src/lib.rs", "pub fn core() -> u32 { 1 }\n"),
            (
                "crates/app/Cargo.toml",
                "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\nlicense = \"MIT\"\ndescription = \"a\"\n\n[dependencies]\ncore = { path = \"../core\", version = \"0.1.0\" }\n",
            ),
            (
                "crates/app/src/lib.rs",
                "pub fn app() -> u32 { core::core() }\n",
            ),
        ];
        for (p, text) in files {
            let p = work.join(p);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .args(["generate-lockfile", "--offline"])
            .current_dir(&work)
            .status()
            .unwrap();
        assert!(status.success());
        git(&work, &["init", "-q", "-b", "main"]);
        git(&work, &["add", "-A"]);
        git(&work, &["commit", "-q", "-m", "initial"]);
        git(&work, &["tag", "core-v0.1.0"]);
        git(&work, &["tag", "app-v0.1.0"]);
        std::fs::write(
            work.join("crates/core/src/lib.rs"),
            "pub fn core() -> u32 { 2 }\n",
        )
        .unwrap();
        git(&work, &["commit", "-q", "-am", "feat: a faster core"]);
        git(
            &work,
            &["remote", "add", "origin", origin.to_str().unwrap()],
        );
        git(&work, &["push", "-q", "origin", "main", "--tags"]);
        // A `CARGO` that logs each `cargo metadata` call, to show each command loads the
        // workspace once.
        let metadata = fixture::MetadataLog::new(dir.path());
        Repo { dir, metadata }
    }

    /// How many times `cargo metadata` ran since the last call.
    fn metadata_runs(&self) -> usize {
        self.metadata.take().len()
    }

    fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    fn origin(&self) -> PathBuf {
        self.dir.path().join("origin.git")
    }

    fn xtask(&self, api: &Api, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(args)
            .args(["--repo", "acme/platform", "--api-url", &api.uri()])
            .current_dir(self.work())
            .env("GITHUB_TOKEN", TOKEN)
            .env("CARGO", self.metadata.cargo())
            .env("NO_COLOR", "1")
            .env("GIT_AUTHOR_NAME", "bot")
            .env("GIT_AUTHOR_EMAIL", "bot@localhost")
            .env("GIT_COMMITTER_NAME", "bot")
            .env("GIT_COMMITTER_EMAIL", "bot@localhost")
            .env_remove("GITHUB_EVENT_PATH")
            .env_remove("GITHUB_REPOSITORY")
            .env_remove("GITHUB_API_URL")
            .env_remove("GITHUB_REF_NAME")
            .output()
            .unwrap()
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn user() -> Value {
    json!({ "login": "github-actions[bot]", "id": 41898282, "type": "Bot" })
}

fn comment_json(id: u64, body: &str) -> Value {
    json!({
        "id": id, "body": body, "user": user(),
        "url": format!("https://api.github.com{REPO}/issues/comments/{id}"),
        "html_url": format!("https://github.com/acme/platform/pull/5#issuecomment-{id}"),
        "created_at": "2026-05-01T10:00:00Z", "updated_at": "2026-05-01T10:00:00Z"
    })
}

fn pull_json(number: u64, body: &str, merge: Option<&str>) -> Value {
    json!({
        "id": 1_000_000 + number, "number": number, "state": if merge.is_some() { "closed" } else { "open" },
        "title": "chore(release): core 0.1.1", "body": body, "user": user(),
        "url": format!("https://api.github.com{REPO}/pulls/{number}"),
        "html_url": format!("https://github.com/acme/platform/pull/{number}"),
        "head": { "label": "acme:release", "ref": "release", "sha": "6e8ef9a0aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" },
        "base": { "label": "acme:main", "ref": "main", "sha": "1b94eec2bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" },
        "merged_at": merge.map(|_| "2026-05-02T10:00:00Z"), "merge_commit_sha": merge,
        "created_at": "2026-05-01T10:00:00Z", "updated_at": "2026-05-01T10:00:00Z"
    })
}

fn release_json(tag: &str) -> Value {
    json!({
        "id": 9, "tag_name": tag, "name": tag, "draft": false, "prerelease": false,
        "url": format!("https://api.github.com{REPO}/releases/9"),
        "html_url": format!("https://github.com/acme/platform/releases/tag/{tag}"),
        "author": user(), "assets": []
    })
}

#[test]
fn pr_comment_posts_the_affected_crates_plan_and_graph() {
    let repo = Repo::new();
    let api = Api::start();
    api.mount_actions_token();
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/issues/5/comments")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([]))),
    );
    api.mount(
        Mock::given(method("POST"))
            .and(path(format!("{REPO}/issues/5/comments")))
            .respond_with(ResponseTemplate::new(201).set_body_json(comment_json(12, "x")))
            .expect(1),
    );
    let out = repo.xtask(
        &api,
        &[
            "pr-comment",
            "--base",
            "HEAD~1",
            "--pr",
            "5",
            "--format",
            "json",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        repo.metadata_runs(),
        1,
        "pr-comment loads the workspace once"
    );
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["actions"][0]["action"], "created");
    let body = api.bodies("POST")[0]["body"].as_str().unwrap().to_owned();
    assert!(
        body.starts_with("<!-- workspace-tools:pr-comment -->"),
        "{body}"
    );
    assert!(body.contains("**2 of 2 crates** are affected"), "{body}");
    assert!(
        body.contains("| `app` | depends on core, changed by crates/core/src/lib.rs |"),
        "{body}"
    );
    assert!(body.contains("```mermaid\ngraph TD\n"), "{body}");
    assert!(
        body.contains("| `core` | 0.1.0 | **0.1.1** |"),
        "the release plan: {body}"
    );
}

#[test]
fn saved_comments_are_posted_only_on_the_head_they_were_computed_for() {
    let repo = Repo::new();
    let api = Api::start();
    let saved = repo.work().join("comment.json");
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["pr-comment", "--base", "HEAD~1", "--pr", "5", "--save"])
        .arg(&saved)
        .current_dir(repo.work())
        .env_remove("GITHUB_TOKEN")
        .env_remove("GITHUB_EVENT_PATH")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "saving needs no token: {}",
        text(&out)
    );
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    let head = git(&repo.work(), &["rev-parse", "HEAD"]);
    assert_eq!(
        (json["pull_request"].as_u64(), json["head_sha"].as_str()),
        (Some(5), Some(head.as_str()))
    );

    let mut pr = pull_json(5, "feature", None);
    pr["head"]["sha"] = head.clone().into();
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/pulls/5")))
            .respond_with(ResponseTemplate::new(200).set_body_json(pr)),
    );
    api.mount(
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(201))
            .expect(0),
    );
    let saved_arg = saved.to_str().unwrap();
    let out = repo.xtask(
        &api,
        &[
            "pr-comment",
            "--from",
            saved_arg,
            "--expect-head",
            "0000000000000000000000000000000000000000",
        ],
    );
    assert_eq!(out.status.code(), Some(24), "{}", text(&out));
    assert!(
        text(&out).contains("pull request #5 moved on"),
        "{}",
        text(&out)
    );
    api.verify_and_reset();
}

#[test]
fn release_pr_pushes_the_release_branch_then_github_release_tags_the_merge() {
    let repo = Repo::new();
    let work = repo.work();
    let api = Api::start();
    let main_before = git(&work, &["rev-parse", "HEAD"]);
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/pulls")))
            .and(query_param("head", "acme:release"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([]))),
    );
    api.mount(
        Mock::given(method("POST"))
            .and(path(format!("{REPO}/pulls")))
            .and(body_string_contains("workspace-tools:release-plan"))
            .respond_with(ResponseTemplate::new(201).set_body_json(pull_json(7, "", None)))
            .expect(1),
    );
    let out = repo.xtask(&api, &["release-pr", "--base-branch", "main"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        repo.metadata_runs(),
        1,
        "release-pr loads the workspace once"
    );
    assert!(
        text(&out).contains("Opened https://github.com/acme/platform/pull/7"),
        "{}",
        text(&out)
    );
    let request = &api.bodies("POST")[0];
    assert_eq!(
        (request["head"].as_str(), request["base"].as_str()),
        (Some("release"), Some("main"))
    );
    let pr_body = request["body"].as_str().unwrap().to_owned();
    assert!(
        pr_body.contains("| `core` | 0.1.0 | **0.1.1** |"),
        "{pr_body}"
    );
    // Each crate's new changelog section, collapsed, as the release commit writes it.
    let core_notes = pr_body
        .split("<details><summary><code>core</code> 0.1.1</summary>\n\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no changelog for core: {pr_body}"));
    assert!(
        core_notes
            .split("</details>")
            .next()
            .unwrap()
            .contains("- a faster core"),
        "{pr_body}"
    );

    // The release branch holds the release commit on top of main; the checkout is untouched.
    let origin = repo.origin();
    let show = |spec: &str| git(&origin, &["show", spec]);
    assert!(show("release:crates/core/Cargo.toml").contains("version = \"0.1.1\""));
    assert!(show("release:crates/core/CHANGELOG.md").contains("- a faster core"));
    assert!(show("release:Cargo.lock").contains("name = \"core\"\nversion = \"0.1.1\""));
    assert_eq!(git(&origin, &["rev-parse", "release~1"]), main_before);
    assert!(show("release").contains("Release-Tool: cargo-xtask-release"));
    assert_eq!(git(&work, &["rev-parse", "HEAD"]), main_before);
    assert_eq!(git(&work, &["status", "--porcelain"]), "");
    api.verify_and_reset();

    // Merge the release pull request as GitHub would, then tag it and create its release.
    git(&work, &["fetch", "-q", "origin", "release"]);
    git(
        &work,
        &[
            "merge",
            "-q",
            "--no-ff",
            "-m",
            "Merge pull request #7 from acme/release",
            "FETCH_HEAD",
        ],
    );
    git(&work, &["push", "-q", "origin", "main"]);
    let merge = git(&work, &["rev-parse", "HEAD"]);
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/pulls/7")))
            .respond_with(ResponseTemplate::new(200).set_body_json(pull_json(
                7,
                &pr_body,
                Some(&merge),
            ))),
    );
    // First the tags only: the crates are published before any GitHub release exists.
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/releases/tags/core-v0.1.1")))
            .respond_with(ResponseTemplate::new(500))
            .expect(0),
    );
    api.mount(
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(500))
            .expect(0),
    );
    let out = repo.xtask(
        &api,
        &[
            "github-release",
            "--pr",
            "7",
            "--tag-only",
            "--format",
            "json",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        repo.metadata_runs(),
        1,
        "github-release loads the workspace once"
    );
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["tagged"], json!(["core-v0.1.1"]));
    assert_eq!(result["releases"], json!([]));
    assert_eq!(git(&origin, &["rev-parse", "core-v0.1.1^{commit}"]), merge);
    api.verify_and_reset();

    // Published: the same command without --tag-only creates the release, tagging nothing.
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/pulls/7")))
            .respond_with(ResponseTemplate::new(200).set_body_json(pull_json(
                7,
                &pr_body,
                Some(&merge),
            ))),
    );
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/releases/tags/core-v0.1.1")))
            .respond_with(
                ResponseTemplate::new(404).set_body_json(json!({ "message": "Not Found" })),
            ),
    );
    api.mount(
        Mock::given(method("POST"))
            .and(path(format!("{REPO}/releases")))
            .respond_with(ResponseTemplate::new(201).set_body_json(release_json("core-v0.1.1")))
            .expect(1),
    );
    let out = repo.xtask(&api, &["github-release", "--pr", "7", "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out));
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["tagged"], json!([]));
    assert_eq!(result["releases"][0]["action"], "created");
    let release = &api.bodies("POST")[0];
    assert_eq!(release["tag_name"], "core-v0.1.1");
    assert!(
        release["body"]
            .as_str()
            .unwrap()
            .contains("- a faster core"),
        "{release}"
    );
    api.verify_and_reset();

    // A rerun tags nothing and finds the release.
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/pulls/7")))
            .respond_with(ResponseTemplate::new(200).set_body_json(pull_json(
                7,
                &pr_body,
                Some(&merge),
            ))),
    );
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/releases/tags/core-v0.1.1")))
            .respond_with(ResponseTemplate::new(200).set_body_json(release_json("core-v0.1.1"))),
    );
    api.mount(
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(500))
            .expect(0),
    );
    let out = repo.xtask(&api, &["github-release", "--pr", "7", "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out));
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["tagged"], json!([]));
    assert_eq!(result["releases"][0]["action"], "exists");
    api.verify_and_reset();

    // And release-pr on the merged release commit leaves it to the release workflow.
    let out = repo.xtask(&api, &["release-pr"]);
    assert!(
        out.status.success() && text(&out).contains("Skipped"),
        "{}",
        text(&out)
    );
}

#[test]
fn release_pr_proposes_nothing_while_a_merged_release_is_untagged() {
    let repo = Repo::new();
    let work = repo.work();
    // The release commit is made but tagging fails (signing is broken), then work goes on.
    for (key, value) in [
        ("user.name", "bot"),
        ("user.email", "bot@localhost"),
        ("tag.gpgsign", "true"),
        ("gpg.program", "false"),
    ] {
        git(&work, &["config", key, value]);
    }
    let manifest = work.join("Cargo.toml");
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["release", "--manifest-path", manifest.to_str().unwrap()])
        .args(["--execute", "--no-push", "--no-publish"])
        .current_dir(&work)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(16), "{}", text(&out));
    std::fs::write(
        work.join("crates/core/src/lib.rs"),
        "pub fn core() -> u32 { 3 }\n",
    )
    .unwrap();
    git(&work, &["commit", "-q", "-am", "feat!: a new core"]);
    let api = Api::start();
    api.mount(
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(201))
            .expect(0),
    );
    let out = repo.xtask(
        &api,
        &["release-pr", "--base-branch", "main", "--format", "json"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("a merged release commit is not tagged yet (core-v0.1.1)"),
        "{}",
        text(&out)
    );
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["action"], "skipped");
    assert!(git(&repo.origin(), &["branch", "--list", "release"]).is_empty());
    api.verify_and_reset();
}

#[test]
fn a_rejected_token_exits_20_naming_the_endpoint_without_printing_the_token() {
    let repo = Repo::new();
    let api = Api::start();
    api.mount(
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(401).set_body_json(json!({
                "message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"
            }))),
    );
    let out = repo.xtask(&api, &["pr-comment", "--base", "HEAD~1", "--pr", "5"]);
    assert_eq!(out.status.code(), Some(20), "{}", text(&out));
    let all = text(&out);
    assert!(
        all.contains("github rejected the token (401 unauthorized) for GET /repos/acme/platform/issues/5/comments"),
        "{all}"
    );
    assert!(!all.contains(TOKEN), "the token leaked: {all}");
    assert!(
        !all.contains("e2e0123456789"),
        "part of the token leaked: {all}"
    );
}

#[test]
fn a_missing_token_is_a_clear_error() {
    let repo = Repo::new();
    let api = Api::start();
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args([
            "release-pr",
            "--repo",
            "acme/platform",
            "--api-url",
            &api.uri(),
        ])
        .current_dir(repo.work())
        .env_remove("GITHUB_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(20));
    assert!(
        text(&out).contains("no github token: set GITHUB_TOKEN"),
        "{}",
        text(&out)
    );
}

#[test]
fn the_comment_names_the_pull_requests_head_not_the_merge_commit_actions_checks_out() {
    let repo = Repo::new();
    let work = repo.work();
    // The pull request: one commit on a branch off the first commit; main moved on meanwhile.
    git(&work, &["checkout", "-q", "-b", "feature", "HEAD~1"]);
    std::fs::write(
        work.join("crates/app/src/lib.rs"),
        "pub fn app() -> u32 { 3 }\n",
    )
    .unwrap();
    git(&work, &["commit", "-q", "-am", "feat: app"]);
    let pr_head = git(&work, &["rev-parse", "HEAD"]);
    // What actions/checkout gives a `pull_request` run: a merge of the head into main.
    git(&work, &["checkout", "-q", "--detach", "main"]);
    git(
        &work,
        &[
            "merge",
            "-q",
            "--no-ff",
            "-m",
            "Merge pr_head into main",
            &pr_head,
        ],
    );
    let merge = git(&work, &["rev-parse", "HEAD"]);
    let event = work.join("event.json");
    std::fs::write(
        &event,
        json!({ "number": 5, "pull_request": { "number": 5, "head": { "sha": pr_head } } })
            .to_string(),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["pr-comment", "--base", "main", "--save", "-"])
        .current_dir(&work)
        .env("GITHUB_EVENT_PATH", &event)
        .env_remove("GITHUB_TOKEN")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let saved: Value = serde_json::from_slice(&out.stdout).unwrap();
    let body = saved["body"].as_str().unwrap();
    assert_eq!(saved["head_sha"], pr_head.as_str());
    assert!(body.contains(&format!("…`{}`", &pr_head[..10])), "{body}");
    assert!(
        !body.contains(&merge[..10]),
        "the merge commit is named: {body}"
    );
    assert!(
        body.contains("**1 of 2 crates** is affected by 1 changed file between"),
        "{body}"
    );
}

#[test]
fn a_maintainers_commits_on_the_release_branch_are_never_pushed_away() {
    let repo = Repo::new();
    let work = repo.work();
    let origin = repo.origin();
    let api = Api::start();
    let pulls = format!("{REPO}/pulls");
    api.mount(
        Mock::given(method("GET"))
            .and(path(&pulls))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([]))),
    );
    api.mount(
        Mock::given(method("POST"))
            .and(path(&pulls))
            .respond_with(ResponseTemplate::new(201).set_body_json(pull_json(7, "", None))),
    );
    let out = repo.xtask(&api, &["release-pr", "--base-branch", "main"]);
    assert!(out.status.success(), "{}", text(&out));
    let pr_body = api.bodies("POST")[0]["body"].as_str().unwrap().to_owned();
    api.verify_and_reset();

    // Main moves on: the release branch holds only the tool's commit, so it is rebuilt.
    let commit_on_main = |file: &str, message: &str| {
        std::fs::write(work.join(file), format!("// {message}\n")).unwrap();
        git(&work, &["add", "-A"]);
        git(&work, &["commit", "-q", "-m", message]);
        git(&work, &["push", "-q", "origin", "main"]);
    };
    commit_on_main("crates/core/src/extra.rs", "fix: core edge case");
    let open = json!([pull_json(7, &pr_body, None)]);
    api.mount(
        Mock::given(method("GET"))
            .and(path(&pulls))
            .respond_with(ResponseTemplate::new(200).set_body_json(open.clone())),
    );
    api.mount(
        Mock::given(method("PATCH"))
            .and(path(format!("{pulls}/7")))
            .respond_with(ResponseTemplate::new(200).set_body_json(pull_json(7, "", None)))
            .expect(1),
    );
    let out = repo.xtask(&api, &["release-pr", "--base-branch", "main"]);
    assert!(
        out.status.success() && text(&out).contains("Pushed"),
        "{}",
        text(&out)
    );
    assert_eq!(
        git(&origin, &["rev-parse", "release~1"]),
        git(&work, &["rev-parse", "HEAD"]),
        "rebuilt on the new main"
    );
    let pr_body = api.bodies("PATCH")[0]["body"].as_str().unwrap().to_owned();
    api.verify_and_reset();

    // A maintainer fixes the changelog on the release branch, then main moves on again.
    let maintainer = repo.dir.path().join("maintainer");
    git(
        repo.dir.path(),
        &[
            "clone",
            "-q",
            "-b",
            "release",
            origin.to_str().unwrap(),
            maintainer.to_str().unwrap(),
        ],
    );
    std::fs::write(
        maintainer.join("crates/core/CHANGELOG.md"),
        "# Changelog\n\nReworded.\n",
    )
    .unwrap();
    git(
        &maintainer,
        &["commit", "-q", "-am", "docs: reword the changelog"],
    );
    git(&maintainer, &["push", "-q", "origin", "release"]);
    let fix = git(&maintainer, &["rev-parse", "HEAD"]);
    commit_on_main("crates/app/src/extra.rs", "fix: app edge case");

    let open = json!([pull_json(7, &pr_body, None)]);
    api.mount(
        Mock::given(method("GET"))
            .and(path(&pulls))
            .respond_with(ResponseTemplate::new(200).set_body_json(open)),
    );
    api.mount(
        Mock::given(method("PATCH"))
            .and(path(format!("{pulls}/7")))
            .and(body_string_contains("did not write"))
            .respond_with(ResponseTemplate::new(200).set_body_json(pull_json(7, "", None)))
            .expect(1),
    );
    api.mount(
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(500))
            .expect(0),
    );
    let out = repo.xtask(
        &api,
        &["release-pr", "--base-branch", "main", "--format", "json"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("left as it is"), "{}", text(&out));
    assert_eq!(
        git(&origin, &["rev-parse", "release"]),
        fix,
        "the maintainer's commit is kept"
    );
    let json: Value = serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).unwrap();
    assert_eq!(json["action"], "kept");
    assert_eq!(json["foreign"][0]["sha"], fix.as_str());
    let body = api.bodies("PATCH")[0]["body"].as_str().unwrap().to_owned();
    assert!(
        body.contains(&fix[..10]) && body.contains("docs: reword the changelog"),
        "{body}"
    );
    assert!(
        body.ends_with(&pr_body),
        "the recorded plan, which matches the branch, is kept below the note: {body}"
    );
    api.verify_and_reset();
}

/// The steps of the workflow `file` in `.github/workflows`, as (name, text) pairs, in order.
fn workflow_steps(file: &str) -> Vec<(String, String)> {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../.github/workflows")
        .join(file);
    let text = std::fs::read_to_string(&file).unwrap();
    let mut steps = Vec::new();
    for chunk in text.split("\n      - ").skip(1) {
        let name = chunk
            .lines()
            .find_map(|l| l.trim().strip_prefix("name: "))
            .unwrap_or_default()
            .to_owned();
        steps.push((name, chunk.to_owned()));
    }
    steps
}

#[test]
fn the_release_workflow_publishes_before_it_creates_github_releases() {
    let steps = workflow_steps("release.yml");
    let position = |what: &dyn Fn(&str) -> bool| {
        steps
            .iter()
            .position(|(_, script)| what(script))
            .unwrap_or_else(|| panic!("no such step in {steps:#?}"))
    };
    let tag = position(&|s| s.contains("github-release --pr") && s.contains("--tag-only"));
    let publish = position(&|s| s.contains("release --execute"));
    let releases = position(&|s| s.contains("github-release --pr") && !s.contains("--tag-only"));
    assert!(tag < publish && publish < releases, "{steps:#?}");
}

#[test]
fn no_workflow_compiles_in_a_step_that_holds_a_secret() {
    for file in [
        "ci.yml",
        "pr-comment.yml",
        "pr-comment-post.yml",
        "release-pr.yml",
        "release.yml",
    ] {
        for (name, step) in workflow_steps(file) {
            let secret = [
                "GITHUB_TOKEN:",
                "GH_TOKEN:",
                "CARGO_REGISTRY_TOKEN:",
                "secrets.",
            ]
            .iter()
            .any(|s| step.contains(s));
            let compiles = [
                "cargo run",
                "cargo build",
                "cargo xtask",
                "cargo test",
                "cargo install",
            ]
            .iter()
            .any(|c| step.contains(c))
                // `cargo publish` builds each package unless told not to.
                || (step.contains("release --execute") && !step.contains("--no-verify"));
            assert!(
                !(secret && compiles),
                "{file}: step `{name}` compiles with a secret: {step}"
            );
        }
    }
}

#[test]
fn pr_comment_edits_only_the_comment_of_the_login_it_is_given() {
    let repo = Repo::new();
    let api = Api::start();
    let marked = "<!-- workspace-tools:pr-comment -->\nold";
    let mut human = comment_json(40, marked);
    human["user"] = json!({ "login": "octocat", "id": 1, "type": "User" });
    let mut app = comment_json(41, marked);
    app["user"] = json!({ "login": "acme-bot[bot]", "id": 2, "type": "Bot" });
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/issues/5/comments")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([human, app]))),
    );
    api.mount(
        Mock::given(method("GET"))
            .and(path("/user"))
            .respond_with(ResponseTemplate::new(500))
            .expect(0),
    );
    api.mount(
        Mock::given(method("PATCH"))
            .and(path(format!("{REPO}/issues/comments/41")))
            .respond_with(ResponseTemplate::new(200).set_body_json(comment_json(41, "x")))
            .expect(1),
    );
    let out = repo.xtask(
        &api,
        &[
            "pr-comment",
            "--base",
            "HEAD~1",
            "--pr",
            "5",
            "--bot-login",
            "acme-bot[bot]",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(api.bodies("PATCH").len(), 1);
    assert!(api.bodies("POST").is_empty() && api.bodies("DELETE").is_empty());
    api.verify_and_reset();
}

/// The single `error:` line of `out`, which must exit with `code`.
fn error_line(out: &Output, code: i32) -> String {
    let text = text(out);
    assert_eq!(out.status.code(), Some(code), "{text}");
    let errors: Vec<&str> = text.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(errors.len(), 1, "{text}");
    errors[0].to_owned()
}

#[test]
fn a_saved_comment_that_cannot_be_read_or_written_is_an_io_error_not_a_missing_context() {
    let repo = Repo::new();
    let api = Api::start();
    let missing = repo.work().join("no-such-dir/comment.json");
    let missing_arg = missing.to_str().unwrap();
    // Reading: the file is not there.
    let out = repo.xtask(&api, &["pr-comment", "--from", missing_arg]);
    assert!(error_line(&out, 16).contains("no-such-dir/comment.json"));
    assert!(text(&out).contains("Caused by:"), "{}", text(&out));
    // Writing: its folder is not there.
    let out = repo.xtask(
        &api,
        &[
            "pr-comment",
            "--base",
            "HEAD~1",
            "--pr",
            "5",
            "--save",
            missing_arg,
        ],
    );
    assert!(error_line(&out, 16).contains("no-such-dir/comment.json"));
    // A file that is there but holds no saved comment is named, with the parser's complaint
    // as its cause.
    let garbage = repo.work().join("garbage.json");
    std::fs::write(&garbage, "{ not json").unwrap();
    let out = repo.xtask(&api, &["pr-comment", "--from", garbage.to_str().unwrap()]);
    assert!(error_line(&out, 16).contains("garbage.json is not a saved comment"));
    assert!(text(&out).contains("Caused by:"), "{}", text(&out));
}

#[test]
fn an_api_url_that_is_not_an_http_address_is_a_context_error_not_a_github_failure() {
    let repo = Repo::new();
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args([
            "release-pr",
            "--repo",
            "acme/platform",
            "--api-url",
            "ftp://example.invalid",
        ])
        .current_dir(repo.work())
        .env("GITHUB_TOKEN", TOKEN)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(error_line(&out, 23).contains("ftp://example.invalid"));
}

#[test]
fn a_missing_context_names_what_is_missing_and_the_flag_that_gives_it() {
    let repo = Repo::new();
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["pr-comment", "--save", "-"])
        .current_dir(repo.work())
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_EVENT_PATH")
        .env_remove("GITHUB_REPOSITORY")
        .output()
        .unwrap();
    let line = error_line(&out, 23);
    assert!(line.contains("no pull request number"), "{line}");
    assert!(line.contains("--pr N"), "{line}");
}

#[test]
fn an_event_file_that_is_not_json_is_unusable_context_and_a_missing_one_is_io() {
    let repo = Repo::new();
    let run = |event: &Path| {
        Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(["pr-comment", "--save", "-"])
            .current_dir(repo.work())
            .env("NO_COLOR", "1")
            .env("GITHUB_EVENT_PATH", event)
            .output()
            .unwrap()
    };
    let event = repo.work().join("event.json");
    std::fs::write(&event, "not json").unwrap();
    assert!(error_line(&run(&event), 23).contains("event.json is not a JSON event"));
    let gone = repo.work().join("gone.json");
    assert!(error_line(&run(&gone), 16).contains("could not access"));
}

/// Runs `release-pr`, which opens pull request 7; returns its body.
fn propose(repo: &Repo, api: &Api) -> String {
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/pulls")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([]))),
    );
    api.mount(
        Mock::given(method("POST"))
            .and(path(format!("{REPO}/pulls")))
            .respond_with(ResponseTemplate::new(201).set_body_json(pull_json(7, "", None))),
    );
    let out = repo.xtask(api, &["release-pr", "--base-branch", "main"]);
    assert!(out.status.success(), "{}", text(&out));
    let body = api.bodies("POST")[0]["body"].as_str().unwrap().to_owned();
    api.verify_and_reset();
    body
}

/// Merges the release branch into `main` with a merge commit, as GitHub would, and pushes it;
/// returns the merge.
fn merge_release(work: &Path) -> String {
    git(work, &["fetch", "-q", "origin", "release"]);
    git(
        work,
        &["merge", "-q", "--no-ff", "-m", "Merge #7", "FETCH_HEAD"],
    );
    git(work, &["push", "-q", "origin", "main"]);
    git(work, &["rev-parse", "HEAD"])
}

#[test]
fn github_release_on_a_merge_whose_tags_exist_partly_creates_the_others_verbatim_and_pushes_all() {
    let repo = Repo::new();
    let work = repo.work();
    std::fs::write(
        work.join("crates/core/src/lib.rs"),
        "pub fn core() -> u64 { 3 }\n",
    )
    .unwrap();
    git(&work, &["commit", "-q", "-am", "feat!: core counts in u64"]);
    git(&work, &["push", "-q", "origin", "main"]);
    let api = Api::start();
    let pr_body = propose(&repo, &api);
    let merge = merge_release(&work);
    // An earlier run (or a maintainer) made and pushed core's tag; app's is missing.
    git(
        &work,
        &["tag", "-a", "-m", "core 0.2.0 by hand", "core-v0.2.0"],
    );
    git(&work, &["push", "-q", "origin", "core-v0.2.0"]);
    let by_hand = git(&work, &["rev-parse", "core-v0.2.0"]);
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/pulls/7")))
            .respond_with(ResponseTemplate::new(200).set_body_json(pull_json(
                7,
                &pr_body,
                Some(&merge),
            ))),
    );
    let out = repo.xtask(
        &api,
        &[
            "github-release",
            "--pr",
            "7",
            "--tag-only",
            "--format",
            "json",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["tagged"], json!(["app-v0.1.1"]));
    let origin = repo.origin();
    assert_eq!(git(&origin, &["rev-parse", "core-v0.2.0"]), by_hand);
    assert_eq!(git(&origin, &["rev-parse", "app-v0.1.1^{commit}"]), merge);
    // The message keeps the changelog's `###` headings, which git's default cleanup strips.
    let object = git(&origin, &["cat-file", "tag", "app-v0.1.1"]);
    let message = object.split_once("\n\n").unwrap().1;
    assert!(
        message.starts_with("app 0.1.1\n\n### Changed\n"),
        "{message}"
    );
}

#[test]
fn a_merge_whose_tagging_failed_part_way_is_left_untagged_and_its_mismatch_still_tags_nothing() {
    let repo = Repo::new();
    let work = repo.work();
    // A third crate, released, that the release pull request will not include.
    std::fs::create_dir_all(work.join("crates/util/src")).unwrap();
    std::fs::write(
        work.join("crates/util/Cargo.toml"),
        "[package]\nname = \"util\"\nversion = \"0.1.0\"\nedition = \"2021\"\nlicense = \"MIT\"\ndescription = \"u\"\n",
    )
    .unwrap();
    std::fs::write(work.join("crates/util/src/lib.rs"), "\n").unwrap();
    fixture::cargo(&work, &["generate-lockfile", "--offline"]);
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-q", "-m", "chore: util"]);
    git(&work, &["tag", "util-v0.1.0"]);
    std::fs::write(
        work.join("crates/core/src/lib.rs"),
        "pub fn core() -> u64 { 3 }\n",
    )
    .unwrap();
    git(&work, &["commit", "-q", "-am", "feat!: core counts in u64"]);
    git(&work, &["push", "-q", "origin", "main", "--tags"]);
    let api = Api::start();
    let pr_body = propose(&repo, &api);
    // A fix to util lands on main before the release pull request is merged.
    std::fs::write(work.join("crates/util/src/lib.rs"), "// fixed\n").unwrap();
    git(&work, &["commit", "-q", "-am", "fix: util"]);
    let merge = merge_release(&work);
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/pulls/7")))
            .respond_with(ResponseTemplate::new(200).set_body_json(pull_json(
                7,
                &pr_body,
                Some(&merge),
            ))),
    );
    let tags = || git(&work, &["tag", "--list", "*-v0.[12].[01]"]);
    let before = tags();
    // The second tag is refused: the first is taken back, the checkout is as it was.
    fixture::refuse_tag(&work, "app-v0.1.1");
    let args = ["github-release", "--pr", "7", "--tag-only"];
    let out = repo.xtask(&api, &args);
    assert_eq!(out.status.code(), Some(16), "{}", text(&out));
    assert!(
        text(&out).contains("tag app-v0.1.1 is not allowed"),
        "{}",
        text(&out)
    );
    assert_eq!(tags(), before);
    // Rerun: the merge holds util's fix, which the plan did not include, so nothing is tagged.
    fixture::allow_tags(&work);
    let out = repo.xtask(&api, &args);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("would also release util 0.1.1")
            && text(&out).contains("nothing was tagged"),
        "{}",
        text(&out)
    );
    assert_eq!(tags(), before);
    assert!(git(&repo.origin(), &["tag", "--list", "core-v0.2.0"]).is_empty());
}
