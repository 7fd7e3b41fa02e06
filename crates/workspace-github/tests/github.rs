//! The octocrab client and the bots' orchestration against a loopback server that answers with
//! the GitHub REST API's shapes: comments, release pull requests, releases, retries and errors.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, header, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};
use workspace_github::comment::{self, Desired, OnEmpty};
use workspace_github::release_pr::{self, Proposal};
use workspace_github::releases::{self, Wanted};
use workspace_github::retry::RetryPolicy;
use workspace_github::test_support::{COMMENT_MARKER, FakeGitHub as Api};
use workspace_github::{Client, ClientConfig, Error, Forge, Token};

const TOKEN: &str = "ghs_test0123456789secret";
const REPO: &str = "/repos/acme/platform";

/// The clients these tests build against the fake server.
trait Clients {
    fn client(&self) -> Client;
    fn client_with_timeout(&self) -> Client;
}

impl Clients for Api {
    fn client(&self) -> Client {
        Client::new(ClientConfig {
            api_url: self.uri(),
            repository: "acme/platform".parse().unwrap(),
            token: Token::new(TOKEN).unwrap(),
            retry: RetryPolicy {
                attempts: 3,
                base_delay: Duration::from_millis(50),
                max_delay: Duration::from_secs(5),
            },
            timeout: Duration::from_secs(5),
            login: None,
        })
        .unwrap()
    }

    fn client_with_timeout(&self) -> Client {
        Client::new(config(self)).unwrap()
    }
}

fn user(login: &str, kind: &str) -> Value {
    json!({
        "login": login, "id": 41898282, "node_id": "MDM6Qm90NDE4OTgyODI=",
        "avatar_url": "https://avatars.githubusercontent.com/in/15368?v=4", "gravatar_id": "",
        "url": format!("https://api.github.com/users/{login}"),
        "html_url": format!("https://github.com/{login}"), "type": kind, "site_admin": false
    })
}

fn comment_json(id: u64, body: &str) -> Value {
    comment_by("github-actions[bot]", id, body)
}

fn comment_by(login: &str, id: u64, body: &str) -> Value {
    json!({
        "id": id, "node_id": "IC_kwDOABCD", "body": body,
        "url": format!("https://api.github.com{REPO}/issues/comments/{id}"),
        "html_url": format!("https://github.com/acme/platform/pull/5#issuecomment-{id}"),
        "issue_url": format!("https://api.github.com{REPO}/issues/5"),
        "user": user(login, if login.ends_with("[bot]") { "Bot" } else { "User" }),
        "created_at": "2026-05-01T10:00:00Z", "updated_at": "2026-05-01T10:00:00Z",
        "author_association": "NONE", "performed_via_github_app": null
    })
}

fn branch(name: &str, sha: &str) -> Value {
    json!({
        "label": format!("acme:{name}"), "ref": name, "sha": sha,
        "user": user("acme", "Organization"),
        "repo": { "id": 1296269, "name": "platform", "full_name": "acme/platform", "private": false }
    })
}

