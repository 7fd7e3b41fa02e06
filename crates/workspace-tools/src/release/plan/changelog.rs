//! Changelog sections in the Keep a Changelog form, from a release's commits.

use super::Release;
use std::fmt::Write as _;

/// The header of a new `CHANGELOG.md`.
const HEADER: &str = "# Changelog

All notable changes to this crate are documented in this file.

The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/),
and this crate adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).
";

/// The section of `release` dated `date` (`YYYY-MM-DD`): the entries written by hand under
/// `## [Unreleased]` first, then commits grouped as Added (`feat`), Fixed (`fix`) and Changed
/// (the rest, breaking ones first and marked), and the dependencies it now requires. A
/// hand-written `### Added` (or any other subsection) takes the generated entries of the same
/// name after its own, so no heading appears twice; empty ones are dropped.
pub(crate) fn section(release: &Release, date: &str, unreleased: Option<&str>) -> String {
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
    let (preamble, mut groups) = subsections(unreleased.unwrap_or_default());
    for (heading, lines) in [("Added", added), ("Changed", changed), ("Fixed", fixed)] {
        if lines.is_empty() {
            continue;
        }
        let generated = lines.join("\n");
        match groups
            .iter_mut()
            .find(|(h, _)| h.eq_ignore_ascii_case(heading))
        {
            Some((_, body)) if body.is_empty() => *body = generated,
            Some((_, body)) => *body = format!("{body}\n{generated}"),
            None => groups.push((heading.to_owned(), generated)),
        }
    }
    let mut out = format!("## [{}] - {date}\n", release.to);
    if !preamble.is_empty() {
        let _ = write!(out, "\n{preamble}\n");
    }
    for (heading, body) in groups.iter().filter(|(_, body)| !body.is_empty()) {
        let _ = write!(out, "\n### {heading}\n\n{body}\n");
    }
    out
}

/// The hand-written text of an `## [Unreleased]` section: what comes before its first `###`
/// heading, and each `### heading` with its body, trimmed.
fn subsections(text: &str) -> (String, Vec<(String, String)>) {
    let mut preamble = String::new();
    let mut groups: Vec<(String, String)> = Vec::new();
    for line in text.trim().lines() {
        if let Some(heading) = line.strip_prefix("### ") {
            groups.push((heading.trim().to_owned(), String::new()));
            continue;
        }
        let body = groups.last_mut().map_or(&mut preamble, |(_, b)| b);
        body.push_str(line);
        body.push('\n');
    }
    let trim = |text: &str| text.trim_matches('\n').to_owned();
    let groups = groups.into_iter().map(|(h, b)| (h, trim(&b))).collect();
    (trim(&preamble), groups)
}

/// `## [Unreleased]` or `## Unreleased`, with anything after the word, such as the
/// `## [Unreleased] - ReleaseDate` of release templates.
fn is_unreleased_heading(line: &str) -> bool {
    let Some(title) = line.strip_prefix("## ") else {
        return false;
    };
    let title = title.trim_start();
    let title = title.strip_prefix('[').unwrap_or(title);
    title
        .get(..10)
        .is_some_and(|word| word.eq_ignore_ascii_case("unreleased"))
        && !title[10..].starts_with(|c: char| c.is_alphanumeric())
}

/// Where the `## [Unreleased]` (or `## Unreleased`) section's body starts and ends in `text`.
fn unreleased_body(text: &str) -> Option<(usize, usize)> {
    let mut offset = 0;
    let mut start = None;
    for line in text.split_inclusive('\n') {
        if let Some(start) = start
            && (line.starts_with("## ") || is_link(line))
        {
            return Some((start, offset));
        }
        offset += line.len();
        if start.is_none() && is_unreleased_heading(line) {
            start = Some(offset);
        }
    }
    start.map(|s| (s, text.len()))
}

/// The entries written by hand under `## [Unreleased]`, which the next release takes.
pub(crate) fn unreleased(text: &str) -> Option<&str> {
    unreleased_body(text)
        .map(|(start, end)| text[start..end].trim())
        .filter(|b| !b.is_empty())
}

