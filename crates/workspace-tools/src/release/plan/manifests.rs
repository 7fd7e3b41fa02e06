//! The manifests as a release reads and rewrites them, with toml_edit so that comments, key
//! order and layout survive.

use std::collections::BTreeMap;

use semver::Version;
use toml_edit::{DocumentMut, Item, Value};

use super::{ReleasePlan, ReqLocation, Requirement, RequirementEdit};
use crate::{DepKind, Error, ManifestError, WorkspaceGraph};

/// A member's release-relevant manifest fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The crate name.
    pub name: String,
    /// Its version.
    pub version: Version,
    /// Its manifest, relative to the workspace root.
    pub manifest: String,
    /// `false` for `publish = false`, `publish = []` or a package without a `version`.
    pub publish: bool,
    /// `version.workspace = true`.
    pub shares_workspace_version: bool,
    /// Its `package.repository` (or the workspace's, when inherited), for changelog links.
    pub repository: Option<String>,
}

impl Member {
    /// Its changelog, relative to the workspace root, beside its manifest: the one place this
    /// path is derived.
    pub fn changelog(&self) -> String {
        let dir = self.manifest.strip_suffix("Cargo.toml").unwrap_or_default();
        format!("{dir}CHANGELOG.md")
    }
}

/// The text of every manifest of a workspace, by path relative to its root (`Cargo.toml` is
/// the root manifest).
// Public only to the tests, through the `test-support` feature.
#[cfg_attr(not(any(test, feature = "test-support")), allow(unreachable_pub))]
pub type Texts = BTreeMap<String, String>;

/// The dependency tables of a manifest: `[dependencies]`, `[dev-dependencies]`,
/// `[build-dependencies]` (and the `dev_dependencies`, `build_dependencies` spellings Cargo
/// still reads before edition 2024) and their `[target.'cfg(..)'.*]` forms, each with its path
/// and kind.
fn dependency_tables(doc: &DocumentMut) -> Vec<(Vec<String>, DepKind)> {
    const KINDS: [(&str, DepKind); 5] = [
        ("dependencies", DepKind::Normal),
        ("build-dependencies", DepKind::Build),
        ("build_dependencies", DepKind::Build),
        ("dev-dependencies", DepKind::Dev),
        ("dev_dependencies", DepKind::Dev),
    ];
    let mut tables: Vec<(Vec<String>, DepKind)> = Vec::new();
    for (key, kind) in KINDS {
        if doc.get(key).is_some_and(Item::is_table_like) {
            tables.push((vec![key.to_owned()], kind));
        }
    }
    if let Some(targets) = doc.get("target").and_then(Item::as_table_like) {
        for (target, table) in targets.iter() {
            for (key, kind) in KINDS {
                if table.get(key).is_some_and(Item::is_table_like) {
                    tables.push((
                        vec!["target".to_owned(), target.to_owned(), key.to_owned()],
                        kind,
                    ));
                }
            }
        }
    }
    tables
}

fn table_at<'d>(doc: &'d DocumentMut, path: &[String]) -> Option<&'d dyn toml_edit::TableLike> {
    let mut item = doc.as_item();
    for key in path {
        item = item.get(key)?;
    }
    item.as_table_like()
}

fn table_at_mut<'d>(
    doc: &'d mut DocumentMut,
    path: &[String],
) -> Option<&'d mut dyn toml_edit::TableLike> {
    let mut item = doc.as_item_mut();
    for key in path {
        item = item.get_mut(key)?;
    }
    item.as_table_like_mut()
}

fn parse(path: &str, text: &str) -> Result<DocumentMut, Error> {
    text.parse::<DocumentMut>()
        .map_err(|e| Error::manifest(path)(e.into()))
}

/// The manifest of a member, relative to the workspace root: the one place this path is
/// derived.
pub(crate) fn manifest_of(package: &crate::Package) -> String {
    match package.root.as_deref().unwrap_or_default() {
        "" => "Cargo.toml".to_owned(),
        dir => format!("{dir}/Cargo.toml"),
    }
}

/// A manifest the plan names but the release did not read: a caller's mistake, reported as the
/// file missing.
fn not_read(path: &str) -> Error {
    Error::Io {
        path: path.into(),
        source: std::io::ErrorKind::NotFound.into(),
    }
}