fn pull_json(number: u64, head: &str, body: &str) -> Value {
    json!({
        "url": format!("https://api.github.com{REPO}/pulls/{number}"),
        "id": 1_000_000 + number, "node_id": "PR_kwDOABCD", "number": number,
        "html_url": format!("https://github.com/acme/platform/pull/{number}"),
        "state": "open", "locked": false, "title": "chore(release): host 0.2.0", "body": body,
        "user": user("github-actions[bot]", "Bot"), "draft": false,
        "created_at": "2026-05-01T10:00:00Z", "updated_at": "2026-05-01T10:00:00Z",
        "closed_at": null, "merged_at": null, "merge_commit_sha": null,
        "head": branch(head, "6e8ef9a0aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
        "base": branch("main", "1b94eec2bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"),
        "author_association": "NONE"
    })
}

fn release_json(id: u64, tag: &str) -> Value {
    json!({
        "url": format!("https://api.github.com{REPO}/releases/{id}"), "id": id,
        "html_url": format!("https://github.com/acme/platform/releases/tag/{tag}"),
        "tag_name": tag, "target_commitish": "main", "name": tag, "body": "notes",
        "draft": false, "prerelease": false, "created_at": "2026-05-01T10:00:00Z",
        "published_at": "2026-05-01T10:00:00Z", "author": user("github-actions[bot]", "Bot"),
        "assets": []
    })
}

fn not_found() -> ResponseTemplate {
    ResponseTemplate::new(404).set_body_json(json!({
        "message": "Not Found",
        "documentation_url": "https://docs.github.com/rest",
        "status": "404"
    }))
}

fn desired(text: &str, affected: bool) -> Desired {
    Desired {
        body: format!("{}\n{text}", COMMENT_MARKER),
        affected,
    }
}

#[test]
fn the_comment_is_created_then_updated_then_deleted() {
    let api = Api::start();
    let client = api.client();
    let comments = format!("{REPO}/issues/5/comments");
    let human = comment_by("octocat", 11, "Looks good to me");

    // First push: no comment of ours yet.
    api.mount_actions_token();
    api.mount(
        Mock::given(method("GET"))
            .and(path(&comments))
            .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
            .and(query_param("per_page", "100"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([human]))),
    );
    let first = desired("host is affected", true);
    api.mount(
        Mock::given(method("POST"))
            .and(path(&comments))
            .and(body_partial_json(json!({ "body": first.body })))
            .respond_with(ResponseTemplate::new(201).set_body_json(comment_json(12, &first.body)))
            .expect(1),
    );
    let done = comment::sync(&client, 5, &first, OnEmpty::Delete).unwrap();
    assert_eq!(
        done,
        [comment::Done::Created {
            id: 12,
            url: "https://github.com/acme/platform/pull/5#issuecomment-12".into()
        }]
    );
    api.verify_and_reset();

    // Second push: our comment is found by its marker and edited in place.
    api.mount_actions_token();
    api.mount(
        Mock::given(method("GET"))
            .and(path(&comments))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!([human, comment_json(12, &first.body)])),
            ),
    );
    let second = desired("host and wash are affected", true);
    api.mount(
        Mock::given(method("PATCH"))
            .and(path(format!("{REPO}/issues/comments/12")))
            .and(body_partial_json(json!({ "body": second.body })))
            .respond_with(ResponseTemplate::new(200).set_body_json(comment_json(12, &second.body)))
            .expect(1),
    );
    api.mount(
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(500))
            .expect(0),
    );
    let done = comment::sync(&client, 5, &second, OnEmpty::Delete).unwrap();
    assert!(
        matches!(done[..], [comment::Done::Updated { id: 12, .. }]),
        "{done:?}"
    );
    api.verify_and_reset();

    // Third push: nothing affected any more, so the comment goes away.
    api.mount_actions_token();
    api.mount(
        Mock::given(method("GET"))
            .and(path(&comments))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!([human, comment_json(12, &second.body)])),
            ),
    );
    api.mount(
        Mock::given(method("DELETE"))
            .and(path(format!("{REPO}/issues/comments/12")))
            .respond_with(ResponseTemplate::new(204))
            .expect(1),
    );
    let done = comment::sync(&client, 5, &desired("nothing", false), OnEmpty::Delete).unwrap();
    assert_eq!(done, [comment::Done::Deleted { id: 12 }]);
    api.verify_and_reset();
}

#[test]
fn comments_are_read_across_pages() {
    let api = Api::start();
    let comments = format!("{REPO}/issues/5/comments");
    let page: Vec<Value> = (0..100).map(|i| comment_json(100 + i, "chatter")).collect();
    api.mount(
        Mock::given(method("GET"))
            .and(path(&comments))
            .and(query_param("page", "1"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!(page))),
    );
    let ours = comment_json(500, &format!("{}\nold", COMMENT_MARKER));
    api.mount(
        Mock::given(method("GET"))
            .and(path(&comments))
            .and(query_param("page", "2"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([ours]))),
    );
    let all = api.client().comments(5).unwrap();
    assert_eq!(all.len(), 101);
    assert_eq!(all[100].id, 500, "the marker on page 2 is found");
}

