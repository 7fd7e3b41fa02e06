//! Version arithmetic: bump levels, explicit bumps, Cargo's compatibility rules, and keeping a
//! requirement's style when it moves to a new version.

use std::fmt;
use std::str::FromStr;

use semver::{Comparator, Op, Prerelease, Version, VersionReq};

/// How much a change moves a version, from the smallest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// A fix: the patch number.
    Patch,
    /// A compatible feature: the minor number (the patch number below 1.0).
    Minor,
    /// A breaking change: the major number (the minor number below 1.0).
    Breaking,
}

/// What `--bump CRATE=SPEC` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BumpSpec {
    /// `major`, `minor` or `patch`.
    Level(Level),
    /// `alpha`, `beta` or `rc`: the next pre-release of that kind.
    Pre(&'static str),
    /// `release`: drop the pre-release.
    Release,
    /// `X.Y.Z`: exactly this version.
    Exact(Version),
}

impl FromStr for BumpSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<BumpSpec, String> {
        Ok(match s {
            "major" => BumpSpec::Level(Level::Breaking),
            "minor" => BumpSpec::Level(Level::Minor),
            "patch" => BumpSpec::Level(Level::Patch),
            "alpha" => BumpSpec::Pre("alpha"),
            "beta" => BumpSpec::Pre("beta"),
            "rc" => BumpSpec::Pre("rc"),
            "release" => BumpSpec::Release,
            _ => BumpSpec::Exact(Version::parse(s).map_err(|_| {
                format!("invalid bump `{s}`: expected major, minor, patch, alpha, beta, rc, release or a version")
            })?),
        })
    }
}

impl fmt::Display for BumpSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BumpSpec::Level(Level::Breaking) => f.write_str("major"),
            BumpSpec::Level(Level::Minor) => f.write_str("minor"),
            BumpSpec::Level(Level::Patch) => f.write_str("patch"),
            BumpSpec::Pre(kind) => f.write_str(kind),
            BumpSpec::Release => f.write_str("release"),
            BumpSpec::Exact(v) => write!(f, "{v}"),
        }
    }
}

/// The version after a change of `level`, with Cargo's rules below 1.0: a breaking change
/// moves 0.y to 0.(y+1).0 (and 0.0.z to 0.0.(z+1)); anything else moves the patch number.
/// A pre-release moves to its next pre-release with the same label (`rc.1` → `rc.2`,
/// `b.12` → `b.13`), unless the change needs more than the level its version stands for: a
/// breaking change during `1.2.4-alpha.1` gives `2.0.0-alpha.1`, a feature `1.3.0-alpha.1`.
pub(crate) fn next_for_level(current: &Version, level: Level) -> Version {
    if !current.pre.is_empty() {
        let base = Version::new(current.major, current.minor, current.patch);
        if cargo_level(&base, level) <= level_of(&base) {
            return next_pre_same_label(current);
        }
        let mut next = next_for_level(&base, level);
        next.pre = Prerelease::new(&format!("{}.1", pre_label(current)))
            .expect("a label from a valid pre-release");
        return next;
    }
    let (major, minor, patch) = (current.major, current.minor, current.patch);
    match (major, minor, level) {
        (0, 0, _) => Version::new(0, 0, patch + 1),
        (0, _, Level::Breaking) => Version::new(0, minor + 1, 0),
        (0, _, _) => Version::new(0, minor, patch + 1),
        (_, _, Level::Breaking) => Version::new(major + 1, 0, 0),
        (_, _, Level::Minor) => Version::new(major, minor + 1, 0),
        (_, _, Level::Patch) => Version::new(major, minor, patch + 1),
    }
}

/// `level` as Cargo's rules count it at `v`: below 1.0 a feature is a patch-level change
/// (0.3.1 + feature is 0.3.2), and at 0.0.z every change is breaking.
fn cargo_level(v: &Version, level: Level) -> Level {
    match (v.major, v.minor, level) {
        (0, 0, _) => Level::Breaking,
        (0, _, Level::Minor) => Level::Patch,
        _ => level,
    }
}