/// The string in `item`, or in its `key` when it is a table.
fn field<'i>(item: &'i Item, key: &str) -> Option<&'i str> {
    match item {
        Item::Value(Value::String(s)) if key == "version" => Some(s.value()),
        _ => item.get(key).and_then(Item::as_str),
    }
}

fn is_true(item: &Item, key: &str) -> bool {
    item.get(key).and_then(Item::as_bool) == Some(true)
}

/// Reads the members of `graph` and the version requirements between them from `texts`.
// Public only to the tests, through the `test-support` feature.
#[cfg_attr(not(any(test, feature = "test-support")), allow(unreachable_pub))]
pub fn read(
    graph: &WorkspaceGraph,
    texts: &Texts,
) -> Result<(Vec<Member>, Vec<Requirement>), Error> {
    let root = parse("Cargo.toml", &texts["Cargo.toml"])?;
    let workspace_deps = root.get("workspace").and_then(|w| w.get("dependencies"));
    let names: Vec<&str> = graph
        .members()
        .into_iter()
        .map(|ix| graph.package(ix).name.as_str())
        .collect();
    let mut members = Vec::new();
    let mut requirements = Vec::new();
    for ix in graph.members() {
        let package = graph.package(ix);
        let manifest = manifest_of(package);
        let text = texts.get(&manifest).ok_or_else(|| not_read(&manifest))?;
        let doc = if manifest == "Cargo.toml" {
            root.clone()
        } else {
            parse(&manifest, text)?
        };
        members.push(member(
            &package.name,
            &package.version,
            &manifest,
            &doc,
            &root,
        )?);
        let from = Dependent {
            name: &package.name,
            manifest: &manifest,
            doc: &doc,
        };
        requirements.extend(from.requirements(&names, workspace_deps));
    }
    // `[workspace.dependencies]` entries no member inherits must follow too, or the next member
    // to inherit one gets a stale requirement.
    if let Some(entries) = workspace_deps.and_then(Item::as_table_like) {
        let unused = uninherited(entries, &names, &requirements);
        requirements.extend(unused);
    }
    Ok((members, requirements))
}

/// The release-relevant fields of the member `name` at `version`, from its manifest `doc`
/// (`root` is the root manifest, for what it inherits).
fn member(
    name: &str,
    version: &str,
    manifest: &str,
    doc: &DocumentMut,
    root: &DocumentMut,
) -> Result<Member, Error> {
    let workspace_package = root.get("workspace").and_then(|w| w.get("package"));
    let pkg = doc.get("package");
    let publish_item = match pkg.and_then(|p| p.get("publish")) {
        Some(p) if is_true(p, "workspace") => workspace_package.and_then(|p| p.get("publish")),
        other => other,
    };
    let repository = match pkg.and_then(|p| p.get("repository")) {
        Some(r) if is_true(r, "workspace") => workspace_package
            .and_then(|p| p.get("repository"))
            .and_then(Item::as_str),
        other => other.and_then(Item::as_str),
    };
    let publish = match publish_item {
        Some(Item::Value(Value::Boolean(b))) => *b.value(),
        Some(Item::Value(Value::Array(registries))) => !registries.is_empty(),
        // Cargo: a package without a `version` is 0.0.0 and not publishable.
        _ => pkg.and_then(|p| p.get("version")).is_some(),
    };
    Ok(Member {
        name: name.to_owned(),
        version: Version::parse(version).map_err(|source| {
            Error::manifest(manifest)(ManifestError::Version {
                version: version.to_owned(),
                source,
            })
        })?,
        manifest: manifest.to_owned(),
        publish,
        shares_workspace_version: pkg
            .and_then(|p| p.get("version"))
            .is_some_and(|v| is_true(v, "workspace")),
        repository: repository.map(|r| r.trim_end_matches('/').to_owned()),
    })
}

/// A member whose manifest's requirements on other members are read.
struct Dependent<'a> {
    name: &'a str,
    manifest: &'a str,
    doc: &'a DocumentMut,
}