#[test]
fn the_release_pull_request_is_opened_then_updated() {
    let api = Api::start();
    let client = api.client();
    let pulls = format!("{REPO}/pulls");
    let proposal = Proposal {
        title: "chore(release): host 0.2.0".into(),
        body: "plan v1".into(),
    };
    api.mount(
        Mock::given(method("GET"))
            .and(path(&pulls))
            .and(query_param("head", "acme:release"))
            .and(query_param("base", "main"))
            .and(query_param("state", "open"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([]))),
    );
    api.mount(
        Mock::given(method("POST"))
            .and(path(&pulls))
            .and(body_partial_json(json!({
                "title": "chore(release): host 0.2.0", "head": "release", "base": "main", "body": "plan v1"
            })))
            .respond_with(ResponseTemplate::new(201).set_body_json(pull_json(7, "release", "plan v1")))
            .expect(1),
    );
    let done = release_pr::sync(&client, "release", "main", Some(&proposal)).unwrap();
    assert_eq!(
        done,
        release_pr::Done::Opened {
            number: 7,
            url: "https://github.com/acme/platform/pull/7".into()
        }
    );
    api.verify_and_reset();

    api.mount(Mock::given(method("GET")).and(path(&pulls)).respond_with(
        ResponseTemplate::new(200).set_body_json(json!([pull_json(7, "release", "plan v1")])),
    ));
    api.mount(
        Mock::given(method("PATCH"))
            .and(path(format!("{pulls}/7")))
            .and(body_partial_json(json!({ "body": "plan v2" })))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(pull_json(7, "release", "plan v2")),
            )
            .expect(1),
    );
    api.mount(
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(500))
            .expect(0),
    );
    let update = Proposal {
        body: "plan v2".into(),
        ..proposal
    };
    let done = release_pr::sync(&client, "release", "main", Some(&update)).unwrap();
    assert!(matches!(done, release_pr::Done::Updated { number: 7, .. }));
    api.verify_and_reset();

    // Nothing left to release: the open pull request is closed.
    api.mount(Mock::given(method("GET")).and(path(&pulls)).respond_with(
        ResponseTemplate::new(200).set_body_json(json!([pull_json(7, "release", "plan v2")])),
    ));
    api.mount(
        Mock::given(method("PATCH"))
            .and(path(format!("{pulls}/7")))
            .and(body_partial_json(json!({ "state": "closed" })))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(pull_json(7, "release", "closed")),
            )
            .expect(1),
    );
    let done = release_pr::sync(&client, "release", "main", None).unwrap();
    assert_eq!(done, release_pr::Done::Closed { number: 7 });
    api.verify_and_reset();
}

#[test]
fn releases_are_created_once() {
    let api = Api::start();
    let client = api.client();
    let wanted = [Wanted {
        tag: "host-v0.2.0".into(),
        body: "### Added\n\n- start actors".into(),
        prerelease: false,
    }];
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/releases/tags/host-v0.2.0")))
            .respond_with(not_found()),
    );
    api.mount(
        Mock::given(method("POST"))
            .and(path(format!("{REPO}/releases")))
            .and(body_partial_json(json!({
                "tag_name": "host-v0.2.0", "name": "host-v0.2.0",
                "body": "### Added\n\n- start actors", "prerelease": false
            })))
            .respond_with(ResponseTemplate::new(201).set_body_json(release_json(9, "host-v0.2.0")))
            .expect(1),
    );
    let done = releases::ensure(&client, &wanted).unwrap();
    assert!(matches!(&done[..], [releases::Done::Created { tag, .. }] if tag == "host-v0.2.0"));
    api.verify_and_reset();

    // A rerun finds the release and creates nothing.
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/releases/tags/host-v0.2.0")))
            .respond_with(ResponseTemplate::new(200).set_body_json(release_json(9, "host-v0.2.0"))),
    );
    api.mount(
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(500))
            .expect(0),
    );
    let done = releases::ensure(&client, &wanted).unwrap();
    assert!(matches!(&done[..], [releases::Done::Exists { tag, .. }] if tag == "host-v0.2.0"));
    api.verify_and_reset();
}

#[test]
fn a_bad_gateway_is_retried() {
    let api = Api::start();
    let pull = format!("{REPO}/pulls/5");
    api.mount(
        Mock::given(method("GET"))
            .and(path(&pull))
            .respond_with(
                ResponseTemplate::new(502).set_body_string("<html>502 Bad Gateway</html>"),
            )
            .up_to_n_times(1)
            .with_priority(1),
    );
    api.mount(
        Mock::given(method("GET")).and(path(&pull)).respond_with(
            ResponseTemplate::new(200).set_body_json(pull_json(5, "feature", "body")),
        ),
    );
    let pr = api.client().pull_request(5).unwrap();
    assert_eq!((pr.number, pr.head.name.as_str()), (5, "feature"));
    assert_eq!(api.requests().len(), 2, "one failure, one retry");
}

