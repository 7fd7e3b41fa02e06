//! The affected engine against a naive reference on random graphs: a member is affected exactly
//! when its test build (itself, its normal and build closure, and its own dev-dependencies'
//! normal and build closures) contains a changed package. A package changes when one of its
//! files changes or when it reads a changed file (a file of another package, a file outside
//! every package, or a folder holding it); a file outside every package that nobody reads
//! changes every package.

use std::collections::BTreeSet;

use proptest::prelude::*;
use workspace_tools::{
    ChangeSet, ChangedFile, DepKind, Dependency, FileStatus, Package, PackageIx, Read, Rules,
    WorkspaceGraph, affected,
};

/// A path the random workspace can change: a package's source or data, a data file outside
/// every package, or a whole folder as git reports a submodule (a package's, or `data`).
fn file_path(file: (usize, u8), n: usize) -> String {
    match file.1 % 5 {
        0 => format!("crates/p{}/src/lib.rs", file.0 % n),
        1 => format!("crates/p{}/data.txt", file.0 % n),
        2 => format!("data/f{}.txt", file.0 % 3),
        3 => format!("crates/p{}", file.0 % n),
        _ => "data".to_owned(),
    }
}

/// What a random read covers: a package's data file, one outside file, or the whole `data`
/// folder.
fn read_path(target: (usize, u8), n: usize) -> String {
    match target.1 % 3 {
        0 => format!("crates/p{}/data.txt", target.0 % n),
        1 => format!("data/f{}.txt", target.0 % 3),
        _ => "data".to_owned(),
    }
}

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
        changed in proptest::collection::btree_set((0usize..14, 0u8..5), 1..4),
        reads in proptest::collection::vec((0usize..14, (0usize..14, 0u8..3)), 0..12),
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
        let reads: Vec<(usize, String)> = reads
            .into_iter()
            .map(|(reader, target)| (reader % n, read_path(target, n)))
            .filter(|(reader, path)| !path.starts_with(&format!("crates/p{reader}/")))
            .collect();
        for (reader, path) in &reads {
            g.add_read(ix[*reader], Read { path: path.clone(), by: "test".to_owned() });
        }
        let files: BTreeSet<String> = changed.into_iter().map(|f| file_path(f, n)).collect();
        let covers = |read: &str, file: &str| file == read || file.starts_with(&format!("{read}/"));
        // The reference: owners of changed files, readers of changed files (and, for a folder,
        // readers of anything under it), and everything for an outside path nobody reads.
        let mut seeds: BTreeSet<usize> = BTreeSet::new();
        let mut everything = false;
        for file in &files {
            let readers: Vec<usize> =
                reads.iter().filter(|(_, r)| covers(r, file)).map(|(p, _)| *p).collect();
            seeds.extend(reads.iter().filter(|(_, r)| covers(file, r)).map(|(p, _)| *p));
            match file.strip_prefix("crates/p") {
                Some(rest) => seeds.insert(rest.split('/').next().unwrap().parse().unwrap()),
                None => { everything |= readers.is_empty(); false }
            };
            seeds.extend(readers);
        }
        let changes = files.iter().map(|f| ChangedFile::new(f.clone(), FileStatus::Modified));
        let set = affected(&g, &ChangeSet::from_files(changes), &Rules::default());
        let ours: BTreeSet<String> = set.packages.iter().map(|p| p.name.clone()).collect();
        let reference: BTreeSet<String> = ix
            .iter()
            .filter(|m| everything || test_build(&g, **m).iter().any(|p| seeds.iter().any(|c| ix[*c] == *p)))
            .map(|m| g.package(*m).name.clone())
            .collect();
        prop_assert_eq!(&ours, &reference);
        // Every affected package explains itself with a chain that ends at a changed package.
        for package in &set.packages {
            prop_assert!(!package.reasons.is_empty());
        }
    }
}