impl Dependent<'_> {
    /// Its requirements with a version on the members `names`, by path dependency, in its
    /// own tables or inherited from `[workspace.dependencies]` (`workspace_deps`).
    fn requirements(&self, names: &[&str], workspace_deps: Option<&Item>) -> Vec<Requirement> {
        let mut requirements = Vec::new();
        for (table_path, kind) in dependency_tables(self.doc) {
            let Some(table) = table_at(self.doc, &table_path) else {
                continue;
            };
            for (key, item) in table.iter() {
                let inherited = is_true(item, "workspace");
                // An inherited entry names its package and path in `[workspace.dependencies]`.
                let entry = match inherited {
                    true => workspace_deps.and_then(|d| d.get(key)),
                    false => Some(item),
                };
                let Some(entry) = entry.filter(|e| e.get("path").is_some()) else {
                    continue;
                };
                let target = field(entry, "package").unwrap_or(key);
                if !names.contains(&target) || target == self.name {
                    continue;
                }
                let location = match inherited {
                    true => ReqLocation::Workspace {
                        key: key.to_owned(),
                    },
                    false => ReqLocation::Member {
                        manifest: self.manifest.to_owned(),
                        table: table_path.clone(),
                        key: key.to_owned(),
                    },
                };
                if let Some(req) = field(entry, "version") {
                    requirements.push(Requirement {
                        from: self.name.to_owned(),
                        to: target.to_owned(),
                        kind,
                        req: req.to_owned(),
                        location,
                    });
                }
            }
        }
        requirements
    }
}

/// The `[workspace.dependencies]` `entries` on members `names` that no member inherits (none
/// of `requirements` is at their location), as requirements of the member on itself.
fn uninherited(
    entries: &dyn toml_edit::TableLike,
    names: &[&str],
    requirements: &[Requirement],
) -> Vec<Requirement> {
    let mut out = Vec::new();
    for (key, entry) in entries.iter() {
        let target = field(entry, "package").unwrap_or(key);
        let location = ReqLocation::Workspace {
            key: key.to_owned(),
        };
        let (Some(req), true, true) = (
            field(entry, "version"),
            entry.get("path").is_some() && names.contains(&target),
            requirements.iter().all(|r| r.location != location),
        ) else {
            continue;
        };
        out.push(Requirement {
            from: target.to_owned(),
            to: target.to_owned(),
            kind: DepKind::Dev,
            req: req.to_owned(),
            location,
        });
    }
    out
}

/// Sets `slot` to the string `new`, keeping its quoting (a `'literal'` stays literal) and the
/// comments and spacing around it.
fn set_string(slot: &mut Value, new: &str) {
    let decor = slot.decor().clone();
    let literal = matches!(slot, Value::String(s) if s.display_repr().starts_with('\''));
    *slot = match literal {
        // A version holds no quote, so the literal form always parses.
        true => format!("'{new}'")
            .parse()
            .unwrap_or_else(|_| Value::from(new)),
        false => Value::from(new),
    };
    *slot.decor_mut() = decor;
}

/// Sets the `version` of a dependency entry: `"0.4"`, `{ version = "0.4" }` or a table.
fn set_requirement(entry: &mut Item, new: &str) -> bool {
    match entry {
        Item::Value(v @ Value::String(_)) => set_string(v, new),
        Item::Value(Value::InlineTable(t)) => match t.get_mut("version") {
            Some(v) => set_string(v, new),
            None => return false,
        },
        Item::Table(t) => match t.get_mut("version").and_then(Item::as_value_mut) {
            Some(v) => set_string(v, new),
            None => return false,
        },
        _ => return false,
    }
    true
}

/// The manifests after `plan`: versions and requirements rewritten in place. Returns only the
/// files that change.
// Public only to the tests, through the `test-support` feature.
#[cfg_attr(not(any(test, feature = "test-support")), allow(unreachable_pub))]
pub fn apply(plan: &ReleasePlan, members: &[Member], texts: &Texts) -> Result<Texts, Error> {
    let mut docs = Docs {
        texts,
        docs: BTreeMap::new(),
    };
    for release in &plan.releases {
        let Some(member) = members.iter().find(|m| m.name == release.name) else {
            continue;
        };
        if member.shares_workspace_version {
            continue;
        }
        let slot = docs
            .get(&member.manifest)?
            .get_mut("package")
            .and_then(|p| p.get_mut("version"))
            .and_then(Item::as_value_mut);
        if let Some(v) = slot {
            set_string(v, &release.to.to_string());
        }
    }
    if let Some(version) = &plan.workspace_version {
        let slot = docs
            .get("Cargo.toml")?
            .get_mut("workspace")
            .and_then(|w| w.get_mut("package"))
            .and_then(|p| p.get_mut("version"))
            .and_then(Item::as_value_mut);
        if let Some(v) = slot {
            set_string(v, &version.to_string());
        }
    }
    for edit in &plan.requirement_edits {
        docs.edit_requirement(edit)?;
    }
    Ok(docs
        .docs
        .into_iter()
        .map(|(path, doc)| (path, doc.to_string()))
        .filter(|(path, text)| texts.get(path) != Some(text))
        .collect())
}

