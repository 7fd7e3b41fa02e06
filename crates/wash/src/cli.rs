//! The `wash` command line, as clap parses it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::SeedSource;

/// The developer CLI for the WebAssembly platform.
#[derive(Debug, Parser)]
#[command(name = "wash", version)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: TopCommand,
}

/// The top-level subcommands.
#[derive(Debug, Subcommand)]
pub enum TopCommand {
    /// Generate key pairs.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Sign and inspect module claims.
    #[command(subcommand)]
    Claims(ClaimsCommand),
    /// Talk to a host's control plane.
    Ctl(CtlCommand),
    /// Call a running actor: its reply's bytes go to standard output as they are.
    Call(CallArgs),
}

/// `wash keys`.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Generate a key pair: prints the public key, writes the seed to a file.
    Gen {
        /// `account` keys sign modules; `module` keys identify them; `user` keys sign
        /// control-plane requests (`wash ctl --seed`, trusted by `host --trust-ctl`).
        kind: KeyKindArg,
        /// File to write the seed to (created, never overwritten); default `PUBLIC_KEY.nk`.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// The kinds of key `wash keys gen` makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KeyKindArg {
    /// An account key, which signs claims.
    Account,
    /// A module key, which identifies a module.
    Module,
    /// A user key, which signs control-plane requests.
    User,
}

impl From<KeyKindArg> for wascap::KeyKind {
    fn from(kind: KeyKindArg) -> Self {
        match kind {
            KeyKindArg::Account => wascap::KeyKind::Account,
            KeyKindArg::Module => wascap::KeyKind::Module,
            KeyKindArg::User => wascap::KeyKind::User,
        }
    }
}

/// `wash claims`.
#[derive(Debug, Subcommand)]
pub enum ClaimsCommand {
    /// Sign a module or component: embed claims signed by an account key.
    Sign(Box<SignArgs>),
    /// Verify the claims of a module or component and show them, with its module hash.
    Inspect {
        /// The signed module or component.
        module: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
}

/// Arguments of `wash claims sign`.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// The core module or component to sign.
    pub module: PathBuf,
    /// Where the issuer's account seed is: a file path, or `env:NAME` for an environment
    /// variable.
    #[arg(
        long,
        value_name = "FILE|env:NAME",
        default_value = "env:WASH_ISSUER_SEED"
    )]
    pub issuer_seed: SeedSource,
    /// Module public key to use as the subject; a fresh module key by default.
    #[arg(long, value_name = "MODULE_KEY")]
    pub subject: Option<String>,
    /// Human-readable module name.
    #[arg(long)]
    pub name: String,
    /// Module version.
    #[arg(long = "ver", value_name = "VERSION")]
    pub version: Option<String>,
    /// Capability to grant (repeat for several).
    #[arg(long = "cap", value_name = "CAPABILITY")]
    pub capabilities: Vec<String>,
    /// Free-form tag (repeat for several).
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Module revision, a number that grows with each build.
    #[arg(long = "rev", value_name = "NUMBER")]
    pub revision: Option<i32>,
    /// Claims expire this many seconds after signing.
    #[arg(long, value_name = "SECONDS")]
    pub expires_in: Option<u64>,
    /// Claims become valid this many seconds after signing.
    #[arg(long, value_name = "SECONDS")]
    pub not_before_in: Option<u64>,
    /// Where to write the signed module; default `MODULE_s.wasm` beside the input.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// `wash ctl`.
#[derive(Debug, Args)]
pub struct CtlCommand {
    /// Which host, and how to sign for it.
    #[command(flatten)]
    pub connection: Connection,
    /// The request.
    #[command(subcommand)]
    pub action: CtlAction,
}

