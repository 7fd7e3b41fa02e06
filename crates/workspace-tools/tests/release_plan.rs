//! The release planner over fixture graphs, and its properties over random workspaces.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use proptest::prelude::*;
use semver::Version;
use workspace_tools::release::{
    BumpSpec, Commit, CrateState, ReleasePlan, ReqLocation, Requirement, plan,
};
use workspace_tools::test_support::{crate_state as krate, requirement as req};
use workspace_tools::{DepKind, ReleaseConfig};

fn v(s: &str) -> Version {
    Version::parse(s).unwrap()
}

/// The product crates: wascap ← control-interface ← host, wash (dev-dependency on host).
fn product(ci_commits: &[&str]) -> (Vec<CrateState>, Vec<Requirement>) {
    let crates = vec![
        krate("wascap", "0.5.2", &[]),
        krate("control-interface", "0.4.1", ci_commits),
        krate("host", "0.3.1", &[]),
        krate("wash", "0.9.0", &[]),
    ];
    let reqs = vec![
        req("control-interface", "wascap", DepKind::Normal, "0.5"),
        req("host", "wascap", DepKind::Normal, "0.5"),
        req("host", "control-interface", DepKind::Normal, "0.4"),
        req("wash", "wascap", DepKind::Normal, "0.5.2"),
        req("wash", "control-interface", DepKind::Normal, "=0.4.1"),
        req("wash", "host", DepKind::Dev, "0.3"),
    ];
    (crates, reqs)
}

fn run(
    crates: &[CrateState],
    reqs: &[Requirement],
    config: &ReleaseConfig,
    bumps: &[(&str, &str)],
) -> ReleasePlan {
    let bumps: BTreeMap<String, BumpSpec> = bumps
        .iter()
        .map(|(n, s)| (n.to_string(), s.parse().unwrap()))
        .collect();
    plan(crates, reqs, config, &bumps).unwrap()
}

fn summary(plan: &ReleasePlan) -> Vec<String> {
    plan.releases
        .iter()
        .map(|r| format!("{} {} -> {}", r.name, r.from, r.to))
        .collect()
}

#[test]
fn a_breaking_change_cascades_to_dependents_whose_requirement_breaks() {
    let (crates, reqs) = product(&["feat!: versioned protocol"]);
    let plan = run(&crates, &reqs, &ReleaseConfig::default(), &[]);
    assert_eq!(
        summary(&plan),
        [
            "control-interface 0.4.1 -> 0.5.0",
            "host 0.3.1 -> 0.3.2",
            "wash 0.9.0 -> 0.9.1"
        ]
    );
    let host = &plan.releases[1];
    assert_eq!(
        host.reasons,
        ["depends on control-interface 0.5.0 (breaking)"]
    );
    assert!(host.dependency_only);
    assert_eq!(host.tag.as_deref(), Some("host-v0.3.2"));
    let edits: Vec<(String, String)> = plan
        .requirement_edits
        .iter()
        .map(|e| (e.old.clone(), e.new.clone()))
        .collect();
    // host's "0.4" and wash's "=0.4.1" must move; wash's dev requirement on host "0.3" still matches
    // 0.3.2, and wash's "0.5.2" on the unreleased wascap stays.
    assert_eq!(
        edits,
        [
            ("0.4".to_owned(), "0.5".to_owned()),
            ("=0.4.1".to_owned(), "=0.5.0".to_owned())
        ]
    );
}

#[test]
fn a_public_dependency_makes_the_cascade_breaking() {
    let (crates, reqs) = product(&["fix: x", "feat: y\n\nBREAKING CHANGE: z"]);
    let mut config = ReleaseConfig::default();
    config
        .crates
        .entry("host".into())
        .or_default()
        .public_dependencies = vec!["control-interface".into()];
    let plan = run(&crates, &reqs, &config, &[]);
    assert_eq!(
        summary(&plan),
        [
            "control-interface 0.4.1 -> 0.5.0",
            "host 0.3.1 -> 0.4.0",
            "wash 0.9.0 -> 0.9.1"
        ]
    );
}

