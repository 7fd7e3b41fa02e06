//! The `host` command line, shared by the binary and the benchmark that runs a host in its own
//! process.

use std::time::Duration;

use clap::Parser;

use crate::{Controllers, Host, HostConfig, Limits, TrustedIssuers};

/// Runs verified WebAssembly actors and answers the control plane.
#[derive(Debug, Parser)]
#[command(name = "host", version)]
pub struct Args {
    /// Address to listen on for control-plane clients.
    #[arg(long, default_value = "127.0.0.1:4000")]
    pub listen: String,
    /// Account public key whose signed modules may run (repeat for several).
    #[arg(long = "trust", value_name = "ISSUER_KEY", required = true)]
    pub trust: Vec<String>,
    /// User public key whose signed requests the host carries out (repeat for several).
    #[arg(long = "trust-ctl", value_name = "USER_KEY", required = true)]
    pub trust_ctl: Vec<String>,
    /// Open control connections at most; further ones are refused [default: 1024].
    #[arg(long, value_name = "N")]
    pub max_connections: Option<usize>,
    /// Seconds a connection may stay silent between requests [default: 300].
    #[arg(long, value_name = "SECONDS")]
    pub idle_timeout: Option<u64>,
    /// Seconds from a request frame's first byte to its last [default: 30].
    #[arg(long, value_name = "SECONDS")]
    pub frame_timeout: Option<u64>,
    /// MiB that large request frames may hold at once, across connections [default: 256].
    #[arg(long, value_name = "MIB")]
    pub request_memory: Option<usize>,
    /// Module uploads verified at once [default: half the cores, at least 1].
    #[arg(long, value_name = "N")]
    pub verify_concurrency: Option<usize>,
    /// Milliseconds one actor call may take, waiting for a call slot included [default: 2000].
    #[arg(long, value_name = "MS")]
    pub call_timeout_ms: Option<u64>,
    /// MiB of linear memory one actor instance may hold [default: 64].
    #[arg(long, value_name = "MIB")]
    pub actor_memory: Option<usize>,
    /// Actor calls run at once; further calls wait for a slot [default: 16].
    #[arg(long, value_name = "N")]
    pub max_calls: Option<usize>,
}

impl Args {
    /// The limits the flags ask for, the defaults elsewhere.
    pub fn limits(&self) -> Limits {
        let defaults = Limits::default();
        Limits {
            max_connections: self.max_connections.unwrap_or(defaults.max_connections),
            idle_timeout: self
                .idle_timeout
                .map_or(defaults.idle_timeout, Duration::from_secs),
            frame_timeout: self
                .frame_timeout
                .map_or(defaults.frame_timeout, Duration::from_secs),
            request_memory: self.request_memory.map_or(defaults.request_memory, |mib| {
                mib.saturating_mul(1024 * 1024)
            }),
            verify_concurrency: self
                .verify_concurrency
                .unwrap_or(defaults.verify_concurrency),
            call_timeout: self
                .call_timeout_ms
                .map_or(defaults.call_timeout, Duration::from_millis),
            actor_memory: self
                .actor_memory
                .map_or(defaults.actor_memory, |mib| mib.saturating_mul(1024 * 1024)),
            max_calls: self.max_calls.unwrap_or(defaults.max_calls),
            ..defaults
        }
    }
}

/// How the line a host prints once ready starts; the address follows it.
const LISTENING: &str = "host listening on";

/// The address in the line a host prints once ready, for programs that start one (tests,
/// benchmarks), or `None` when the line is something else.
pub fn listening_address(line: &str) -> Option<&str> {
    let rest = line.strip_prefix(LISTENING)?.strip_prefix(' ')?;
    rest.split(',').next()
}

/// Serves until Ctrl-C; prints `host listening on ADDR` once ready.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let config = HostConfig {
        limits: args.limits(),
        issuers: TrustedIssuers::new(&args.trust)?,
        controllers: Controllers::new(&args.trust_ctl)?,
    };
    let (issuers, controllers) = (config.issuers.len(), config.controllers.len());
    let max_connections = config.limits.max_connections;
    let host = Host::bind(args.listen.as_str(), config).await?;
    println!(
        "{LISTENING} {}, trusting {issuers} issuer(s) and {controllers} controller(s), \
         at most {max_connections} connections",
        host.local_addr()
    );
    host.serve(async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            // Without a signal handler the host can still be stopped by killing it.
            eprintln!("warning: cannot listen for Ctrl-C: {err}");
            std::future::pending::<()>().await;
        }
    })
    .await;
    println!("host stopped");
    Ok(())
}