#[test]
fn server_errors_give_up_after_the_attempts() {
    let api = Api::start();
    api.mount(Mock::given(method("GET")).respond_with(
        ResponseTemplate::new(503).set_body_json(json!({ "message": "Service Unavailable" })),
    ));
    let err = api.client().pull_request(5).unwrap_err();
    assert_eq!(api.requests().len(), 3);
    assert_eq!(
        err.to_string(),
        format!(
            "github kept failing on GET {REPO}/pulls/5 after 3 attempt(s): 503 Service Unavailable"
        )
    );
}

#[test]
fn a_secondary_rate_limit_waits_for_retry_after() {
    let api = Api::start();
    let comments = format!("{REPO}/issues/5/comments");
    api.mount(
        Mock::given(method("POST"))
            .and(path(&comments))
            .respond_with(
                ResponseTemplate::new(403)
                    .insert_header("retry-after", "1")
                    .insert_header("x-ratelimit-remaining", "4999")
                    .set_body_json(json!({
                        "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                        "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
                    })),
            )
            .up_to_n_times(1)
            .with_priority(1),
    );
    api.mount(
        Mock::given(method("POST"))
            .and(path(&comments))
            .respond_with(ResponseTemplate::new(201).set_body_json(comment_json(3, "hi"))),
    );
    let started = Instant::now();
    let posted = api.client().create_comment(5, "hi").unwrap();
    let waited = started.elapsed();
    assert_eq!(posted.id, 3);
    assert!(waited >= Duration::from_secs(1), "waited only {waited:?}");
    assert!(waited < Duration::from_secs(4), "waited {waited:?}");
    assert_eq!(api.requests().len(), 2);
}

#[test]
fn refusals_name_what_was_refused_and_never_the_token() {
    let api = Api::start();
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/issues/5/comments")))
            .respond_with(ResponseTemplate::new(401).set_body_json(json!({
                "message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"
            }))),
    );
    api.mount(
        Mock::given(method("POST"))
            .and(path(format!("{REPO}/issues/5/comments")))
            .respond_with(ResponseTemplate::new(403).set_body_json(json!({
                "message": "Resource not accessible by integration", "documentation_url": "https://docs.github.com/rest", "status": "403"
            }))),
    );
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/pulls/99")))
            .respond_with(not_found()),
    );
    let client = api.client();

    let unauthorized = client.comments(5).unwrap_err();
    assert!(matches!(unauthorized, Error::Unauthorized { .. }));
    let forbidden = client.create_comment(5, "hi").unwrap_err();
    assert!(matches!(forbidden, Error::Forbidden { .. }));
    let missing = client.pull_request(99).unwrap_err();
    assert!(matches!(missing, Error::NotFound { .. }));
    assert_eq!(api.requests().len(), 3, "refusals are not retried");
    for (err, endpoint) in [
        (&unauthorized, format!("GET {REPO}/issues/5/comments")),
        (&forbidden, format!("POST {REPO}/issues/5/comments")),
        (&missing, format!("GET {REPO}/pulls/99")),
    ] {
        let (shown, debug) = (err.to_string(), format!("{err:?} {client:?}"));
        assert!(shown.contains(&endpoint), "{shown}");
        assert!(
            !shown.contains(TOKEN) && !debug.contains(TOKEN),
            "{shown} {debug}"
        );
    }
    assert!(
        forbidden
            .to_string()
            .contains("Resource not accessible by integration")
    );
}

#[test]
fn an_unreachable_server_is_retried_then_reported() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Client::new(ClientConfig {
        api_url: format!("http://127.0.0.1:{port}"),
        repository: "acme/platform".parse().unwrap(),
        token: Token::new(TOKEN).unwrap(),
        retry: RetryPolicy {
            attempts: 2,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_secs(1),
        },
        timeout: Duration::from_secs(2),
        login: None,
    })
    .unwrap();
    let err = client.pull_request(1).unwrap_err();
    assert!(
        matches!(&err, Error::Exhausted { attempts: 2, endpoint, .. } if endpoint == &format!("GET {REPO}/pulls/1")),
        "{err}"
    );
}