/// `wash call`: the request's bytes come from `--data`, `--data-file` or standard input.
#[derive(Debug, Args)]
pub struct CallArgs {
    /// The actor's id (its module public key).
    pub actor_id: String,
    /// The request, as text.
    #[arg(long, conflicts_with = "data_file")]
    pub data: Option<String>,
    /// File holding the request's bytes (`-` for standard input, the default).
    #[arg(long, value_name = "FILE")]
    pub data_file: Option<PathBuf>,
    /// Output format: `text` writes the reply's bytes as they are; `json` an object with the
    /// actor id, the bytes in base64 and, when they are UTF-8, as text.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Which host, and how to sign for it.
    #[command(flatten)]
    pub connection: Connection,
}

/// The host to talk to and the key that signs the requests.
#[derive(Debug, Args)]
pub struct Connection {
    /// The host's control-plane address.
    #[arg(long, global = true, default_value = "127.0.0.1:4000")]
    pub host: String,
    /// Seconds to wait for the host on each request.
    #[arg(long, global = true, default_value_t = 5)]
    pub timeout: u64,
    /// Where the user seed that signs requests is: a file path, or `env:NAME` for an
    /// environment variable. The host must trust its public key (`--trust-ctl`).
    #[arg(
        long,
        global = true,
        value_name = "FILE|env:NAME",
        default_value = "env:WASH_CTL_SEED"
    )]
    pub seed: SeedSource,
}

/// The `wash ctl` requests.
#[derive(Debug, Subcommand)]
pub enum CtlAction {
    /// Send a signed module to the host to start.
    Start {
        /// The signed module or component.
        module: PathBuf,
    },
    /// Stop a running actor.
    Stop {
        /// The actor's id (its module public key).
        actor_id: String,
    },
    /// List the host's actors.
    Inventory {
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
    /// Check that the host answers.
    Ping,
}

/// How to print results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned text for people.
    Text,
    /// Pretty-printed JSON for programs.
    Json,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_reads_repeated_caps_and_the_default_seed_source() {
        let cli = Cli::try_parse_from([
            "wash", "claims", "sign", "m.wasm", "--name", "echo", "--cap", "a:b", "--cap", "c:d",
        ])
        .expect("parses");
        let TopCommand::Claims(ClaimsCommand::Sign(args)) = cli.command else {
            panic!("sign command");
        };
        assert_eq!(args.capabilities, ["a:b", "c:d"]);
        assert_eq!(args.issuer_seed, SeedSource::Env("WASH_ISSUER_SEED".into()));
    }

    #[test]
    fn ctl_host_may_follow_the_action() {
        let cli =
            Cli::try_parse_from(["wash", "ctl", "ping", "--host", "127.0.0.1:9"]).expect("parses");
        let TopCommand::Ctl(ctl) = cli.command else {
            panic!("ctl command");
        };
        assert_eq!(ctl.connection.host, "127.0.0.1:9");
        assert!(matches!(ctl.action, CtlAction::Ping));
    }

    #[test]
    fn unknown_key_kinds_are_rejected() {
        assert!(Cli::try_parse_from(["wash", "keys", "gen", "operator"]).is_err());
    }

    #[test]
    fn ctl_reads_its_seed_from_the_environment_by_default() {
        let cli = Cli::try_parse_from(["wash", "ctl", "ping"]).expect("parses");
        let TopCommand::Ctl(ctl) = cli.command else {
            panic!("ctl command");
        };
        assert_eq!(ctl.connection.seed, SeedSource::Env("WASH_CTL_SEED".into()));
    }

    #[test]
    fn call_takes_data_or_a_file_but_not_both() {
        let cli = Cli::try_parse_from(["wash", "call", "MACTOR", "--data", "hi", "--timeout", "9"])
            .expect("parses");
        let TopCommand::Call(call) = cli.command else {
            panic!("call command");
        };
        assert_eq!(
            (call.actor_id.as_str(), call.data.as_deref()),
            ("MACTOR", Some("hi"))
        );
        assert_eq!(call.connection.timeout, 9);
        assert!(
            Cli::try_parse_from(["wash", "call", "M", "--data", "a", "--data-file", "f"]).is_err()
        );
    }
}