#[test]
fn a_compatible_bump_leaves_unreleased_dependents_alone() {
    let (crates, reqs) = product(&["fix: off by one"]);
    let plan = run(&crates, &reqs, &ReleaseConfig::default(), &[]);
    // wash pins "=0.4.1", so it must follow; host's "0.4" still matches 0.4.2.
    assert_eq!(
        summary(&plan),
        ["control-interface 0.4.1 -> 0.4.2", "wash 0.9.0 -> 0.9.1"]
    );
    assert_eq!(plan.requirement_edits.len(), 1);
    assert_eq!(plan.requirement_edits[0].new, "=0.4.2");
}

#[test]
fn dev_dependency_requirements_are_updated_but_force_nothing() {
    let (crates, reqs) = product(&[]);
    let plan = run(
        &crates,
        &reqs,
        &ReleaseConfig::default(),
        &[("host", "minor")],
    );
    assert_eq!(summary(&plan), ["host 0.3.1 -> 0.4.0"]);
    assert_eq!(plan.requirement_edits.len(), 1);
    assert_eq!(
        (
            plan.requirement_edits[0].old.as_str(),
            plan.requirement_edits[0].new.as_str()
        ),
        ("0.3", "0.4")
    );
}

#[test]
fn explicit_bumps_and_pre_releases() {
    let (mut crates, reqs) = product(&[]);
    crates[0].version = v("1.2.0-rc.1");
    crates[0].last_release = Some(crates[0].version.clone());
    let reqs: Vec<Requirement> = reqs
        .into_iter()
        .map(|r| {
            if r.to == "wascap" {
                Requirement {
                    req: "1.2.0-rc.1".into(),
                    ..r
                }
            } else {
                r
            }
        })
        .collect();
    let plan = run(
        &crates,
        &reqs,
        &ReleaseConfig::default(),
        &[("wascap", "rc")],
    );
    assert_eq!(plan.releases[0].to, v("1.2.0-rc.2"));
    assert_eq!(plan.releases[0].reasons, ["--bump rc"]);
    let plan = run(
        &crates,
        &reqs,
        &ReleaseConfig::default(),
        &[("wascap", "release")],
    );
    assert_eq!(plan.releases[0].to, v("1.2.0"));
    let err = plan_err(&crates, &reqs, &[("nope", "patch")]);
    assert!(err.contains("`nope` is not a workspace member"), "{err}");
}

fn plan_err(crates: &[CrateState], reqs: &[Requirement], bumps: &[(&str, &str)]) -> String {
    let bumps: BTreeMap<String, BumpSpec> = bumps
        .iter()
        .map(|(n, s)| (n.to_string(), s.parse().unwrap()))
        .collect();
    plan(crates, reqs, &ReleaseConfig::default(), &bumps)
        .unwrap_err()
        .to_string()
}

#[test]
fn lockstep_groups_and_workspace_versions_share_one_version() {
    let (crates, reqs) = product(&["feat: new command"]);
    let mut config = ReleaseConfig::default();
    config.groups.insert(
        "core".into(),
        vec!["wascap".into(), "control-interface".into()],
    );
    let plan = run(&crates, &reqs, &config, &[]);
    // control-interface's feature would give 0.4.2, but the group must move above wascap's 0.5.2.
    assert_eq!(
        summary(&plan)[..2],
        ["wascap 0.5.2 -> 0.5.3", "control-interface 0.4.1 -> 0.5.3"]
    );
    assert_eq!(
        plan.releases[0].reasons,
        ["lockstep group `core` (control-interface) moves to 0.5.3"]
    );

    let mut crates = product(&[]).0;
    for c in &mut crates {
        c.version = v("0.7.0");
        c.last_release = Some(c.version.clone());
        c.shares_workspace_version = c.name != "wash";
    }
    crates[2].commits = vec![Commit::parse("c1", "feat!: x")];
    let reqs: Vec<Requirement> = product(&[])
        .1
        .into_iter()
        .map(|r| Requirement {
            req: "0.7".into(),
            ..r
        })
        .collect();
    let plan = run(&crates, &reqs, &ReleaseConfig::default(), &[]);
    assert_eq!(
        summary(&plan),
        [
            "wascap 0.7.0 -> 0.8.0",
            "control-interface 0.7.0 -> 0.8.0",
            "host 0.7.0 -> 0.8.0",
            "wash 0.7.0 -> 0.7.1"
        ]
    );
    assert_eq!(plan.workspace_version, Some(v("0.8.0")));
}

