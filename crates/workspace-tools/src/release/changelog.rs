//! Changelog sections in the Keep a Changelog form, from a release's commits.

use super::plan::Release;
use std::fmt::Write as _;

/// The header of a new `CHANGELOG.md`.
const HEADER: &str = "# Changelog

All notable changes to this crate are documented in this file.

The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/),
and this crate adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).
";

/// The section of `release` dated `date` (`YYYY-MM-DD`): commits grouped as Added (`feat`),
/// Fixed (`fix`) and Changed (the rest, breaking ones first and marked), and the dependencies
/// it now requires.
pub fn section(release: &Release, date: &str) -> String {
    let mut added = Vec::new();
    let mut fixed = Vec::new();
    let mut changed = Vec::new();
    for commit in &release.commits {
        let line = format!("- {} ({})", commit.description, commit.id);
        match (commit.breaking, commit.kind.as_deref()) {
            (true, _) => changed.insert(
                0,
                format!("- **Breaking:** {} ({})", commit.description, commit.id),
            ),
            (false, Some("feat")) => added.push(line),
            (false, Some("fix")) => fixed.push(line),
            _ => changed.push(line),
        }
    }
    if !release.updated_dependencies.is_empty() {
        let deps: Vec<String> = release
            .updated_dependencies
            .iter()
            .map(|(n, v)| format!("{n} {v}"))
            .collect();
        changed.push(format!("- Updated dependencies: {}", deps.join(", ")));
    }
    let mut out = format!("## [{}] - {date}\n", release.to);
    for (heading, lines) in [("Added", added), ("Changed", changed), ("Fixed", fixed)] {
        if !lines.is_empty() {
            let _ = write!(out, "\n### {heading}\n\n{}\n", lines.join("\n"));
        }
    }
    out
}

/// `existing` (or a new changelog) with `section` inserted above the latest release, below an
/// `## [Unreleased]` section if there is one.
pub fn insert(existing: Option<&str>, section: &str) -> String {
    let text = existing.unwrap_or(HEADER);
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.starts_with("## ") && !line.to_ascii_lowercase().starts_with("## [unreleased]") {
            return format!("{}{section}\n{}", &text[..offset], &text[offset..]);
        }
        offset += line.len();
    }
    let separator = if text.ends_with("\n\n") || text.is_empty() {
        ""
    } else if text.ends_with('\n') {
        "\n"
    } else {
        "\n\n"
    };
    format!("{text}{separator}{section}")
}

/// The section of `version` in a changelog `text`, from its `## [version]` heading to the next
/// `## ` heading, ending in one newline.
pub fn section_of(text: &str, version: &semver::Version) -> Option<String> {
    let heading = format!("## [{version}]");
    let start = text
        .match_indices(&heading)
        .map(|(i, _)| i)
        .find(|i| *i == 0 || text[..*i].ends_with('\n'))?;
    let rest = &text[start..];
    let end = rest
        .match_indices("\n## ")
        .map(|(i, _)| i + 1)
        .next()
        .unwrap_or(rest.len());
    Some(format!("{}\n", rest[..end].trim_end()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::Commit;
    use semver::Version;

    fn release() -> Release {
        Release {
            name: "host".into(),
            from: Version::new(0, 3, 1),
            to: Version::new(0, 4, 0),
            reasons: vec![],
            commits: [
                "feat: start actors",
                "fix: leak",
                "feat!: new protocol",
                "chore: tidy",
            ]
            .iter()
            .enumerate()
            .map(|(i, m)| Commit::parse(&format!("c{i}"), m))
            .collect(),
            publish: true,
            tag: None,
            dependency_only: false,
            updated_dependencies: vec![("wascap".into(), Version::new(0, 6, 0))],
        }
    }

    #[test]
    fn sections_group_commits_by_type() {
        assert_eq!(
            section(&release(), "2026-11-26"),
            "## [0.4.0] - 2026-11-26\n\n### Added\n\n- start actors (c0)\n\n### Changed\n\n\
             - **Breaking:** new protocol (c2)\n- tidy (c3)\n- Updated dependencies: wascap 0.6.0\n\n\
             ### Fixed\n\n- leak (c1)\n"
        );
    }

    #[test]
    fn new_sections_go_above_the_latest_release_and_below_unreleased() {
        let old = "# Changelog\n\nIntro.\n\n## [Unreleased]\n\n- wip\n\n## [0.3.1] - 2026-01-01\n\n- old\n";
        let new = insert(Some(old), "## [0.4.0] - 2026-11-26\n\n- new\n");
        assert_eq!(
            new,
            "# Changelog\n\nIntro.\n\n## [Unreleased]\n\n- wip\n\n## [0.4.0] - 2026-11-26\n\n- new\n\n## [0.3.1] - 2026-01-01\n\n- old\n"
        );
        let fresh = insert(None, "## [0.1.1] - 2026-11-26\n");
        assert!(
            fresh.starts_with("# Changelog\n")
                && fresh.ends_with("semver.org/spec/v2.0.0.html).\n\n## [0.1.1] - 2026-11-26\n")
        );
    }
}
