//! Which tables of the root `Cargo.toml` differ between two versions, compared as TOML values
//! so that comments and layout do not count.

use std::collections::BTreeSet;

use toml::{Table, Value};

/// Tables of the root manifest that belong to the workspace, not to a root package.
const WORKSPACE_KEYS: [&str; 4] = ["workspace", "profile", "patch", "replace"];

/// The differences between two versions of the root manifest.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct RootManifestDiff {
    /// Changed workspace-level tables, such as `[workspace.package]` or `[profile.release]`.
    pub(crate) workspace_tables: Vec<String>,
    /// Changed entries of `[workspace.dependencies]`.
    pub(crate) workspace_dependencies: BTreeSet<String>,
    /// Changed tables that belong to a root package, such as `[package]` or `[dependencies]`.
    pub(crate) package_tables: Vec<String>,
}

/// Compares two versions of the root manifest. A side that is missing or is not TOML makes
/// the whole file count as a workspace-level change.
pub(crate) fn diff(base: Option<&str>, head: Option<&str>) -> RootManifestDiff {
    let parse = |text: Option<&str>| text.and_then(|t| toml::from_str::<Table>(t).ok());
    let (Some(base), Some(head)) = (parse(base), parse(head)) else {
        return RootManifestDiff {
            workspace_tables: vec!["Cargo.toml".to_owned()],
            ..Default::default()
        };
    };
    let mut out = RootManifestDiff::default();
    for key in changed_keys(&base, &head) {
        match key.as_str() {
            "workspace" => workspace_diff(&base, &head, &mut out),
            "profile" | "patch" => {
                for sub in changed_keys(table(&base, &key), table(&head, &key)) {
                    out.workspace_tables.push(format!("[{key}.{sub}]"));
                }
            }
            k if WORKSPACE_KEYS.contains(&k) => out.workspace_tables.push(format!("[{k}]")),
            k => out.package_tables.push(format!("[{k}]")),
        }
    }
    out
}

fn workspace_diff(base: &Table, head: &Table, out: &mut RootManifestDiff) {
    let (base, head) = (table(base, "workspace"), table(head, "workspace"));
    for key in changed_keys(base, head) {
        if key == "dependencies" {
            out.workspace_dependencies
                .extend(changed_keys(table(base, &key), table(head, &key)));
        } else {
            out.workspace_tables.push(format!("[workspace.{key}]"));
        }
    }
}

fn table<'a>(parent: &'a Table, key: &str) -> &'a Table {
    static EMPTY: std::sync::OnceLock<Table> = std::sync::OnceLock::new();
    match parent.get(key) {
        Some(Value::Table(t)) => t,
        _ => EMPTY.get_or_init(Table::new),
    }
}

/// Keys whose values differ, present on either side, sorted.
fn changed_keys(base: &Table, head: &Table) -> BTreeSet<String> {
    base.keys()
        .chain(head.keys())
        .filter(|k| base.get(*k) != head.get(*k))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
[workspace]
members = ["crates/*"]

[workspace.dependencies]
serde = "1"
tokio = { version = "1", features = ["rt"] }

[profile.release]
lto = true
"#;

    #[test]
    fn one_workspace_dependency_entry() {
        let head = BASE.replace(r#"features = ["rt"]"#, r#"features = ["rt", "net"]"#);
        let d = diff(Some(BASE), Some(&head));
        assert_eq!(
            d.workspace_dependencies,
            BTreeSet::from(["tokio".to_owned()])
        );
        assert!(d.workspace_tables.is_empty() && d.package_tables.is_empty());
    }

    #[test]
    fn comments_and_layout_do_not_count() {
        let head = BASE
            .replace("lto = true", "lto = true # keep it small")
            .replace("serde = \"1\"", "serde = '1'");
        assert_eq!(diff(Some(BASE), Some(&head)), RootManifestDiff::default());
    }

    #[test]
    fn workspace_tables_and_package_tables_are_told_apart() {
        let head = BASE
            .replace("lto = true", "lto = false")
            .replace("members", "exclude = [\"x\"]\nmembers")
            + "\n[package]\nname = \"root\"\n";
        let d = diff(Some(BASE), Some(&head));
        assert_eq!(
            d.workspace_tables,
            ["[profile.release]", "[workspace.exclude]"]
        );
        assert_eq!(d.package_tables, ["[package]"]);
    }

    #[test]
    fn unreadable_side_counts_as_a_workspace_change() {
        assert_eq!(
            diff(Some("[workspace"), Some(BASE)).workspace_tables,
            ["Cargo.toml"]
        );
    }
}
