//! Path rules: what a changed path outside the packages' own files affects.
//!
//! The defaults follow DESIGN in `docs/affected.md`; users add rules in the root manifest:
//!
//! ```toml
//! [workspace.metadata.workspace-tools.affected]
//! rules = [
//!     { paths = ["wit/**"], affects = ["host", "wash"] },
//!     { paths = ["scripts/**"], affects = "none" },
//! ]
//! ```
//!
//! User rules are tried first, on every path; the first match wins.

use std::path::Path;

use crate::config::{AffectedConfig, AffectsConfig};
use crate::{Error, LoadError, WorkspaceGraph};
use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

/// What a rule says a matching path affects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Every package.
    All,
    /// No package.
    None,
    /// These members.
    Packages(Vec<String>),
}

/// Paths matching any of a set of globs, and what they affect.
///
/// The matcher is compiled from the globs once, in [`Rule::new`], and the fields are private,
/// so the globs a reason shows are always the ones that matched:
///
/// ```compile_fail
/// # use workspace_tools::{Effect, Rule};
/// let mut rule = Rule::new(&["docs/**"], Effect::None).unwrap();
/// rule.paths = vec!["src/**".into()]; // the globs cannot be changed apart from the matcher
/// ```
#[derive(Debug, Clone)]
pub struct Rule {
    /// The globs, relative to the workspace root (`*` stays within a directory, `**` crosses).
    paths: Vec<String>,
    effect: Effect,
    matcher: GlobSet,
}

impl Rule {
    /// A rule; fails on an invalid glob.
    pub fn new(paths: &[&str], effect: Effect) -> Result<Rule, globset::Error> {
        let mut builder = GlobSetBuilder::new();
        for path in paths {
            builder.add(glob(path)?);
        }
        Ok(Rule {
            paths: paths.iter().map(|p| p.to_string()).collect(),
            effect,
            matcher: builder.build()?,
        })
    }

    /// Whether `path` matches.
    pub fn matches(&self, path: &str) -> bool {
        self.matcher.is_match(path)
    }

    /// The globs as written, relative to the workspace root.
    pub fn paths(&self) -> &[String] {
        &self.paths
    }

    /// What a matching path affects.
    pub fn effect(&self) -> &Effect {
        &self.effect
    }

    /// The globs as written, for reasons: `wit/**, *.wit`.
    pub fn label(&self) -> String {
        self.paths.join(", ")
    }
}

/// Why a user rule with these globs could never apply, if so: changed paths are relative to
/// the workspace root (`../` for the folders above it), name files, and never start with `./`
/// or `/`, so such a glob would show in the configuration while matching nothing.
fn unmatchable(paths: &[&str]) -> Option<String> {
    if paths.is_empty() {
        return Some("no paths".to_owned());
    }
    let never =
        |p: &&&str| p.is_empty() || p.starts_with("./") || p.starts_with('/') || p.ends_with('/');
    paths.iter().find(never).map(|p| {
        format!(
            "`{p}` can match no changed path (globs are relative to the workspace root and name files, as in `wit/**`)"
        )
    })
}

fn glob(pattern: &str) -> Result<Glob, globset::Error> {
    GlobBuilder::new(pattern).literal_separator(true).build()
}

/// The rules in force: the user's, then the defaults.
#[derive(Debug, Clone)]
pub struct Rules {
    user: Vec<Rule>,
    workspace_files: Vec<Rule>,
    outside_packages: Vec<Rule>,
}

impl Default for Rules {
    /// The defaults with no user rules.
    fn default() -> Rules {
        let rule =
            |paths: &[&str], effect| Rule::new(paths, effect).expect("default globs are valid");
        Rules {
            user: Vec::new(),
            // Files that change how every package builds or is tested. They hold even when the
            // workspace root is itself a package.
            workspace_files: vec![
                rule(&["rust-toolchain", "rust-toolchain.toml"], Effect::All),
                rule(&[".cargo/config", ".cargo/config.toml"], Effect::All),
                rule(&[".github/workflows/**"], Effect::All),
                rule(&[".github/**"], Effect::None),
            ],
            // Paths that belong to no package.
            outside_packages: vec![
                rule(&["docs/**"], Effect::None),
                rule(&["**/*.md"], Effect::None),
            ],
        }
    }
}