fn server_error(status: u16) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_string(format!("<html>{status}</html>"))
}

fn count(api: &Api, verb: &str, route: &str) -> usize {
    api.requests()
        .iter()
        .filter(|r| r.method.as_str() == verb && r.url.path() == route)
        .count()
}

#[test]
fn only_comments_the_tokens_own_identity_wrote_are_the_bots() {
    let api = Api::start();
    let comments = format!("{REPO}/issues/5/comments");
    let marked = |text: &str| format!("{}\n{text}", COMMENT_MARKER);
    // A person quoting the bot, another bot with the same marker, then the token's own comment.
    let existing = json!([
        comment_by("octocat", 21, &marked("I copied the bot's comment")),
        comment_by("other-app[bot]", 22, &marked("not ours either")),
        comment_by("acme-release-bot", 23, &marked("ours")),
    ]);
    api.mount(
        Mock::given(method("GET"))
            .and(path("/user"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(user("acme-release-bot", "User")),
            )
            .expect(1),
    );
    api.mount(
        Mock::given(method("GET"))
            .and(path(&comments))
            .respond_with(ResponseTemplate::new(200).set_body_json(existing.clone())),
    );
    let new = desired("host is affected", true);
    api.mount(
        Mock::given(method("PATCH"))
            .and(path(format!("{REPO}/issues/comments/23")))
            .respond_with(ResponseTemplate::new(200).set_body_json(comment_by(
                "acme-release-bot",
                23,
                &new.body,
            )))
            .expect(1),
    );
    let done = comment::sync(&api.client(), 5, &new, OnEmpty::Delete).unwrap();
    assert!(
        matches!(done[..], [comment::Done::Updated { id: 23, .. }]),
        "{done:?}"
    );
    assert_eq!(
        api.requests()
            .iter()
            .filter(|r| r.method.as_str() != "GET")
            .count(),
        1,
        "no other comment was edited or deleted"
    );
    api.verify_and_reset();

    // With GITHUB_TOKEN (no /user), the Actions bot's comments are ours; the person's marked
    // comment is neither edited nor deleted as a duplicate, even when nothing is affected.
    api.mount_actions_token();
    api.mount(
        Mock::given(method("GET"))
            .and(path(&comments))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([
                comment_by("octocat", 21, &marked("I copied the bot's comment")),
                comment_by("github-actions[bot]", 24, &marked("ours")),
                comment_by("github-actions[bot]", 25, &marked("a duplicate of ours")),
            ]))),
    );
    for id in [24, 25] {
        api.mount(
            Mock::given(method("DELETE"))
                .and(path(format!("{REPO}/issues/comments/{id}")))
                .respond_with(ResponseTemplate::new(204))
                .expect(1),
        );
    }
    let done = comment::sync(
        &api.client(),
        5,
        &desired("nothing", false),
        OnEmpty::Delete,
    )
    .unwrap();
    assert_eq!(
        done,
        [
            comment::Done::Deleted { id: 24 },
            comment::Done::Deleted { id: 25 }
        ]
    );
    api.verify_and_reset();

    // A GitHub App's login given to the client: /user is not asked, only that app's comments count.
    api.mount(
        Mock::given(method("GET"))
            .and(path("/user"))
            .respond_with(ResponseTemplate::new(500))
            .expect(0),
    );
    api.mount(
        Mock::given(method("GET"))
            .and(path(&comments))
            .respond_with(ResponseTemplate::new(200).set_body_json(existing)),
    );
    api.mount(
        Mock::given(method("PATCH"))
            .and(path(format!("{REPO}/issues/comments/22")))
            .respond_with(ResponseTemplate::new(200).set_body_json(comment_by(
                "other-app[bot]",
                22,
                &new.body,
            )))
            .expect(1),
    );
    let app = Client::new(ClientConfig {
        login: Some("other-app[bot]".into()),
        ..config(&api)
    })
    .unwrap();
    let done = comment::sync(&app, 5, &new, OnEmpty::Delete).unwrap();
    assert!(
        matches!(done[..], [comment::Done::Updated { id: 22, .. }]),
        "{done:?}"
    );
    api.verify_and_reset();
}