/// A link reference definition, such as `[1.2.0]: https://...`.
fn is_link(line: &str) -> bool {
    line.starts_with('[') && line.contains("]: ")
}

/// A compare link for a new release: the version and its link target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Link {
    /// The released version, the link's label.
    pub version: String,
    /// The address: `<repository>/compare/<previous tag>...<tag>`, or the tag's page.
    pub url: String,
}

/// `existing` (or a new changelog) with `section` inserted above the latest release, below an
/// `## [Unreleased]` section, whose entries `section` took, and `link` added to the link
/// definitions at the bottom (existing ones are kept; an `[Unreleased]` compare link moves on
/// to the new tag).
pub(crate) fn insert(existing: Option<&str>, section: &str, link: Option<&Link>) -> String {
    let mut text = existing.unwrap_or(HEADER).to_owned();
    if let Some((start, end)) = unreleased_body(&text) {
        let rest = &text[end..];
        let gap = if rest.is_empty() { "" } else { "\n" };
        text = format!("{}{gap}{rest}", &text[..start]);
    }
    let mut offset = 0;
    let mut inserted = None;
    for line in text.split_inclusive('\n') {
        if (line.starts_with("## ") && !is_unreleased_heading(line)) || is_link(line) {
            inserted = Some(format!("{}{section}\n{}", &text[..offset], &text[offset..]));
            break;
        }
        offset += line.len();
    }
    let mut out = inserted.unwrap_or_else(|| {
        let separator = if text.ends_with("\n\n") || text.is_empty() {
            ""
        } else if text.ends_with('\n') {
            "\n"
        } else {
            "\n\n"
        };
        format!("{text}{separator}{section}")
    });
    if let Some(link) = link {
        out = add_link(&out, link);
        out = move_unreleased_link(&out, link);
    }
    out
}

/// `text` with its `[Unreleased]: <repository>/compare/<previous tag>...HEAD` link starting at
/// the new release's tag instead, when `link` compares that previous tag with the new one:
/// what is unreleased now comes after this release. Any other `[Unreleased]` link is kept.
fn move_unreleased_link(text: &str, link: &Link) -> String {
    let Some((previous, tag)) = link
        .url
        .rsplit_once("/compare/")
        .and_then(|(_, range)| range.split_once("..."))
    else {
        return text.to_owned();
    };
    let from = format!("/compare/{previous}...");
    let to = format!("/compare/{tag}...");
    text.split_inclusive('\n')
        .map(
            |line| match line.to_ascii_lowercase().starts_with("[unreleased]: ") {
                true => line.replacen(&from, &to, 1),
                false => line.to_owned(),
            },
        )
        .collect()
}

/// `text` with `link` among its link definitions: after `[Unreleased]: ...`, else before the
/// first one, else at the end; unchanged when the version already has one.
fn add_link(text: &str, link: &Link) -> String {
    let label = format!("[{}]: ", link.version);
    if text.lines().any(|l| l.starts_with(&label)) {
        return text.to_owned();
    }
    let line = format!("{label}{}\n", link.url);
    let mut offset = 0;
    let mut first_link = None;
    for l in text.split_inclusive('\n') {
        if is_link(l) && first_link.is_none() {
            first_link = Some(offset);
        }
        offset += l.len();
        if l.to_ascii_lowercase().starts_with("[unreleased]: ") {
            return format!("{}{line}{}", &text[..offset], &text[offset..]);
        }
    }
    match first_link {
        Some(at) => format!("{}{line}{}", &text[..at], &text[at..]),
        None if text.ends_with('\n') => format!("{text}\n{line}"),
        None => format!("{text}\n\n{line}"),
    }
}