/// The level a stable version stands for as a step from its predecessor: `2.0.0` and `0.3.0`
/// are breaking, `1.3.0` a feature, `1.2.4` a patch (`0.0.z` is always breaking).
fn level_of(v: &Version) -> Level {
    match (v.major, v.minor, v.patch) {
        (0, 0, _) | (_, 0, 0) => Level::Breaking,
        (0, _, 0) => Level::Breaking,
        (0, _, _) => Level::Patch,
        (_, _, 0) => Level::Minor,
        _ => Level::Patch,
    }
}

/// The label of a pre-release without its trailing counter: `alpha` of `alpha.1`, `b` of
/// `b.12`, `dev` of `dev`.
pub(crate) fn pre_label(v: &Version) -> String {
    let pre = v.pre.as_str();
    match pre.rsplit_once('.') {
        Some((label, n)) if n.parse::<u64>().is_ok() => label.to_owned(),
        _ if pre.parse::<u64>().is_ok() => "pre".to_owned(),
        _ => pre.to_owned(),
    }
}

/// The next pre-release with the same label: the trailing counter counts up (`b.12` →
/// `b.13`), or `.1` is added (`alpha` → `alpha.1`).
fn next_pre_same_label(current: &Version) -> Version {
    let pre = current.pre.as_str();
    let next = match pre.rsplit_once('.') {
        Some((label, n)) if n.parse::<u64>().is_ok() => {
            format!("{label}.{}", n.parse::<u64>().unwrap_or(0) + 1)
        }
        _ => match pre.parse::<u64>() {
            Ok(n) => (n + 1).to_string(),
            Err(_) => format!("{pre}.1"),
        },
    };
    let mut v = current.clone();
    v.pre = Prerelease::new(&next).expect("a counter added to a valid pre-release");
    v
}

/// `version` as a pre-release labelled `label`: `0.3.2` → `0.3.2-alpha.1`; a pre-release stays.
pub(crate) fn as_pre(version: &Version, label: &str) -> Version {
    if !version.pre.is_empty() {
        return version.clone();
    }
    let mut v = version.clone();
    v.pre = Prerelease::new(&format!("{label}.1")).expect("a label from a valid pre-release");
    v
}

/// The version `spec` asks for, or why it cannot be had.
pub(crate) fn apply_spec(current: &Version, spec: &BumpSpec) -> Result<Version, String> {
    let next = match spec {
        BumpSpec::Level(level) if !current.pre.is_empty() => {
            // A pre-release of the level asked for is released; otherwise move past it.
            let base = Version::new(current.major, current.minor, current.patch);
            let is_that_level = match level {
                Level::Breaking => base.minor == 0 && base.patch == 0,
                Level::Minor => base.patch == 0,
                Level::Patch => true,
            };
            if is_that_level {
                base
            } else {
                explicit_level(&base, *level)
            }
        }
        BumpSpec::Level(level) => explicit_level(current, *level),
        BumpSpec::Pre(kind) => next_pre(current, kind),
        BumpSpec::Release if current.pre.is_empty() => {
            return Err(format!("{current} is not a pre-release"));
        }
        BumpSpec::Release => Version::new(current.major, current.minor, current.patch),
        BumpSpec::Exact(v) => v.clone(),
    };
    if next <= *current {
        return Err(format!("{next} is not above the current version {current}"));
    }
    Ok(next)
}

/// `major`, `minor`, `patch` as the user means them, literally: `major` on 0.3.1 is 1.0.0.
fn explicit_level(v: &Version, level: Level) -> Version {
    match level {
        Level::Breaking => Version::new(v.major + 1, 0, 0),
        Level::Minor => Version::new(v.major, v.minor + 1, 0),
        Level::Patch => Version::new(v.major, v.minor, v.patch + 1),
    }
}