fn config(api: &Api) -> ClientConfig {
    ClientConfig {
        api_url: api.uri(),
        repository: "acme/platform".parse().unwrap(),
        token: Token::new(TOKEN).unwrap(),
        retry: RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(50),
            max_delay: Duration::from_secs(5),
        },
        timeout: Duration::from_secs(1),
        login: None,
    }
}

#[test]
fn a_comment_created_before_a_failed_answer_is_not_posted_again() {
    for failure in [
        server_error(502),
        // No answer in time: the client's timeout is 1 s.
        ResponseTemplate::new(201)
            .set_body_json(comment_json(31, "late"))
            .set_delay(Duration::from_secs(3)),
    ] {
        let api = Api::start();
        let comments = format!("{REPO}/issues/5/comments");
        let new = desired("host is affected", true);
        api.mount_actions_token();
        // Before the POST there is no comment; GitHub created it although the answer failed.
        api.mount(
            Mock::given(method("GET"))
                .and(path(&comments))
                .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
                .up_to_n_times(1)
                .with_priority(1),
        );
        api.mount(
            Mock::given(method("GET"))
                .and(path(&comments))
                .respond_with(ResponseTemplate::new(200).set_body_json(json!([
                    comment_by("octocat", 30, &new.body),
                    comment_json(31, &new.body)
                ]))),
        );
        api.mount(
            Mock::given(method("POST"))
                .and(path(&comments))
                .respond_with(failure)
                .expect(1),
        );
        let done = comment::sync(&api.client_with_timeout(), 5, &new, OnEmpty::Delete).unwrap();
        assert!(
            matches!(done[..], [comment::Done::Created { id: 31, .. }]),
            "the bot's own comment, found again: {done:?}"
        );
        api.verify_and_reset();
    }
}

#[test]
fn a_pull_request_or_release_that_already_exists_counts_as_created() {
    let api = Api::start();
    let client = api.client();
    let pulls = format!("{REPO}/pulls");
    let proposal = Proposal {
        title: "chore(release): host 0.2.0".into(),
        body: "plan".into(),
    };
    // 502 after GitHub opened the pull request: the lookup before the retry finds it.
    api.mount(
        Mock::given(method("GET"))
            .and(path(&pulls))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
            .up_to_n_times(1)
            .with_priority(1),
    );
    api.mount(Mock::given(method("GET")).and(path(&pulls)).respond_with(
        ResponseTemplate::new(200).set_body_json(json!([pull_json(7, "release", "plan")])),
    ));
    api.mount(
        Mock::given(method("POST"))
            .and(path(&pulls))
            .respond_with(server_error(502))
            .expect(1),
    );
    let done = release_pr::sync(&client, "release", "main", Some(&proposal)).unwrap();
    assert!(
        matches!(done, release_pr::Done::Opened { number: 7, .. }),
        "{done:?}"
    );
    api.verify_and_reset();

    // 422 "already exists" (a concurrent run opened it): found, not an error.
    api.mount(
        Mock::given(method("GET"))
            .and(path(&pulls))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
            .up_to_n_times(1)
            .with_priority(1),
    );
    api.mount(Mock::given(method("GET")).and(path(&pulls)).respond_with(
        ResponseTemplate::new(200).set_body_json(json!([pull_json(8, "release", "plan")])),
    ));
    api.mount(
        Mock::given(method("POST"))
            .and(path(&pulls))
            .respond_with(already_exists(
                "PullRequest",
                "A pull request already exists for acme:release.",
            ))
            .expect(1),
    );
    let done = release_pr::sync(&client, "release", "main", Some(&proposal)).unwrap();
    assert!(
        matches!(done, release_pr::Done::Opened { number: 8, .. }),
        "{done:?}"
    );
    api.verify_and_reset();

    // A release whose answer was lost: the release by its tag is found, not created twice.
    let tag = format!("{REPO}/releases/tags/host-v0.2.0");
    api.mount(
        Mock::given(method("GET"))
            .and(path(&tag))
            .respond_with(not_found())
            .up_to_n_times(1)
            .with_priority(1),
    );
    api.mount(
        Mock::given(method("GET"))
            .and(path(&tag))
            .respond_with(ResponseTemplate::new(200).set_body_json(release_json(9, "host-v0.2.0"))),
    );
    api.mount(
        Mock::given(method("POST"))
            .and(path(format!("{REPO}/releases")))
            .respond_with(server_error(504))
            .expect(1),
    );
    let wanted = [Wanted {
        tag: "host-v0.2.0".into(),
        body: "notes".into(),
        prerelease: false,
    }];
    let done = releases::ensure(&client, &wanted).unwrap();
    assert!(matches!(&done[..], [releases::Done::Created { tag, .. }] if tag == "host-v0.2.0"));
    api.verify_and_reset();
}

