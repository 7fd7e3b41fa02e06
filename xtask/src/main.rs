//! `cargo xtask`: the command line over `workspace-tools`. Parses arguments, calls the
//! engine, prints; each subcommand lives in its own module.

mod affected;
mod bench;
mod bench_host;
mod exit_code;
mod failure;
#[cfg(feature = "github")]
mod github;
mod graph;
mod output;
mod release;
mod synthetic;
mod test;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Workspace automation for this monorepo (and any Cargo workspace, with --manifest-path).
#[derive(Parser)]
#[command(name = "cargo xtask", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the workspace's package graph.
    Graph(graph::Args),
    /// List the packages a change affects, and why.
    Affected(affected::AffectedArgs),
    /// Run the tests of the affected packages only, in one runner invocation.
    AffectedTest(affected::TestArgs),
    /// Install the pinned test tools, then run every test of the workspace (--all-features).
    Test(test::Args),
    /// Plan a release; with --execute, bump, commit, tag, push and publish.
    Release(release::Args),
    /// Comment on the pull request: affected crates, release plan and graph (feature `github`).
    #[cfg(feature = "github")]
    PrComment(github::pr_comment::Args),
    /// Open or update the release pull request (feature `github`).
    #[cfg(feature = "github")]
    ReleasePr(github::release_pr::Args),
    /// Create the GitHub releases of the release tags; with --pr, tag a merged release first
    /// (feature `github`).
    #[cfg(feature = "github")]
    GithubRelease(github::releases::Args),
    /// Time `affected` on synthetic workspaces (cargo metadata, git and our own code apart).
    BenchAffected(bench::Args),
    /// Time planning and applying a release on synthetic workspaces.
    BenchRelease(bench::Args),
    /// Load a host in its own process: connections, requests/s, p99 latency, resident memory.
    BenchHost(bench_host::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Graph(args) => graph::run(args),
        Command::Affected(args) => affected::run(args),
        Command::AffectedTest(args) => affected::run_tests(args),
        Command::Test(args) => test::run(args),
        Command::Release(args) => release::run(args),
        Command::BenchAffected(args) => bench::run(args),
        Command::BenchRelease(args) => bench::run_release(args),
        Command::BenchHost(args) => bench_host::run(args),
        #[cfg(feature = "github")]
        Command::PrComment(args) => github::pr_comment::run(args),
        #[cfg(feature = "github")]
        Command::ReleasePr(args) => github::release_pr::run(args),
        #[cfg(feature = "github")]
        Command::GithubRelease(args) => github::releases::run(args),
    };
    let code = match result {
        Ok(code) => code,
        Err(error) => failure::report(&error),
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

#[cfg(test)]
mod tests {
    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }

    #[test]
    fn exit_codes_are_distinct_and_avoid_test_runners() {
        use super::exit_code::*;
        let ours = [
            NOT_A_REPOSITORY,
            UNKNOWN_REVISION,
            SHALLOW_CLONE,
            METADATA,
            CARGO_NOT_FOUND,
            CONFIG,
            GIT_OR_IO,
            REFUSED,
            PLAN,
            PUBLISH,
            GITHUB_AUTH,
            GITHUB_NOT_FOUND,
            GITHUB_API,
            GITHUB_CONTEXT,
            GITHUB_MISMATCH,
            TOOL_INSTALL,
            RUNNER_NOT_FOUND,
            STALE_LOCK,
            MANIFEST,
            FETCH,
        ];
        let mut all = ours.to_vec();
        all.extend([SUCCESS, FAILURE, USAGE]);
        all.sort();
        all.dedup();
        assert_eq!(all.len(), ours.len() + 3);
        // cargo test: 101; nextest: 4 and 92..=106.
        assert!(ours.iter().all(|c| *c != 4 && !(92..=106).contains(c)));
    }
}