#[test]
fn a_train_releases_everything_under_one_tag() {
    let (mut crates, reqs) = product(&["fix: x"]);
    for c in &mut crates {
        c.version = v("1.4.0");
        c.last_release = Some(c.version.clone());
    }
    let reqs: Vec<Requirement> = reqs
        .into_iter()
        .map(|r| Requirement {
            req: "1.4".into(),
            ..r
        })
        .collect();
    let config = ReleaseConfig {
        train: true,
        ..ReleaseConfig::default()
    };
    let plan = run(&crates, &reqs, &config, &[]);
    assert_eq!(plan.releases.len(), 4);
    assert!(
        plan.releases
            .iter()
            .all(|r| r.to == v("1.4.1") && r.tag.is_none())
    );
    assert_eq!(plan.tags(), ["v1.4.1"]);
}

#[test]
fn unpublished_crates_move_only_with_a_group() {
    let (mut crates, reqs) = product(&["feat!: x"]);
    crates[2].publish = false;
    let plan = run(&crates, &reqs, &ReleaseConfig::default(), &[]);
    assert!(plan.releases.iter().all(|r| r.name != "host"));
    // Its requirement is still rewritten, or the workspace would not build.
    assert!(plan.requirement_edits.iter().any(|e| matches!(&e.location, ReqLocation::Member { manifest, .. } if manifest == "crates/host/Cargo.toml")));
}

#[test]
fn nothing_changed_nothing_planned() {
    let (crates, reqs) = product(&[]);
    assert!(run(&crates, &reqs, &ReleaseConfig::default(), &[]).is_empty());
}

type Workspace = (
    Vec<CrateState>,
    Vec<Requirement>,
    Vec<(usize, usize)>,
    Vec<usize>,
);

/// A random workspace: crate i depends on lower-numbered crates (dev edges may point anywhere),
/// with random public dependencies and one random lockstep group.
fn workspace() -> impl Strategy<Value = Workspace> {
    (2usize..12).prop_flat_map(|n| {
        let versions = proptest::collection::vec((0u64..3, 0u64..4, 0u64..4), n);
        let edges = proptest::collection::vec((0..n, 0..n, 0u8..6), 0..n * 2);
        let changes = proptest::collection::vec(0u8..5, n);
        let public = proptest::collection::vec((0..n, 0..n), 0..n);
        let group = proptest::collection::vec(0..n, 0..4);
        (versions, edges, changes, public, group).prop_map(
            |(versions, edges, changes, public, group)| {
                let messages = ["", "fix: a", "feat: b", "feat!: c", ""];
                let crates: Vec<CrateState> = versions
                    .iter()
                    .zip(&changes)
                    .enumerate()
                    .map(|(i, ((ma, mi, pa), ch))| {
                        let m = messages[*ch as usize];
                        let commits: &[&str] = if m.is_empty() { &[] } else { &[m] };
                        krate(&format!("c{i}"), &format!("{ma}.{mi}.{pa}"), commits)
                    })
                    .collect();
                let mut reqs = Vec::new();
                let mut seen = std::collections::BTreeSet::new();
                for (a, b, style) in edges {
                    let (kind, from, to) = match style {
                        0 => (DepKind::Dev, a, b),
                        1 => (DepKind::Build, a.max(b), a.min(b)),
                        _ => (DepKind::Normal, a.max(b), a.min(b)),
                    };
                    if from == to || !seen.insert((from, to, kind)) {
                        continue;
                    }
                    let text = req_text(usize::from(style) * 7 + a + b, &crates[to].version);
                    reqs.push(req(&crates[from].name, &crates[to].name, kind, &text));
                }
                (crates, reqs, public, group)
            },
        )
    })
}