fn already_exists(resource: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(422).set_body_json(json!({
        "message": "Validation Failed",
        "errors": [{ "resource": resource, "code": "custom", "message": message }],
        "documentation_url": "https://docs.github.com/rest",
        "status": "422"
    }))
}

#[test]
fn a_validation_failure_shows_githubs_reasons() {
    let api = Api::start();
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/pulls")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([]))),
    );
    api.mount(
        Mock::given(method("POST"))
            .and(path(format!("{REPO}/pulls")))
            .respond_with(already_exists(
                "PullRequest",
                "No commits between main and release",
            )),
    );
    api.mount(
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/releases/tags/v1")))
            .respond_with(not_found()),
    );
    api.mount(
        Mock::given(method("POST"))
            .and(path(format!("{REPO}/releases")))
            .respond_with(ResponseTemplate::new(422).set_body_json(json!({
                "message": "Validation Failed",
                "errors": [{ "resource": "Release", "code": "invalid", "field": "target_commitish" }],
                "status": "422"
            }))),
    );
    let client = api.client();
    let draft = workspace_github::PullRequestDraft {
        title: "t".into(),
        head: "release".into(),
        base: "main".into(),
        body: "b".into(),
    };
    let err = client.create_pull_request(&draft).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "github answered 422 to POST {REPO}/pulls: Validation Failed: No commits between main and release"
        )
    );
    let err = client
        .create_release(&Wanted {
            tag: "v1".into(),
            body: String::new(),
            prerelease: false,
        })
        .unwrap_err();
    assert!(
        err.to_string()
            .ends_with("Validation Failed: Release target_commitish invalid"),
        "{err}"
    );
    assert_eq!(
        count(&api, "POST", &format!("{REPO}/pulls")),
        1,
        "422 is not retried"
    );
}

#[test]
fn a_deletion_whose_answer_was_lost_counts_as_done() {
    let api = Api::start();
    let route = format!("{REPO}/issues/comments/12");
    api.mount(
        Mock::given(method("DELETE"))
            .and(path(&route))
            .respond_with(server_error(502))
            .up_to_n_times(1)
            .with_priority(1),
    );
    api.mount(
        Mock::given(method("DELETE"))
            .and(path(&route))
            .respond_with(not_found()),
    );
    api.client().delete_comment(12).unwrap();
    assert_eq!(count(&api, "DELETE", &route), 2);
}

