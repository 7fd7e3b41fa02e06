//! The affected engine against a naive reference on random graphs: a member is affected exactly
//! when its test build (itself, its normal and build closure, and its own dev-dependencies'
//! normal and build closures) contains a changed package.

use std::collections::BTreeSet;

use proptest::prelude::*;
use workspace_tools::{
    ChangeSet, ChangedFile, DepKind, Dependency, FileStatus, Package, PackageIx, Rules,
    WorkspaceGraph, affected,
};

fn kind(k: u8) -> DepKind {
    match k % 4 {
        0 => DepKind::Dev,
        1 => DepKind::Build,
        _ => DepKind::Normal,
    }
}

/// The test build of `member`, computed the slow, obvious way.
fn test_build(g: &WorkspaceGraph, member: PackageIx) -> BTreeSet<PackageIx> {
    let mut roots = vec![member];
    roots.extend(
        g.dependencies(member)
            .filter(|(_, d)| d.kind == DepKind::Dev)
            .map(|(to, _)| to),
    );
    let mut seen = BTreeSet::new();
    while let Some(ix) = roots.pop() {
        if seen.insert(ix) {
            roots.extend(
                g.dependencies(ix)
                    .filter(|(_, d)| d.kind != DepKind::Dev)
                    .map(|(to, _)| to),
            );
        }
    }
    seen
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn matches_the_reference(
        n in 2usize..14,
        edges in proptest::collection::vec((0usize..14, 0usize..14, 0u8..4), 0..40),
        changed in proptest::collection::btree_set(0usize..14, 1..4),
    ) {
        let mut g = WorkspaceGraph::new("/w");
        let ix: Vec<PackageIx> =
            (0..n).map(|i| g.add_package(Package::member(&format!("p{i}"), "1.0.0", &format!("crates/p{i}")))).collect();
        for (a, b, k) in edges {
            let (a, b) = (a % n, b % n);
            let kind = kind(k);
            // Normal and build edges point to lower indices (cargo forbids their cycles); dev
            // edges may point anywhere.
            let (from, to) = if kind == DepKind::Dev { (a, b) } else { (a.max(b), a.min(b)) };
            if from != to {
                g.add_dependency(ix[from], ix[to], Dependency::new(kind));
            }
        }
        let changed: BTreeSet<usize> = changed.into_iter().map(|c| c % n).collect();
        let files = changed.iter().map(|c| ChangedFile::new(format!("crates/p{c}/src/lib.rs"), FileStatus::Modified));
        let set = affected(&g, &ChangeSet::from_files(files), &Rules::default());
        let ours: BTreeSet<String> = set.packages.iter().map(|p| p.name.clone()).collect();
        let reference: BTreeSet<String> = ix
            .iter()
            .filter(|m| test_build(&g, **m).iter().any(|p| changed.iter().any(|c| ix[*c] == *p)))
            .map(|m| g.package(*m).name.clone())
            .collect();
        prop_assert_eq!(&ours, &reference);
        // Every affected package explains itself with a chain that ends at a changed package.
        for package in &set.packages {
            prop_assert!(!package.reasons.is_empty());
        }
    }
}
