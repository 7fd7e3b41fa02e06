//! Which `Cargo.lock` entries differ between two versions of the file.

use std::collections::{BTreeMap, BTreeSet};

/// The `(name, version)` of every entry that is new or different at head, or `None` when
/// either side cannot be read as a lock file (then the caller must assume everything changed).
pub(crate) fn changed_entries(
    base: Option<&str>,
    head: Option<&str>,
) -> Option<BTreeSet<(String, String)>> {
    let base = match base {
        Some(text) => entries(text)?,
        None => BTreeMap::new(),
    };
    let head = entries(head?)?;
    Some(
        head.into_iter()
            .filter(|(key, value)| base.get(key) != Some(value))
            .map(|((name, version, _), _)| (name, version))
            .collect(),
    )
}

type EntryKey = (String, String, String);

/// Lock entries keyed by name, version and source, each with the rest of its table (checksum,
/// dependencies) so that a changed dependency list counts as a change of that entry.
fn entries(text: &str) -> Option<BTreeMap<EntryKey, toml::Table>> {
    let mut doc: toml::Table = toml::from_str(text).ok()?;
    let packages = match doc.remove("package") {
        Some(toml::Value::Array(packages)) => packages,
        None => Vec::new(),
        Some(_) => return None,
    };
    packages
        .into_iter()
        .map(|entry| {
            let toml::Value::Table(mut table) = entry else {
                return None;
            };
            let mut take = |key: &str| match table.remove(key) {
                Some(toml::Value::String(s)) => Some(s),
                _ => None,
            };
            let name = take("name")?;
            let version = take("version")?;
            let source = take("source").unwrap_or_default();
            Some(((name, version, source), table))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
version = 4

[[package]]
name = "itoa"
version = "1.0.10"
source = "registry+https://example.invalid/index"
checksum = "aaa"

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["itoa"]
"#;

    #[test]
    fn a_version_bump_changes_the_entry() {
        let head = BASE.replace("1.0.10", "1.0.11").replace("aaa", "bbb");
        let changed = changed_entries(Some(BASE), Some(&head)).unwrap();
        assert_eq!(
            changed,
            BTreeSet::from([("itoa".to_owned(), "1.0.11".to_owned())])
        );
    }

    #[test]
    fn a_changed_dependency_list_changes_the_dependent_entry() {
        let head = BASE.replace(r#"dependencies = ["itoa"]"#, "dependencies = []");
        let changed = changed_entries(Some(BASE), Some(&head)).unwrap();
        assert_eq!(
            changed,
            BTreeSet::from([("app".to_owned(), "0.1.0".to_owned())])
        );
    }

    #[test]
    fn reformatting_changes_nothing_and_garbage_is_unknown() {
        let head = format!("# regenerated\n{BASE}");
        assert_eq!(
            changed_entries(Some(BASE), Some(&head)).unwrap(),
            BTreeSet::new()
        );
        assert_eq!(changed_entries(Some(BASE), Some("[[package]\n")), None);
    }
}