#[test]
fn a_retry_after_beyond_the_cap_is_refused_not_reported_as_attempts() {
    let api = Api::start();
    for (status, message) in [
        (429, "slow down"),
        (403, "You have exceeded a secondary rate limit"),
    ] {
        api.mount(
            Mock::given(method("GET"))
                .and(path(format!("{REPO}/pulls/5")))
                .respond_with(
                    ResponseTemplate::new(status)
                        .insert_header("retry-after", "600")
                        .set_body_json(json!({ "message": message })),
                ),
        );
        let started = Instant::now();
        let err = api.client().pull_request(5).unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "it did not wait"
        );
        assert!(
            matches!(
                err,
                Error::WaitRefused {
                    wait_secs: 600,
                    max_secs: 5,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!(
                "github asked to wait 600 s before retrying GET {REPO}/pulls/5, longer than the 5 s allowed"
            )
        );
        assert!(!err.to_string().contains("attempt"));
        api.verify_and_reset();
    }
}

#[test]
fn a_primary_rate_limit_resetting_beyond_the_cap_is_refused() {
    let api = Api::start();
    let reset = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    api.mount(
        Mock::given(method("GET")).respond_with(
            ResponseTemplate::new(403)
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", reset.to_string().as_str())
                .set_body_json(json!({ "message": "API rate limit exceeded for installation" })),
        ),
    );
    let err = api.client().pull_request(5).unwrap_err();
    assert!(
        matches!(
            err,
            Error::WaitRefused {
                wait_secs: 3590..=3602,
                max_secs: 5,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(api.requests().len(), 1);
}

#[test]
fn api_urls_that_are_not_http_are_refused_at_once() {
    let api = Api::start();
    let host = api.uri().trim_start_matches("http://").to_owned();
    for url in [
        format!("ftp://{host}"),
        host.clone(),
        format!("file:///{host}"),
        "ws://localhost:9".to_owned(),
        String::new(),
    ] {
        let started = Instant::now();
        let err = Client::new(ClientConfig {
            api_url: url.clone(),
            ..config(&api)
        })
        .unwrap_err();
        assert!(
            matches!(&err, Error::ApiUrl { url: u, .. } if u == &url),
            "{url}: {err:?}"
        );
        assert!(
            err.to_string()
                .contains("expected an http:// or https:// address"),
            "{err}"
        );
        assert!(started.elapsed() < Duration::from_secs(1));
    }
    assert!(api.requests().is_empty());
    Client::new(ClientConfig {
        api_url: format!("HTTP://{host}"),
        ..config(&api)
    })
    .unwrap();
}

#[test]
fn a_retry_after_too_large_for_a_number_or_given_as_a_date_is_refused_too() {
    let api = Api::start();
    let in_an_hour =
        httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(3600));
    for value in ["99999999999999999999999", in_an_hour.as_str()] {
        api.mount(
            Mock::given(method("GET"))
                .and(path(format!("{REPO}/pulls/5")))
                .respond_with(
                    ResponseTemplate::new(503)
                        .insert_header("retry-after", value)
                        .set_body_json(json!({ "message": "Service Unavailable" })),
                ),
        );
        let err = api.client().pull_request(5).unwrap_err();
        assert!(
            matches!(err, Error::WaitRefused { max_secs: 5, .. }),
            "{value}: {err:?}"
        );
        assert_eq!(api.requests().len(), 1, "{value}: retried anyway");
        api.verify_and_reset();
    }
}

#[test]
fn a_pull_request_found_instead_of_created_gets_this_runs_plan() {
    let api = Api::start();
    let pulls = format!("{REPO}/pulls");
    let proposal = Proposal {
        title: "chore(release): host 0.3.0".into(),
        body: "plan for 0.3.0".into(),
    };
    // The first look finds nothing; by the POST another run has opened one with its own plan.
    api.mount(
        Mock::given(method("GET"))
            .and(path(&pulls))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
            .up_to_n_times(1)
            .with_priority(1),
    );
    api.mount(Mock::given(method("GET")).and(path(&pulls)).respond_with(
        ResponseTemplate::new(200).set_body_json(json!([pull_json(
            8,
            "release",
            "plan for 0.2.0"
        )])),
    ));
    api.mount(
        Mock::given(method("POST"))
            .and(path(&pulls))
            .respond_with(already_exists(
                "PullRequest",
                "A pull request already exists for acme:release.",
            ))
            .expect(1),
    );
    api.mount(
        Mock::given(method("PATCH"))
            .and(path(format!("{pulls}/8")))
            .and(body_partial_json(json!({
                "title": proposal.title,
                "body": proposal.body,
            })))
            .respond_with(ResponseTemplate::new(200).set_body_json(pull_json(
                8,
                "release",
                "plan for 0.3.0",
            )))
            .expect(1),
    );
    let done = release_pr::sync(&api.client(), "release", "main", Some(&proposal)).unwrap();
    assert!(
        matches!(done, release_pr::Done::Opened { number: 8, .. }),
        "{done:?}"
    );
    api.verify_and_reset();
}

#[test]
fn a_token_no_http_header_can_carry_is_refused_without_printing_it() {
    // Two secrets pasted into one, a stray control character: octocrab would panic on them.
    for value in [
        "ghs_first0123\nghs_second0123",
        "ghs_abc\u{1}def",
        "ghs_abc\rdef",
        "ghs_abc\u{7f}",
    ] {
        let err = Token::new(value).unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, Error::InvalidToken), "{value:?}: {err:?}");
        assert!(
            text.starts_with("invalid github token") && !text.contains("ghs_"),
            "{text}"
        );
    }
    let api = Api::start();
    Client::new(ClientConfig {
        token: Token::new("  ghs_padded0123\n").unwrap(),
        ..config(&api)
    })
    .unwrap();
}