/// The manifests being edited, each parsed from `texts` the first time it is needed.
struct Docs<'t> {
    texts: &'t Texts,
    docs: BTreeMap<String, DocumentMut>,
}

impl Docs<'_> {
    /// The manifest at `path`, parsed on first use.
    fn get(&mut self, path: &str) -> Result<&mut DocumentMut, Error> {
        if !self.docs.contains_key(path) {
            let text = self.texts.get(path).ok_or_else(|| not_read(path))?;
            self.docs.insert(path.to_owned(), parse(path, text)?);
        }
        Ok(self.docs.get_mut(path).expect("inserted above"))
    }

    /// Writes the new requirement of `edit` where it stands, keeping its form.
    fn edit_requirement(&mut self, edit: &RequirementEdit) -> Result<(), Error> {
        let (path, table, key): (&str, Vec<String>, &str) = match &edit.location {
            ReqLocation::Member {
                manifest,
                table,
                key,
            } => (manifest, table.clone(), key),
            ReqLocation::Workspace { key } => (
                "Cargo.toml",
                vec!["workspace".to_owned(), "dependencies".to_owned()],
                key,
            ),
        };
        let entry = table_at_mut(self.get(path)?, &table).and_then(|t| t.get_mut(key));
        if !entry.is_some_and(|e| set_requirement(e, &edit.new)) {
            return Err(Error::RequirementNotFound {
                path: path.into(),
                key: key.to_owned(),
                table: table.join("."),
            });
        }
        Ok(())
    }
}

