//! The publish order with versioned dev-dependencies: `cargo publish` resolves a dev-dependency
//! that has a `version` against the registry, so its target must be published first unless a
//! version the registry already has meets the requirement.

use std::collections::{BTreeMap, BTreeSet};

use super::{Pending, PlanError, Requirement};
use crate::DepKind;

/// `pending` (already after their normal and build dependencies) reordered so that every crate
/// also comes after the targets of its versioned dev-dependencies that `met` says no published
/// version satisfies. Refuses, naming the cycle and the fix, when no such order exists.
pub(crate) fn order(
    pending: &[Pending],
    requirements: &[Requirement],
    met: &dyn Fn(&Requirement) -> bool,
) -> Result<Vec<Pending>, PlanError> {
    let names: BTreeSet<&str> = pending.iter().map(|p| p.name.as_str()).collect();
    // Each crate's dependencies among `pending`, with the dev edge that put one there.
    let mut deps: BTreeMap<&str, BTreeMap<&str, Option<&Requirement>>> = BTreeMap::new();
    for r in requirements.iter().filter(|r| {
        r.from != r.to && names.contains(r.from.as_str()) && names.contains(r.to.as_str())
    }) {
        let edges = deps.entry(r.from.as_str()).or_default();
        match r.kind {
            DepKind::Dev if met(r) => {}
            DepKind::Dev => {
                edges.entry(r.to.as_str()).or_insert(Some(r));
            }
            _ => {
                edges.insert(r.to.as_str(), None);
            }
        }
    }
    let mut placed: BTreeSet<&str> = BTreeSet::new();
    let mut out: Vec<Pending> = Vec::with_capacity(pending.len());
    while out.len() < pending.len() {
        let next = pending.iter().find(|p| {
            !placed.contains(p.name.as_str())
                && deps
                    .get(p.name.as_str())
                    .is_none_or(|d| d.keys().all(|n| placed.contains(n)))
        });
        match next {
            Some(p) => {
                placed.insert(&p.name);
                out.push(p.clone());
            }
            None => return Err(cycle(pending, &deps, &placed)),
        }
    }
    Ok(out)
}

/// The cycle among the crates not yet placed, and the dev-dependency to loosen.
fn cycle(
    pending: &[Pending],
    deps: &BTreeMap<&str, BTreeMap<&str, Option<&Requirement>>>,
    placed: &BTreeSet<&str>,
) -> PlanError {
    let start = pending
        .iter()
        .map(|p| p.name.as_str())
        .find(|n| !placed.contains(n))
        .unwrap_or_default();
    // Follow unplaced dependencies until a crate repeats: every unplaced crate has one.
    let mut path: Vec<&str> = vec![start];
    loop {
        let here = path[path.len() - 1];
        let Some(next) = deps
            .get(here)
            .and_then(|d| d.keys().copied().find(|n| !placed.contains(n)))
        else {
            break;
        };
        if let Some(at) = path.iter().position(|n| *n == next) {
            path.drain(..at);
            path.push(next);
            break;
        }
        path.push(next);
    }
    let dev = path
        .windows(2)
        .find_map(|w| deps.get(w[0]).and_then(|d| d.get(w[1])).copied().flatten());
    PlanError::DevCycle {
        cycle: path.join(" → "),
        fix: match dev {
            Some(r) => format!(
                "drop `version` from {}'s dev-dependency on {} (`{}`), so that cargo publish \
                 leaves it out",
                r.from, r.to, r.req
            ),
            None => "break the cycle of normal dependencies".to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::ReqLocation;

    fn pending(names: &[&str]) -> Vec<Pending> {
        names
            .iter()
            .map(|n| Pending {
                name: (*n).to_owned(),
                version: semver::Version::new(0, 2, 0),
            })
            .collect()
    }

    fn req(from: &str, to: &str, kind: DepKind) -> Requirement {
        Requirement {
            from: from.into(),
            to: to.into(),
            kind,
            req: "0.2".into(),
            location: ReqLocation::Workspace { key: to.into() },
        }
    }

    fn names(order: &[Pending]) -> Vec<&str> {
        order.iter().map(|p| p.name.as_str()).collect()
    }

    #[test]
    fn versioned_dev_dependencies_go_first_unless_already_met() {
        let reqs = [req("a", "b", DepKind::Dev)];
        let order = order(&pending(&["a", "b"]), &reqs, &|_| false).unwrap();
        assert_eq!(names(&order), ["b", "a"]);
        let order = super::order(&pending(&["a", "b"]), &reqs, &|_| true).unwrap();
        assert_eq!(names(&order), ["a", "b"]);
    }

    #[test]
    fn a_cycle_through_a_dev_dependency_is_refused_with_the_fix() {
        let reqs = [
            req("x1", "x2", DepKind::Dev),
            req("x2", "x1", DepKind::Normal),
        ];
        let err = order(&pending(&["x1", "x2"]), &reqs, &|_| false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "publishing cannot be ordered: x1 → x2 → x1 (cargo publish resolves a dev-dependency \
             with a version from the registry); drop `version` from x1's dev-dependency on x2 \
             (`0.2`), so that cargo publish leaves it out"
        );
    }
}
