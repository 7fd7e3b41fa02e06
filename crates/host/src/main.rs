//! The `host` binary: serves the control plane on a TCP address until Ctrl-C.

use std::process::ExitCode;

use clap::Parser;
use host::{Host, TrustedIssuers};

/// Runs verified WebAssembly actors and answers the control plane.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Address to listen on for control-plane clients.
    #[arg(long, default_value = "127.0.0.1:4000")]
    listen: String,
    /// Account public key whose signed modules may run (repeat for several).
    #[arg(long = "trust", value_name = "ISSUER_KEY", required = true)]
    trust: Vec<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    match serve(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // `{:#}` prints the whole chain on one line, without a backtrace.
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: Args) -> anyhow::Result<()> {
    let trust = TrustedIssuers::new(args.trust)?;
    let issuers = trust.len();
    let host = Host::bind(args.listen.as_str(), trust).await?;
    println!(
        "host listening on {}, trusting {issuers} issuer(s)",
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