/// The next pre-release of `kind`: `rc.1` → `rc.2`, `beta.3` → `rc.1`, `1.2.3` → `1.2.4-rc.1`.
fn next_pre(current: &Version, kind: &str) -> Version {
    let mut next = Version::new(current.major, current.minor, current.patch);
    let number = if current.pre.is_empty() {
        next.patch += 1;
        1
    } else if pre_label(current) == kind {
        return next_pre_same_label(current);
    } else {
        1
    };
    next.pre = Prerelease::new(&format!("{kind}.{number}")).expect("alphanumeric pre-release");
    next
}

/// Whether a move from `old` to `new` is breaking under Cargo's caret rules.
pub(crate) fn is_breaking(old: &Version, new: &Version) -> bool {
    match (old.major, old.minor) {
        (0, 0) => new.major != 0 || new.minor != 0 || new.patch != old.patch,
        (0, minor) => new.major != 0 || new.minor != minor,
        (major, _) => new.major != major,
    }
}

/// Whether the requirement `req` (as written in a manifest) accepts `version`.
pub(crate) fn matches(req: &str, version: &Version) -> bool {
    VersionReq::parse(req).is_ok_and(|r| r.matches(version))
}

/// `req` moved to `version`, keeping each comparator's operator and number of parts where it
/// can (docs/release.md lists the rule per operator):
///
/// - `^`, bare, `~`, `=` and wildcards (`0.4.*`) name the new version: `0.4` → `0.5`,
///   `=0.4.0` → `=0.5.0`, `~1.2` → `~1.3`, `0.4.*` → `0.5.*`;
/// - lower bounds (`>=`, `>`) move up to it: `>=0.1` → `>=0.2`, `>0.1.0` → `>=0.2.0`;
/// - upper bounds (`<`, `<=`) stay while they admit it, and otherwise rise just past it with
///   their parts: `<0.2` → `<0.3` for 0.2.0, `<=0.1.5` → `<=0.2.0`;
/// - a pre-release can only be named in full (`0.4` → `0.5.0-rc.1`, `<0.2` → `<=0.2.0-rc.1`),
///   and a requirement of upper bounds alone gains `>=` the pre-release, as Cargo matches
///   pre-releases only through a comparator naming the same `x.y.z`.
///
/// The result always matches `version`.
pub(crate) fn retarget(req: &str, version: &Version) -> String {
    let Ok(parsed) = VersionReq::parse(req) else {
        return version.to_string();
    };
    if parsed.comparators.is_empty() && version.pre.is_empty() {
        return req.to_owned(); // `*`
    }
    let caret = req.trim_start().starts_with('^');
    let mut out: Vec<String> = parsed
        .comparators
        .iter()
        .map(|c| retarget_comparator(c, version, caret))
        .collect();
    let joined = |parts: &[String]| parts.join(", ");
    if !matches(&joined(&out), version) {
        // Only upper bounds that admit the version, which Cargo does not apply to pre-releases.
        out.insert(0, format!(">={version}"));
    }
    let text = joined(&out);
    if matches(&text, version) {
        text
    } else {
        version.to_string()
    }
}

