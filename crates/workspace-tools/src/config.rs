//! The tool's configuration: `[workspace.metadata.workspace-tools]` in the root manifest.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::{Error, LoadError};

/// The whole `[workspace.metadata.workspace-tools]` table.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ToolConfig {
    #[serde(default)]
    pub(crate) affected: AffectedConfig,
    #[serde(default)]
    pub(crate) release: ReleaseConfig,
    /// `[workspace.metadata.workspace-tools.test-tools]`: tool crate to exact version.
    #[serde(default, rename = "test-tools")]
    pub(crate) test_tools: BTreeMap<String, String>,
}

/// `[workspace.metadata.workspace-tools.affected]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AffectedConfig {
    #[serde(default)]
    pub(crate) rules: Vec<RuleConfig>,
}

/// One path rule as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleConfig {
    pub(crate) paths: Vec<String>,
    pub(crate) affects: AffectsConfig,
}

/// `affects = "all" | "none" | ["pkg", ...]`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum AffectsConfig {
    Word(String),
    Packages(Vec<String>),
}

/// `[workspace.metadata.workspace-tools.release]`: how crates are versioned and tagged.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ReleaseConfig {
    /// Tag of one crate's release; `{name}` is the crate's tag name, `{version}` its version.
    #[serde(default = "default_tag_format")]
    pub tag_format: String,
    /// Release every publishable crate as one train, at one version, under one tag.
    #[serde(default)]
    pub train: bool,
    /// The tag of a train release.
    #[serde(default = "default_train_tag_format")]
    pub train_tag_format: String,
    /// Lockstep groups: crates in a group always share one version.
    #[serde(default)]
    pub groups: BTreeMap<String, Vec<String>>,
    /// Per-crate settings.
    #[serde(default)]
    pub crates: BTreeMap<String, CrateConfig>,
}

/// `[workspace.metadata.workspace-tools.release.crates.NAME]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CrateConfig {
    /// The `{name}` of its tags, when it differs from the crate name (`host` for `wasmcloud-host`).
    pub tag_name: Option<String>,
    /// Dependencies whose types appear in this crate's public API: a breaking release of one of
    /// them makes this crate's release breaking too.
    #[serde(default)]
    pub public_dependencies: Vec<String>,
}

fn default_tag_format() -> String {
    "{name}-v{version}".to_owned()
}

fn default_train_tag_format() -> String {
    "v{version}".to_owned()
}

impl Default for ReleaseConfig {
    fn default() -> ReleaseConfig {
        ReleaseConfig {
            tag_format: default_tag_format(),
            train: false,
            train_tag_format: default_train_tag_format(),
            groups: BTreeMap::new(),
            crates: BTreeMap::new(),
        }
    }
}

impl ReleaseConfig {
    /// The tag of `name` at `version`.
    pub fn tag(&self, name: &str, version: &semver::Version) -> String {
        self.format_for(name)
            .replace("{version}", &version.to_string())
    }

    /// The tag format of `name` with its `{name}` filled in.
    fn format_for(&self, name: &str) -> String {
        if self.train {
            return self.train_tag_format.clone();
        }
        let tag_name = self
            .crates
            .get(name)
            .and_then(|c| c.tag_name.as_deref())
            .unwrap_or(name);
        self.tag_format.replace("{name}", tag_name)
    }

    /// The text of `name`'s tags before the version: `host-v` for `{name}-v{version}`.
    pub fn tag_prefix(&self, name: &str) -> String {
        let format = self.format_for(name);
        format
            .split("{version}")
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    /// The version in `tag` if it is a tag of `name`.
    pub fn version_in_tag(&self, name: &str, tag: &str) -> Option<semver::Version> {
        let format = self.format_for(name);
        let (prefix, suffix) = format.split_once("{version}")?;
        let version = tag.strip_prefix(prefix)?.strip_suffix(suffix)?;
        semver::Version::parse(version).ok()
    }
}

/// Reads the tool's table from the root manifest `text` (read from `manifest`).
pub(crate) fn parse(manifest: &Path, text: &str) -> Result<ToolConfig, Error> {
    let fail = |message: String| {
        Error::from(LoadError::Config {
            path: manifest.to_owned(),
            message,
        })
    };
    let doc: toml::Table = toml::from_str(text).map_err(|e| fail(e.to_string()))?;
    let table = doc
        .get("workspace")
        .and_then(|w| w.get("metadata"))
        .and_then(|m| m.get(crate::CONFIG_TABLE))
        .cloned();
    match table {
        None => Ok(ToolConfig::default()),
        Some(table) => table
            .try_into()
            .map_err(|e: toml::de::Error| fail(e.message().to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_use_the_tag_name_and_parse_back() {
        let text = r#"
[workspace.metadata.workspace-tools.release.crates.wasmcloud-host]
tag-name = "host"
"#;
        let config = parse(Path::new("Cargo.toml"), text).unwrap().release;
        let v = semver::Version::new(1, 2, 0);
        assert_eq!(config.tag("wasmcloud-host", &v), "host-v1.2.0");
        assert_eq!(config.tag("wascap", &v), "wascap-v1.2.0");
        assert_eq!(
            config
                .version_in_tag("wasmcloud-host", "host-v1.3.0-rc.1")
                .unwrap()
                .to_string(),
            "1.3.0-rc.1"
        );
        assert_eq!(
            config.version_in_tag("wasmcloud-host", "wasmcloud-host-v1.3.0"),
            None
        );
        assert_eq!(config.version_in_tag("wascap", "wascap-vx"), None);
    }

    #[test]
    fn unknown_keys_are_errors() {
        let text = "[workspace.metadata.workspace-tools.release]\ntag-fromat = \"x\"\n";
        let err = parse(Path::new("Cargo.toml"), text).unwrap_err();
        assert!(err.to_string().contains("tag-fromat"), "{err}");
    }
}
