//! The engine's public surface is deliberate: every function and constant `lib.rs` and
//! `release/mod.rs` export is used by xtask or workspace-github, or is behind `test-support`.

use std::path::{Path, PathBuf};

use workspace_tools::test_support::unused_exports;

fn root(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

#[test]
fn every_exported_function_and_constant_has_a_user_outside() {
    let unused = unused_exports(
        "workspace_tools",
        &[root("src/lib.rs"), root("src/release/mod.rs")],
        &[root("../../xtask/src"), root("../workspace-github/src")],
    );
    assert_eq!(unused, Vec::<String>::new());
}