/// The section of `version` in a changelog `text`, from its `## [version]` heading to the next
/// `## ` heading, ending in one newline.
pub(crate) fn section_of(text: &str, version: &semver::Version) -> Option<String> {
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
            updated_dependencies: vec![("wascap".into(), Version::new(0, 6, 0))],
            ..crate::test_support::release("host", "0.3.1", "0.4.0")
        }
    }

    #[test]
    fn sections_group_commits_by_type() {
        assert_eq!(
            section(&release(), "2026-11-26", None),
            "## [0.4.0] - 2026-11-26\n\n### Added\n\n- start actors (c0)\n\n### Changed\n\n\
             - **Breaking:** new protocol (c2)\n- tidy (c3)\n- Updated dependencies: wascap 0.6.0\n\n\
             ### Fixed\n\n- leak (c1)\n"
        );
    }

    #[test]
    fn compare_links_are_added_and_existing_ones_kept() {
        let old = "# Changelog\n\n## [Unreleased]\n\n## [1.1.0] - 2026-01-01\n\n- old\n\n\
                   [unreleased]: https://example.test/r/compare/a-v1.1.0...HEAD\n\
                   [1.1.0]: https://example.test/r/compare/a-v1.0.0...a-v1.1.0\n";
        let link = Link {
            version: "1.2.0".into(),
            url: "https://example.test/r/compare/a-v1.1.0...a-v1.2.0".into(),
        };
        let new = insert(Some(old), "## [1.2.0] - 2026-11-26\n\n- new\n", Some(&link));
        assert_eq!(
            new,
            "# Changelog\n\n## [Unreleased]\n\n## [1.2.0] - 2026-11-26\n\n- new\n\n## [1.1.0] - 2026-01-01\n\n- old\n\n\
             [unreleased]: https://example.test/r/compare/a-v1.2.0...HEAD\n\
             [1.2.0]: https://example.test/r/compare/a-v1.1.0...a-v1.2.0\n\
             [1.1.0]: https://example.test/r/compare/a-v1.0.0...a-v1.1.0\n"
        );
        assert_eq!(
            insert(Some(&new), "", Some(&link))
                .matches("[1.2.0]: ")
                .count(),
            1
        );
        let plain = insert(None, "## [0.1.0] - 2026-11-26\n", Some(&link));
        assert!(plain.ends_with("## [0.1.0] - 2026-11-26\n\n[1.2.0]: https://example.test/r/compare/a-v1.1.0...a-v1.2.0\n"), "{plain}");
    }

    #[test]
    fn new_sections_go_above_the_latest_release_and_below_unreleased() {
        let old = "# Changelog\n\nIntro.\n\n## [Unreleased]\n\n- wip\n\n## [0.3.1] - 2026-01-01\n\n- old\n";
        assert_eq!(unreleased(old), Some("- wip"));
        let mut release = release();
        release.commits.clear();
        release.updated_dependencies.clear();
        let section = section(&release, "2026-11-26", unreleased(old));
        assert_eq!(section, "## [0.4.0] - 2026-11-26\n\n- wip\n");
        let new = insert(Some(old), &section, None);
        assert_eq!(
            new,
            "# Changelog\n\nIntro.\n\n## [Unreleased]\n\n## [0.4.0] - 2026-11-26\n\n- wip\n\n## [0.3.1] - 2026-01-01\n\n- old\n"
        );
        let bare = "# Changelog\n\n## Unreleased\n\n### Added\n\n- a thing\n";
        assert_eq!(unreleased(bare), Some("### Added\n\n- a thing"));
        assert_eq!(
            insert(
                Some(bare),
                "## [0.4.0] - 2026-11-26\n\n### Added\n\n- a thing\n",
                None
            ),
            "# Changelog\n\n## Unreleased\n\n## [0.4.0] - 2026-11-26\n\n### Added\n\n- a thing\n"
        );
        let fresh = insert(None, "## [0.1.1] - 2026-11-26\n", None);
        assert!(
            fresh.starts_with("# Changelog\n")
                && fresh.ends_with("semver.org/spec/v2.0.0.html).\n\n## [0.1.1] - 2026-11-26\n")
        );
    }
}