/// `Cargo.lock` with the versions of released members, and of their entries in dependency
/// lists, moved; nothing else changes, so no third-party package is upgraded.
pub(crate) fn apply_to_lockfile(plan: &ReleasePlan, lock: &str) -> Result<String, Error> {
    let mut doc = parse("Cargo.lock", lock)?;
    let moved: BTreeMap<&str, (String, String)> = plan
        .releases
        .iter()
        .map(|r| (r.name.as_str(), (r.from.to_string(), r.to.to_string())))
        .collect();
    let Some(packages) = doc
        .get_mut("package")
        .and_then(Item::as_array_of_tables_mut)
    else {
        return Ok(lock.to_owned());
    };
    for entry in packages.iter_mut() {
        let local = entry.get("source").is_none();
        let name = entry
            .get("name")
            .and_then(Item::as_str)
            .unwrap_or_default()
            .to_owned();
        if let (true, Some((from, to))) = (local, moved.get(name.as_str()))
            && let Some(v) = entry.get_mut("version").and_then(Item::as_value_mut)
            && v.as_str() == Some(from)
        {
            set_string(v, to);
        }
        let Some(deps) = entry.get_mut("dependencies").and_then(Item::as_array_mut) else {
            continue;
        };
        for dep in deps.iter_mut() {
            let Some(text) = dep.as_str() else { continue };
            // "name version" names one of several versions; a source suffix means not ours.
            let mut words = text.split(' ');
            if let (Some(n), Some(v), None) = (words.next(), words.next(), words.next())
                && let Some((_, to)) = moved.get(n).filter(|(from, _)| from == v)
            {
                set_string(dep, &format!("{n} {to}"));
            }
        }
    }
    Ok(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Package;
    use crate::release::plan::RequirementEdit;
    use crate::test_support::{release, release_plan};

    const ROOT: &str = r#"[workspace]
members = ["crates/*"]

[workspace.package]
version = "0.7.0"   # shared by the core crates

[workspace.dependencies]
wascap = { path = "crates/wascap", version = "0.7" }
"#;

    const HOST: &str = r#"[package]
name = "host"
version.workspace = true

[dependencies]
wascap.workspace = true

[target.'cfg(unix)'.dev-dependencies]
wash = { path = "../wash", version = "=1.2.0" } # exact on purpose
"#;

    const WASH: &str = "[package]\nname = \"wash\"\nversion = '1.2.0'\npublish = false\n";

    fn fixture() -> (WorkspaceGraph, Texts) {
        let mut g = WorkspaceGraph::new("/w");
        g.add_package(Package::member("wascap", "0.7.0", "crates/wascap"));
        g.add_package(Package::member("host", "0.7.0", "crates/host"));
        g.add_package(Package::member("wash", "1.2.0", "crates/wash"));
        let texts: Texts = [
            ("Cargo.toml", ROOT),
            (
                "crates/wascap/Cargo.toml",
                "[package]\nname = \"wascap\"\nversion.workspace = true\n",
            ),
            ("crates/host/Cargo.toml", HOST),
            ("crates/wash/Cargo.toml", WASH),
        ]
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect();
        (g, texts)
    }

    #[test]
    fn requirements_are_read_from_members_and_workspace_entries() {
        let (g, texts) = fixture();
        let (members, reqs) = read(&g, &texts).unwrap();
        let wash = members.iter().find(|m| m.name == "wash").unwrap();
        assert!(!wash.publish && !wash.shares_workspace_version);
        assert!(
            members
                .iter()
                .find(|m| m.name == "host")
                .unwrap()
                .shares_workspace_version
        );
        let found: Vec<(String, String, DepKind, String)> = reqs
            .iter()
            .map(|r| (r.from.clone(), r.to.clone(), r.kind, r.req.clone()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "host".into(),
                    "wascap".into(),
                    DepKind::Normal,
                    "0.7".into()
                ),
                ("host".into(), "wash".into(), DepKind::Dev, "=1.2.0".into())
            ]
        );
        assert_eq!(
            reqs[0].location,
            ReqLocation::Workspace {
                key: "wascap".into()
            }
        );
    }

    #[test]
    fn apply_rewrites_only_the_versions_and_keeps_everything_else() {
        let (g, texts) = fixture();
        let (members, reqs) = read(&g, &texts).unwrap();
        let plan = ReleasePlan {
            workspace_version: Some("0.8.0".parse().unwrap()),
            ..release_plan(
                vec![
                    release("wascap", "0.7.0", "0.8.0"),
                    release("host", "0.7.0", "0.8.0"),
                    release("wash", "1.2.0", "1.3.0"),
                ],
                vec![
                    RequirementEdit {
                        location: reqs[0].location.clone(),
                        dependency: "wascap".into(),
                        old: "0.7".into(),
                        new: "0.8".into(),
                    },
                    RequirementEdit {
                        location: reqs[1].location.clone(),
                        dependency: "wash".into(),
                        old: "=1.2.0".into(),
                        new: "=1.3.0".into(),
                    },
                ],
            )
        };
        let out = apply(&plan, &members, &texts).unwrap();
        assert_eq!(out.len(), 3, "{out:?}");
        assert_eq!(
            out["Cargo.toml"],
            ROOT.replace("\"0.7.0\"", "\"0.8.0\"")
                .replace("version = \"0.7\"", "version = \"0.8\"")
        );
        assert_eq!(
            out["crates/host/Cargo.toml"],
            HOST.replace("=1.2.0", "=1.3.0")
        );
        assert_eq!(
            out["crates/wash/Cargo.toml"],
            WASH.replace("'1.2.0'", "'1.3.0'")
        );

        let lock = "version = 4\n\n[[package]]\nname = \"host\"\nversion = \"0.7.0\"\ndependencies = [\n \"serde 1.0.0\",\n \"wascap\",\n]\n\n[[package]]\nname = \"serde\"\nversion = \"1.0.0\"\nsource = \"registry+https://example.invalid\"\n\n[[package]]\nname = \"wascap\"\nversion = \"0.7.0\"\n";
        let new_lock = apply_to_lockfile(&plan, lock).unwrap();
        assert_eq!(
            new_lock,
            lock.replace("version = \"0.7.0\"", "version = \"0.8.0\"")
        );
    }
}
