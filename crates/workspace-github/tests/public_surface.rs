//! The GitHub crate's public surface is deliberate: every function and constant `lib.rs` and
//! its public modules export is used by xtask, or is behind `test-support`.

use std::path::{Path, PathBuf};

use workspace_tools::test_support::unused_exports;

fn root(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

#[test]
fn every_exported_function_and_constant_has_a_user_in_xtask() {
    let lib = std::fs::read_to_string(root("src/lib.rs")).unwrap();
    let mut exporters = vec![root("src/lib.rs")];
    exporters.extend(
        lib.lines()
            .filter_map(|line| line.strip_prefix("pub mod "))
            .filter(|name| *name != "test_support;")
            .map(|name| root(&format!("src/{}.rs", name.trim_end_matches(';')))),
    );
    assert!(exporters.len() > 4, "{exporters:?}");
    let unused = unused_exports("workspace_github", &exporters, &[root("../../xtask/src")]);
    assert_eq!(unused, Vec::<String>::new());
}