impl Rules {
    /// The rules of the `affected` table of the root manifest `manifest`, checked against the
    /// members of `graph`.
    pub(crate) fn from_config(
        manifest: &Path,
        config: AffectedConfig,
        graph: &WorkspaceGraph,
    ) -> Result<Rules, Error> {
        let fail = |message: String| {
            Error::from(LoadError::Config {
                path: manifest.to_owned(),
                message,
            })
        };
        let mut rules = Rules::default();
        for (i, rule) in config.rules.into_iter().enumerate() {
            let effect = match rule.affects {
                AffectsConfig::Word(w) if w == "all" => Effect::All,
                AffectsConfig::Word(w) if w == "none" => Effect::None,
                AffectsConfig::Word(w) => {
                    return Err(fail(format!(
                        "rule {}: affects = \"{w}\": expected \"all\", \"none\" or a list of packages",
                        i + 1
                    )));
                }
                AffectsConfig::Packages(names) => {
                    if let Some(unknown) = names.iter().find(|n| graph.member_by_name(n).is_none())
                    {
                        return Err(fail(format!(
                            "rule {}: `{unknown}` is not a workspace member",
                            i + 1
                        )));
                    }
                    Effect::Packages(names)
                }
            };
            let paths: Vec<&str> = rule.paths.iter().map(String::as_str).collect();
            unmatchable(&paths)
                .map_or(Ok(()), |why| Err(fail(format!("rule {}: {why}", i + 1))))?;
            let rule =
                Rule::new(&paths, effect).map_err(|e| fail(format!("rule {}: {e}", i + 1)))?;
            rules.user.push(rule);
        }
        Ok(rules)
    }

    /// The first user rule that matches `path`.
    pub(crate) fn user_rule(&self, path: &str) -> Option<&Rule> {
        self.user.iter().find(|r| r.matches(path))
    }

    /// The first default rule for workspace-level files that matches `path`. They also hold in
    /// the folders above the workspace root: cargo reads `.cargo/config.toml` and
    /// `rust-toolchain.toml` from every ancestor folder, and CI from the repository root.
    pub(crate) fn workspace_rule(&self, path: &str) -> Option<&Rule> {
        let mut above = path;
        while let Some(rest) = above.strip_prefix("../") {
            above = rest;
        }
        self.workspace_files.iter().find(|r| r.matches(above))
    }