/// One comparator of [`retarget`].
fn retarget_comparator(c: &Comparator, version: &Version, caret: bool) -> String {
    let parts = 1 + usize::from(c.minor.is_some()) + usize::from(c.patch.is_some());
    // The version in as many parts as the comparator wrote, or in full for a pre-release.
    let shown = |v: &Version| match (parts, v.pre.is_empty()) {
        (1, true) => v.major.to_string(),
        (2, true) => format!("{}.{}", v.major, v.minor),
        _ => v.to_string(),
    };
    let alone = VersionReq {
        comparators: vec![c.clone()],
    };
    match c.op {
        Op::Exact => format!("={}", shown(version)),
        Op::Tilde => format!("~{}", shown(version)),
        Op::Caret if caret => format!("^{}", shown(version)),
        Op::Wildcard if version.pre.is_empty() => match parts {
            1 => format!("{}.*", version.major),
            _ => format!("{}.{}.*", version.major, version.minor),
        },
        Op::Greater | Op::GreaterEq => format!(">={}", shown(version)),
        Op::Less | Op::LessEq if alone.matches(version) || admits_numerically(c, version) => {
            c.to_string()
        }
        Op::Less if version.pre.is_empty() => {
            let above = match parts {
                1 => Version::new(version.major + 1, 0, 0),
                2 => Version::new(version.major, version.minor + 1, 0),
                _ => Version::new(version.major, version.minor, version.patch + 1),
            };
            format!("<{}", shown(&above))
        }
        Op::Less | Op::LessEq => format!("<={}", shown(version)),
        _ => shown(version),
    }
}