/// A requirement in one of Cargo's forms (every operator, one to three parts, ranges) that
/// matches `v`.
fn req_text(form: usize, v: &Version) -> String {
    let (ma, mi, pa) = (v.major, v.minor, v.patch);
    match form % 14 {
        0 => format!("={v}"),
        1 => format!("^{v}"),
        2 => format!("{ma}.{mi}"),
        3 => format!("~{ma}.{mi}"),
        4 => format!("{ma}.{mi}.*"),
        5 => format!(">={ma}.{mi}"),
        6 => format!("<{}", ma + 1),
        7 => format!("<={v}"),
        8 => format!(">={v}, <{ma}.{}", mi + 1),
        9 if pa > 0 => format!(">{ma}.{mi}.{}", pa - 1),
        9 => format!(">={v}"),
        10 => format!("{ma}"),
        11 => "*".to_owned(),
        12 => format!("<{ma}.{}", mi + 1),
        _ => v.to_string(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn plans_keep_the_workspace_consistent((crates, reqs, public, group) in workspace()) {
        let mut config = ReleaseConfig::default();
        let group: std::collections::BTreeSet<String> = group.iter().map(|i| format!("c{i}")).collect();
        config.groups.insert("g".into(), group.into_iter().collect());
        for (a, b) in public {
            config.crates.entry(format!("c{a}")).or_default().public_dependencies.push(format!("c{b}"));
        }
        let plan = plan(&crates, &reqs, &config, &BTreeMap::new()).unwrap();
        let planned: BTreeMap<&str, &Version> = crates
            .iter()
            .map(|c| (c.name.as_str(), plan.releases.iter().find(|r| r.name == c.name).map_or(&c.version, |r| &r.to)))
            .collect();
        let position: BTreeMap<&str, usize> = plan.releases.iter().enumerate().map(|(i, r)| (r.name.as_str(), i)).collect();
        for r in &reqs {
            let edited = plan.requirement_edits.iter().find(|e| e.location == r.location).map_or(&r.req, |e| &e.new);
            let target = planned[r.to.as_str()];
            // Every requirement matches the planned version of its target...
            prop_assert!(semver::VersionReq::parse(edited).unwrap().matches(target), "{} {} -> {edited} vs {target}", r.from, r.req);
            if let (DepKind::Normal | DepKind::Build, Some(from), Some(to)) =
                (r.kind, position.get(r.from.as_str()), position.get(r.to.as_str()))
            {
                // ...publish order puts dependencies first...
                prop_assert!(to < from, "{} published before its dependency {}", r.from, r.to);
            }
        }
        for c in &crates {
            let release = plan.releases.iter().find(|r| r.name == c.name);
            // ...every changed crate is released, and every release moves up.
            prop_assert_eq!(release.is_some() || c.commits.is_empty(), true);
            if let Some(r) = release {
                prop_assert!(r.to > r.from);
                prop_assert!(!r.reasons.is_empty());
            }
        }
        // No released crate depends on an unreleased crate it is incompatible with.
        for r in reqs.iter().filter(|r| r.kind != DepKind::Dev && position.contains_key(r.from.as_str()) && !position.contains_key(r.to.as_str())) {
            let edited = plan.requirement_edits.iter().find(|e| e.location == r.location).map_or(&r.req, |e| &e.new);
            let unreleased = &crates.iter().find(|c| c.name == r.to).unwrap().version;
            prop_assert!(semver::VersionReq::parse(edited).unwrap().matches(unreleased));
        }
    }
}

/// A workspace as manifest texts: crate i at a random version, depending on lower-numbered
/// crates (dev-dependencies on any) directly, renamed, or through `[workspace.dependencies]`
/// entries (renamed or not, some inherited by nobody), in every kind of table, with every
/// requirement form; random commits, and sometimes a pre-release bump.
type TextWorkspace = (
    workspace_tools::WorkspaceGraph,
    workspace_tools::release::manifests::Texts,
    Vec<u8>,
    Option<usize>,
);

fn text_workspace() -> impl Strategy<Value = TextWorkspace> {
    (2usize..8).prop_flat_map(|n| {
        let versions = proptest::collection::vec((0u64..3, 0u64..4, 0u64..4), n);
        let entries = proptest::collection::vec((any::<bool>(), 0usize..14), n);
        let edges = proptest::collection::vec((0..n, 0..n, 0u8..4, 0u8..3, 0usize..14), 0..n * 2);
        let changes = proptest::collection::vec(0u8..5, n);
        let alpha = proptest::option::of(0..n);
        (versions, entries, edges, changes, alpha).prop_map(
            move |(versions, entries, edges, changes, alpha)| {
                let versions: Vec<Version> = versions
                    .iter()
                    .map(|(a, b, c)| Version::new(*a, *b, *c))
                    .collect();
                let mut graph = workspace_tools::WorkspaceGraph::new("/w");
                let mut root = String::from("[workspace]\nmembers = [\"crates/*\"]\n\n[workspace.dependencies]\n");
                for (i, (renamed, form)) in entries.iter().enumerate() {
                    let key = if *renamed { format!("w{i}") } else { format!("c{i}") };
                    let _ = writeln!(
                        root,
                        "{key} = {{ package = \"c{i}\", path = \"crates/c{i}\", version = \"{}\" }}",
                        req_text(*form, &versions[i])
                    );
                }
                let tables = [
                    "dependencies",
                    "build-dependencies",
                    "target.'cfg(unix)'.dependencies",
                    "dev-dependencies",
                ];
                let mut deps: Vec<BTreeMap<&str, Vec<String>>> = vec![BTreeMap::new(); n];
                let mut seen = std::collections::BTreeSet::new();
                for (a, b, table, how, form) in edges {
                    let dev = table == 3;
                    let (from, to) = if dev { (a, b) } else { (a.max(b), a.min(b)) };
                    if from == to || !seen.insert((from, to)) {
                        continue;
                    }
                    let line = match how {
                        0 => format!(
                            "c{to} = {{ path = \"../c{to}\", version = \"{}\" }}",
                            req_text(form, &versions[to])
                        ),
                        1 => format!(
                            "alias{to} = {{ package = \"c{to}\", path = \"../c{to}\", version = \"{}\" }}",
                            req_text(form, &versions[to])
                        ),
                        _ => format!(
                            "{}.workspace = true",
                            if entries[to].0 { format!("w{to}") } else { format!("c{to}") }
                        ),
                    };
                    deps[from].entry(tables[usize::from(table)]).or_default().push(line);
                }
                let mut texts = workspace_tools::release::manifests::Texts::new();
                texts.insert("Cargo.toml".into(), root);
                for (i, v) in versions.iter().enumerate() {
                    graph.add_package(workspace_tools::Package::member(
                        &format!("c{i}"),
                        &v.to_string(),
                        &format!("crates/c{i}"),
                    ));
                    let mut text = format!("[package]\nname = \"c{i}\"\nversion = \"{v}\"\n");
                    for (table, lines) in &deps[i] {
                        let _ = write!(text, "\n[{table}]\n{}\n", lines.join("\n"));
                    }
                    texts.insert(format!("crates/c{i}/Cargo.toml"), text);
                }
                (graph, texts, changes, alpha)
            },
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// After a plan is applied to the manifests, every path requirement in them (member tables,
    /// renamed entries, `[workspace.dependencies]` inherited or not) matches its target's new
    /// version, and none is lost.
    #[test]
    fn applied_plans_leave_every_requirement_matching((graph, texts, changes, alpha) in text_workspace()) {
        use workspace_tools::release::manifests;
        let (members, reqs) = manifests::read(&graph, &texts).unwrap();
        let messages = ["", "fix: a", "feat: b", "feat!: c", ""];
        let crates: Vec<CrateState> = members
            .iter()
            .zip(&changes)
            .map(|(m, ch)| {
                let message = messages[usize::from(*ch)];
                let commits: &[&str] = if message.is_empty() { &[] } else { &[message] };
                krate(&m.name, &m.version.to_string(), commits)
            })
            .collect();
        let bumps: BTreeMap<String, BumpSpec> = alpha
            .map(|i| (format!("c{i}"), BumpSpec::Pre("alpha")))
            .into_iter()
            .collect();
        let plan = match plan(&crates, &reqs, &ReleaseConfig::default(), &bumps) {
            Ok(plan) => plan,
            Err(e) => {
                // A bump below the current version is the only refusal these inputs allow.
                prop_assert!(e.to_string().contains("is not above the current version"), "{e}");
                return Ok(());
            }
        };
        let mut after = texts.clone();
        after.extend(manifests::apply(&plan, &members, &texts).unwrap());
        let (_, edited) = manifests::read(&graph, &after).unwrap();
        prop_assert_eq!(edited.len(), reqs.len());
        for r in &edited {
            let target = plan
                .releases
                .iter()
                .find(|p| p.name == r.to)
                .map_or_else(|| members.iter().find(|m| m.name == r.to).unwrap().version.clone(), |p| p.to.clone());
            prop_assert!(
                semver::VersionReq::parse(&r.req).unwrap().matches(&target),
                "{:?}: `{}` does not match {}", r.location, r.req, target
            );
        }
    }
}