    /// The first default rule for paths outside every package that matches `path`.
    pub(crate) fn outside_rule(&self, path: &str) -> Option<&Rule> {
        self.outside_packages.iter().find(|r| r.matches(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Package;

    fn from_manifest(text: &str) -> Result<Rules, Error> {
        let path = Path::new("Cargo.toml");
        Rules::from_config(path, crate::config::parse(path, text)?.affected, &graph())
    }

    fn graph() -> WorkspaceGraph {
        let mut g = WorkspaceGraph::new("/w");
        g.add_package(Package::member("host", "0.1.0", "crates/host"));
        g
    }

    #[test]
    fn defaults_classify_workspace_files() {
        let r = Rules::default();
        assert_eq!(
            r.workspace_rule("rust-toolchain.toml").unwrap().effect(),
            &Effect::All
        );
        assert_eq!(
            r.workspace_rule(".github/workflows/ci.yml")
                .unwrap()
                .effect(),
            &Effect::All
        );
        assert_eq!(
            r.workspace_rule(".github/CODEOWNERS").unwrap().effect(),
            &Effect::None
        );
        assert!(r.workspace_rule("crates/x/rust-toolchain.toml").is_none());
        assert_eq!(
            r.workspace_rule("../../.cargo/config.toml")
                .unwrap()
                .effect(),
            &Effect::All
        );
        assert!(r.workspace_rule("../go/rust-toolchain.toml").is_none());
        assert_eq!(
            r.outside_rule("notes/a/b.md").unwrap().effect(),
            &Effect::None
        );
        assert!(r.outside_rule("wit/api.wit").is_none());
    }

    #[test]
    fn user_rules_are_read_and_checked() {
        let text = r#"
[workspace.metadata.workspace-tools.affected]
rules = [{ paths = ["wit/*.wit"], affects = ["host"] }, { paths = ["x/**"], affects = "none" }]
"#;
        let r = from_manifest(text).unwrap();
        assert_eq!(
            r.user_rule("wit/api.wit").unwrap().effect(),
            &Effect::Packages(vec!["host".into()])
        );
        assert!(r.user_rule("wit/sub/api.wit").is_none());
        assert_eq!(r.user_rule("x/y/z").unwrap().effect(), &Effect::None);

        let bad = text.replace("[\"host\"]", "[\"nope\"]");
        let err = from_manifest(&bad).unwrap_err();
        assert!(
            err.to_string()
                .contains("rule 1: `nope` is not a workspace member"),
            "{err}"
        );
        let bad = text.replace("\"none\"", "\"some\"");
        assert!(from_manifest(&bad).is_err());
    }

    /// A glob that no changed path can match would show in the configuration as a rule that
    /// holds, while never applying: changed paths are relative to the workspace root, name
    /// files, and never start with `./` or `/`.
    #[test]
    fn a_rule_that_can_match_no_changed_path_is_refused() {
        let cases = [
            (r#"[]"#, "rule 2: no paths"),
            (r#"[""]"#, "rule 2: `` can match no changed path"),
            (
                r#"["wit/**", "./proto/**"]"#,
                "rule 2: `./proto/**` can match no changed path",
            ),
            (
                r#"["/wit/**"]"#,
                "rule 2: `/wit/**` can match no changed path",
            ),
            (r#"["wit/"]"#, "rule 2: `wit/` can match no changed path"),
        ];
        for (paths, expected) in cases {
            let text = format!(
                "[workspace.metadata.workspace-tools.affected]\n\
                 rules = [{{ paths = [\"x/**\"], affects = \"all\" }}, \
                 {{ paths = {paths}, affects = \"none\" }}]\n"
            );
            let err = from_manifest(&text).unwrap_err().to_string();
            assert!(err.contains(expected), "{paths}: {err}");
        }
        // A path above the workspace root can change (the workspace is a folder of the
        // repository), so `../` stays allowed.
        let text = "[workspace.metadata.workspace-tools.affected]\n\
                    rules = [{ paths = [\"../shared/**\"], affects = \"all\" }]\n";
        let r = from_manifest(text).unwrap();
        assert_eq!(
            r.user_rule("../shared/a.txt").unwrap().effect(),
            &Effect::All
        );
    }

    /// Paths that tell the globs below apart: depth, extensions, dot files, braces, classes.
    const PATHS: [&str; 14] = [
        "wit/api.wit",
        "wit/sub/api.wit",
        "wit",
        "docs/a.md",
        "docs/deep/b.md",
        "README.md",
        "crates/x/README.md",
        ".github/workflows/ci.yml",
        ".github/CODEOWNERS",
        "scripts/a.sh",
        "scripts/b.py",
        "proto/v1/x.proto",
        "proto/v2/x.proto",
        "a/b/c/d",
    ];

    #[test]
    fn a_rules_shown_globs_are_the_globs_it_matches_with() {
        let sets: [&[&str]; 7] = [
            &["wit/*.wit"],
            &["docs/**", "**/*.md"],
            &[".github/**"],
            &["scripts/*.{sh,py}"],
            &["proto/v[12]/*.proto"],
            &["*"],
            &["a/**/d", "wit"],
        ];
        for globs in sets {
            let rule = Rule::new(globs, Effect::None).unwrap();
            assert_eq!(rule.paths(), globs, "the globs are kept as written");
            // The label a reason shows, read back as globs, matches exactly what the rule
            // matches; and so does each shown glob compiled on its own.
            let label = rule.label();
            let shown: Vec<&str> = label.split(", ").collect();
            let reread = Rule::new(&shown, Effect::None).unwrap();
            for path in PATHS {
                let one_by_one = rule
                    .paths()
                    .iter()
                    .any(|g| Rule::new(&[g], Effect::None).unwrap().matches(path));
                assert_eq!(
                    rule.matches(path),
                    reread.matches(path),
                    "{globs:?} on {path}"
                );
                assert_eq!(rule.matches(path), one_by_one, "{globs:?} on {path}");
            }
        }
    }

    #[test]
    fn a_cloned_rule_keeps_its_globs_and_matcher_together() {
        let rule = Rule::new(&["wit/*.wit"], Effect::All).unwrap();
        let copy = rule.clone();
        assert_eq!(copy.paths(), rule.paths());
        assert_eq!(copy.effect(), &Effect::All);
        assert!(copy.matches("wit/api.wit") && !copy.matches("wit/sub/api.wit"));
    }
}