/// Whether an upper bound admits `version` once its pre-release is set aside: `<0.3` admits
/// `0.2.0-rc.1`, although Cargo only matches pre-releases named in full.
fn admits_numerically(c: &Comparator, version: &Version) -> bool {
    if version.pre.is_empty() {
        return false;
    }
    let stable = Version::new(version.major, version.minor, version.patch);
    let alone = VersionReq {
        comparators: vec![c.clone()],
    };
    // The stable version is above the pre-release: a bound admitting it admits both.
    alone.matches(&stable)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn levels_follow_cargo_rules_below_one() {
        assert_eq!(next_for_level(&v("0.3.1"), Level::Breaking), v("0.4.0"));
        assert_eq!(next_for_level(&v("0.3.1"), Level::Minor), v("0.3.2"));
        assert_eq!(next_for_level(&v("0.0.3"), Level::Breaking), v("0.0.4"));
        assert_eq!(next_for_level(&v("1.3.1"), Level::Breaking), v("2.0.0"));
        assert_eq!(next_for_level(&v("1.3.1"), Level::Minor), v("1.4.0"));
        assert_eq!(next_for_level(&v("1.3.1"), Level::Patch), v("1.3.2"));
        assert_eq!(
            next_for_level(&v("1.2.0-rc.1"), Level::Minor),
            v("1.2.0-rc.2")
        );
    }

    #[test]
    fn explicit_bumps() {
        let bump = |cur: &str, spec: &str| apply_spec(&v(cur), &spec.parse().unwrap());
        assert_eq!(bump("1.2.0-rc.1", "rc"), Ok(v("1.2.0-rc.2")));
        assert_eq!(bump("1.2.0-rc.1", "release"), Ok(v("1.2.0")));
        assert_eq!(bump("1.2.0-beta.2", "rc"), Ok(v("1.2.0-rc.1")));
        assert_eq!(bump("1.2.3", "alpha"), Ok(v("1.2.4-alpha.1")));
        assert_eq!(bump("1.2.0-rc.1", "minor"), Ok(v("1.2.0")));
        assert_eq!(bump("1.2.1-rc.1", "minor"), Ok(v("1.3.0")));
        assert_eq!(bump("0.3.1", "major"), Ok(v("1.0.0")));
        assert_eq!(bump("0.3.1", "2.0.0"), Ok(v("2.0.0")));
        assert!(bump("0.3.1", "0.3.0").is_err());
        assert!(bump("0.3.1", "release").is_err());
        assert!("huge".parse::<BumpSpec>().is_err());
    }

    #[test]
    fn breaking_moves() {
        assert!(is_breaking(&v("0.4.1"), &v("0.5.0")));
        assert!(!is_breaking(&v("0.4.1"), &v("0.4.2")));
        assert!(is_breaking(&v("1.4.1"), &v("2.0.0")));
        assert!(!is_breaking(&v("1.4.1"), &v("1.5.0")));
        assert!(is_breaking(&v("0.0.1"), &v("0.0.2")));
    }

    #[test]
    fn requirements_keep_their_style() {
        assert_eq!(retarget("0.4", &v("0.5.0")), "0.5");
        assert_eq!(retarget("=0.4.0", &v("0.5.0")), "=0.5.0");
        assert_eq!(retarget("^1.2.3", &v("1.3.0")), "^1.3.0");
        assert_eq!(retarget("~1.2", &v("1.3.1")), "~1.3");
        assert_eq!(retarget("1", &v("2.0.0")), "2");
        assert_eq!(retarget("0.4", &v("0.5.0-rc.1")), "0.5.0-rc.1");
        assert_eq!(retarget(">=1, <2", &v("2.0.0")), ">=2, <3");
        assert!(matches("0.4", &v("0.4.9")) && !matches("0.4", &v("0.5.0")));
    }

    #[test]
    fn every_operator_ends_up_matching() {
        let cases = [
            ("<0.2", "0.2.0", "<0.3"),
            ("<0.2", "0.1.1", "<0.2"),
            ("<=0.1.5", "0.2.0", "<=0.2.0"),
            ("<=0.1", "0.2.0", "<=0.2"),
            (">=0.1, <0.3", "0.3.0", ">=0.3, <0.4"),
            (">0.1.0", "0.2.0", ">=0.2.0"),
            ("0.4.*", "0.5.0", "0.5.*"),
            ("*", "2.0.0", "*"),
            ("=0.4", "0.5.1", "=0.5"),
            ("<0.1.1", "0.1.1-alpha.1", "<=0.1.1-alpha.1"),
            ("<0.3", "0.2.0-alpha.1", ">=0.2.0-alpha.1, <0.3"),
            ("0.4.*", "0.5.0-rc.1", "0.5.0-rc.1"),
            ("~0.1", "0.1.1-alpha.1", "~0.1.1-alpha.1"),
        ];
        for (req, version, want) in cases {
            let got = retarget(req, &v(version));
            assert_eq!(got, want, "{req} for {version}");
            assert!(matches(&got, &v(version)), "{got} for {version}");
        }
    }

    #[test]
    fn pre_releases_keep_their_label_and_follow_the_change() {
        assert_eq!(
            next_for_level(&v("0.1.2-b.12"), Level::Patch),
            v("0.1.2-b.13")
        );
        assert_eq!(
            next_for_level(&v("1.0.0-dev.3"), Level::Minor),
            v("1.0.0-dev.4")
        );
        assert_eq!(
            next_for_level(&v("1.0.0-pre.1"), Level::Breaking),
            v("1.0.0-pre.2")
        );
        assert_eq!(
            next_for_level(&v("1.2.4-alpha.1"), Level::Breaking),
            v("2.0.0-alpha.1")
        );
        assert_eq!(
            next_for_level(&v("1.2.4-alpha.1"), Level::Minor),
            v("1.3.0-alpha.1")
        );
        assert_eq!(
            next_for_level(&v("1.2.4-alpha.1"), Level::Patch),
            v("1.2.4-alpha.2")
        );
        assert_eq!(
            next_for_level(&v("1.3.0-beta.2"), Level::Minor),
            v("1.3.0-beta.3")
        );
        assert_eq!(
            next_for_level(&v("0.2.1-rc.1"), Level::Breaking),
            v("0.3.0-rc.1")
        );
        assert_eq!(
            next_for_level(&v("0.3.0-rc.1"), Level::Breaking),
            v("0.3.0-rc.2")
        );
        assert_eq!(
            next_for_level(&v("1.0.0-alpha"), Level::Patch),
            v("1.0.0-alpha.1")
        );
        let bump = |cur: &str, spec: &str| apply_spec(&v(cur), &spec.parse().unwrap());
        assert_eq!(bump("0.1.2-b.12", "rc"), Ok(v("0.1.2-rc.1")));
    }
}
