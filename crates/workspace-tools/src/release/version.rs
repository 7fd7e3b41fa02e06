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
/// A pre-release moves to its next pre-release of the same kind.
pub fn next_for_level(current: &Version, level: Level) -> Version {
    if !current.pre.is_empty() {
        return next_pre(current, pre_kind(current).unwrap_or("rc"));
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

/// The version `spec` asks for, or why it cannot be had.
pub fn apply_spec(current: &Version, spec: &BumpSpec) -> Result<Version, String> {
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

fn pre_kind(v: &Version) -> Option<&'static str> {
    ["alpha", "beta", "rc"]
        .into_iter()
        .find(|k| v.pre.as_str().split('.').next() == Some(*k))
}

/// The next pre-release of `kind`: `rc.1` → `rc.2`, `beta.3` → `rc.1`, `1.2.3` → `1.2.4-rc.1`.
fn next_pre(current: &Version, kind: &str) -> Version {
    let mut next = Version::new(current.major, current.minor, current.patch);
    let number = if current.pre.is_empty() {
        next.patch += 1;
        1
    } else if pre_kind(current) == Some(kind) {
        current
            .pre
            .as_str()
            .rsplit('.')
            .next()
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0)
            + 1
    } else {
        1
    };
    next.pre = Prerelease::new(&format!("{kind}.{number}")).expect("alphanumeric pre-release");
    next
}

/// Whether a move from `old` to `new` is breaking under Cargo's caret rules.
pub fn is_breaking(old: &Version, new: &Version) -> bool {
    match (old.major, old.minor) {
        (0, 0) => new.major != 0 || new.minor != 0 || new.patch != old.patch,
        (0, minor) => new.major != 0 || new.minor != minor,
        (major, _) => new.major != major,
    }
}

/// Whether the requirement `req` (as written in a manifest) accepts `version`.
pub fn matches(req: &str, version: &Version) -> bool {
    VersionReq::parse(req).is_ok_and(|r| r.matches(version))
}

/// `req` moved to `version`, keeping its operator and its number of parts: `0.4` → `0.5`,
/// `=0.4.0` → `=0.5.0`, `~1.2` → `~1.3`. A requirement of several comparators, or one that
/// cannot show a pre-release in its parts, becomes the full version with its operator.
pub fn retarget(req: &str, version: &Version) -> String {
    let Ok(parsed) = VersionReq::parse(req) else {
        return version.to_string();
    };
    let [comparator]: [Comparator; 1] = match parsed.comparators.try_into() {
        Ok(one) => one,
        Err(_) => return version.to_string(),
    };
    let op = match comparator.op {
        Op::Exact => "=",
        Op::Greater => ">",
        Op::GreaterEq => ">=",
        Op::Less => "<",
        Op::LessEq => "<=",
        Op::Tilde => "~",
        Op::Caret if req.trim_start().starts_with('^') => "^",
        _ => "",
    };
    let parts =
        1 + usize::from(comparator.minor.is_some()) + usize::from(comparator.patch.is_some());
    let text = match (parts, version.pre.is_empty()) {
        (1, true) => version.major.to_string(),
        (2, true) => format!("{}.{}", version.major, version.minor),
        _ => version.to_string(),
    };
    format!("{op}{text}")
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
        assert_eq!(retarget(">=1, <2", &v("2.0.0")), "2.0.0");
        assert!(matches("0.4", &v("0.4.9")) && !matches("0.4", &v("0.5.0")));
    }
}
