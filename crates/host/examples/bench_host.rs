//! `cargo xtask bench-host`: load on a host in its own process, measured from outside. Runs
//! three scenarios against the real host code (this program started again with `serve`, which
//! runs exactly what the `host` binary runs) and prints Markdown tables for docs/benchmarks.md:
//!
//! - **idle**: N connections opened and left silent; the host's resident and virtual memory.
//! - **requests**: N clients each connect and send R signed pings one after another;
//!   connections, requests/s, p50/p99 latency, and the host's resident memory afterwards.
//! - **calls**: a trivial actor (it reverses its request) is started once; C clients each call
//!   it K times one after another; calls/s and p50/p99 latency of a whole signed call (a fresh
//!   instance each time), and the host's resident memory afterwards.
//! - **uploads**: U clients upload an actor of M MiB again and again (unsigned, then signed by a
//!   trusted account so it is fully verified) while one client pings every 5 ms; ping
//!   p50/p99/max and uploads answered. A first row pings with no uploads: on a shared machine
//!   it shows what scheduling alone costs.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;
use control_interface::{Client, TcpTransport};
use tokio::net::TcpStream;
use wascap::{KeyKind, KeyPair, SigningRequest};

/// Load a host and report connections, requests/s, latency and memory.
#[derive(Debug, Parser)]
struct Args {
    /// Clients in the request scenario, each on its own connection
    #[arg(long, default_value_t = 1000)]
    clients: usize,
    /// Pings each client sends, one after another
    #[arg(long, default_value_t = 20)]
    requests: usize,
    /// Idle connections in the idle scenario
    #[arg(long, default_value_t = 1000)]
    idle: usize,
    /// Clients calling the trivial actor at once in the call scenario
    #[arg(long, default_value_t = 8)]
    callers: usize,
    /// Calls each caller makes, one after another
    #[arg(long, default_value_t = 500)]
    calls: usize,
    /// Clients uploading at once in the upload scenario
    #[arg(long, default_value_t = 4)]
    uploaders: usize,
    /// Size of each uploaded module, in MiB
    #[arg(long, default_value_t = 10)]
    upload_mib: usize,
    /// Seconds each upload scenario lasts
    #[arg(long, default_value_t = 10)]
    upload_seconds: u64,
}

const TIMEOUT: Duration = Duration::from_secs(30);

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("upload") {
        return upload(args.skip(1));
    }
    if args.peek().map(String::as_str) == Some("serve") {
        let host_args =
            host::cli::Args::parse_from(std::iter::once("host".to_owned()).chain(args.skip(1)));
        return tokio::runtime::Runtime::new()?.block_on(host::cli::run(host_args));
    }
    let args = Args::parse();
    tokio::runtime::Runtime::new()?.block_on(bench(args))
}

/// A host process started from this program, killed when dropped.
struct HostProcess {
    child: Child,
    addr: String,
    controller: KeyPair,
    issuer: KeyPair,
}

impl HostProcess {
    fn start() -> anyhow::Result<Self> {
        let controller = KeyKind::User.generate();
        let issuer = KeyKind::Account.generate();
        let mut child = Command::new(std::env::current_exe()?)
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--max-connections",
                "4096",
            ])
            .args([
                "--trust",
                &issuer.public_key(),
                "--trust-ctl",
                &controller.public_key(),
            ])
            .stdout(Stdio::piped())
            .spawn()?;
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped")).read_line(&mut line)?;
        let addr = host::cli::listening_address(&line)
            .ok_or_else(|| anyhow::anyhow!("host did not start: {line}"))?
            .to_owned();
        Ok(HostProcess {
            child,
            addr,
            controller,
            issuer,
        })
    }

    /// A `VmRSS`/`VmSize` style field of the host's /proc status, in MiB.
    fn memory_mib(&self, field: &str) -> anyhow::Result<f64> {
        memory_mib(self.child.id(), field)
    }

    async fn client(&self) -> anyhow::Result<Client<TcpTransport>> {
        Ok(Client::connect(self.addr.as_str(), TIMEOUT, self.controller.clone()).await?)
    }

    /// `n` connected clients, connected before any sends, so the load starts all at once.
    async fn clients(&self, n: usize) -> anyhow::Result<Vec<Client<TcpTransport>>> {
        let mut clients = Vec::with_capacity(n);
        for _ in 0..n {
            clients.push(self.client().await?);
        }
        Ok(clients)
    }
}

impl Drop for HostProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Pings every 5 ms for `seconds`; returns the latencies and the host's peak resident memory.
fn ping_while_loaded(
    addr: &str,
    key: KeyPair,
    pid: u32,
    seconds: u64,
) -> anyhow::Result<(Vec<Duration>, f64)> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let mut pinger = Client::connect(addr, TIMEOUT, key).await?;
        let mut pings = Vec::new();
        let mut peak = 0f64;
        let until = Instant::now() + Duration::from_secs(seconds);
        while Instant::now() < until {
            let sent = Instant::now();
            pinger.ping().await?;
            pings.push(sent.elapsed());
            peak = peak.max(memory_mib(pid, "VmRSS")?);
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Ok((pings, peak))
    })
}

/// A `VmRSS`/`VmSize` style field of process `pid`'s /proc status, in MiB.
fn memory_mib(pid: u32, field: &str) -> anyhow::Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kib: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.trim().trim_end_matches(" kB").parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no {field} in /proc status"))?;
    Ok(kib / 1024.0)
}

/// The value at quantile `q` of sorted `samples`, in milliseconds.
fn quantile_ms(samples: &[Duration], q: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    let at = ((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len()) - 1;
    samples[at].as_secs_f64() * 1000.0
}

async fn bench(args: Args) -> anyhow::Result<()> {
    let host = HostProcess::start()?;
    let baseline = host.memory_mib("VmRSS")?;
    println!("host resident memory at start: {baseline:.1} MiB\n");
    // Idle first, on a fresh host, so its memory figure is not the previous scenario's.
    idle(&host, &args).await?;
    requests(&host, &args).await?;
    calls(&host, &args).await?;
    uploads(&host, &args).await
}

/// Prints a load scenario's table: its clients, operations, operations per second, p50 and
/// p99 latency, and the host's resident memory.
fn print_load(
    (clients, operations): (&str, &str),
    count: usize,
    mut latencies: Vec<Duration>,
    elapsed: Duration,
    resident: f64,
) {
    latencies.sort();
    println!("| {clients} | {operations} | {operations}/s | p50 | p99 | host resident memory |");
    println!("|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {count} | {} | {:.0} | {:.2} ms | {:.2} ms | {resident:.1} MiB |\n",
        latencies.len(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        quantile_ms(&latencies, 0.5),
        quantile_ms(&latencies, 0.99),
    );
}

async fn calls(host: &HostProcess, args: &Args) -> anyhow::Result<()> {
    let subject = KeyKind::Module.generate().public_key();
    let request = SigningRequest::new(subject.clone(), "reverse");
    let actor = wascap::embed(&host::test_actors::reverse(), &request, &host.issuer)?;
    host.client().await?.start_actor(actor).await?;
    let callers = host.clients(args.callers).await?;
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for mut client in callers {
        let (calls, subject) = (args.calls, subject.clone());
        tasks.spawn(async move {
            let mut latencies = Vec::with_capacity(calls);
            for _ in 0..calls {
                let sent = Instant::now();
                let reply = client
                    .call_actor(subject.as_str(), b"ping".to_vec())
                    .await?;
                anyhow::ensure!(reply == b"gnip", "unexpected reply {reply:?}");
                latencies.push(sent.elapsed());
            }
            anyhow::Ok(latencies)
        });
    }
    let mut latencies = Vec::new();
    while let Some(done) = tasks.join_next().await {
        latencies.append(&mut done??);
    }
    let elapsed = started.elapsed();
    let resident = host.memory_mib("VmRSS")?;
    print_load(
        ("callers", "calls"),
        args.callers,
        latencies,
        elapsed,
        resident,
    );
    Ok(())
}

async fn requests(host: &HostProcess, args: &Args) -> anyhow::Result<()> {
    let clients = host.clients(args.clients).await?;
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for mut client in clients {
        let requests = args.requests;
        tasks.spawn(async move {
            let mut latencies = Vec::with_capacity(requests);
            for _ in 0..requests {
                let sent = Instant::now();
                client.ping().await?;
                latencies.push(sent.elapsed());
            }
            anyhow::Ok((latencies, client))
        });
    }
    let mut latencies = Vec::new();
    let mut open = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let (mut some, client) = done??;
        latencies.append(&mut some);
        open.push(client);
    }
    let elapsed = started.elapsed();
    let resident = host.memory_mib("VmRSS")?;
    drop(open);
    // Let the host see these connections close before the next scenario.
    tokio::time::sleep(Duration::from_millis(500)).await;
    print_load(
        ("connections", "requests"),
        args.clients,
        latencies,
        elapsed,
        resident,
    );
    Ok(())
}

async fn idle(host: &HostProcess, args: &Args) -> anyhow::Result<()> {
    let before = host.memory_mib("VmRSS")?;
    let mut idle = Vec::with_capacity(args.idle);
    for _ in 0..args.idle {
        idle.push(TcpStream::connect(host.addr.as_str()).await?);
    }
    // A ping on a fresh connection proves the host has accepted everything before it.
    host.client().await?.ping().await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    println!(
        "| idle connections | host resident memory (before) | host resident memory | host virtual memory |"
    );
    println!("|---:|---:|---:|---:|");
    println!(
        "| {} | {before:.1} MiB | {:.1} MiB | {:.1} MiB |\n",
        idle.len(),
        host.memory_mib("VmRSS")?,
        host.memory_mib("VmSize")?,
    );
    drop(idle);
    // Let the host see these connections close before the next scenario.
    tokio::time::sleep(Duration::from_millis(500)).await;
    Ok(())
}

async fn uploads(host: &HostProcess, args: &Args) -> anyhow::Result<()> {
    println!(
        "| uploads ({} × {} MiB) | uploads answered | ping p50 | ping p99 | ping max | pings | host resident memory (peak) |",
        args.uploaders, args.upload_mib
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let scenarios = [
        ("none (the machine's baseline)", None),
        ("unsigned", Some(false)),
        ("signed by a trusted account", Some(true)),
    ];
    for (kind, signed) in scenarios {
        let mut uploaders = Vec::new();
        for _ in 0..signed.map_or(0, |_| args.uploaders) {
            uploaders.push(start_uploader(host, args, signed == Some(true))?);
        }
        // Uploaders print a line once their module is built and they start sending.
        let mut outputs = Vec::new();
        for uploader in &mut uploaders {
            let mut reader = BufReader::new(uploader.stdout.take().expect("piped"));
            let mut ready = String::new();
            reader.read_line(&mut ready)?;
            outputs.push(reader);
        }
        let pinger = {
            let (addr, key, pid) = (host.addr.clone(), host.controller.clone(), host.child.id());
            let seconds = args.upload_seconds;
            std::thread::spawn(move || ping_while_loaded(&addr, key, pid, seconds))
        };
        let (mut pings, peak) = pinger
            .join()
            .map_err(|_| anyhow::anyhow!("pinger panicked"))??;
        let mut answered = 0;
        for (mut uploader, mut output) in uploaders.into_iter().zip(outputs) {
            let mut count = String::new();
            output.read_line(&mut count)?;
            answered += count.trim().parse::<usize>()?;
            uploader.wait()?;
        }
        pings.sort();
        println!(
            "| {kind} | {answered} | {:.1} ms | {:.1} ms | {:.1} ms | {} | {peak:.1} MiB |",
            quantile_ms(&pings, 0.5),
            quantile_ms(&pings, 0.99),
            quantile_ms(&pings, 1.0),
            pings.len(),
        );
    }
    Ok(())
}

/// Starts this program in `upload` mode at the lowest priority: the uploaders stand for remote
/// clients, so their own encoding work should not take the shared cores from the host.
fn start_uploader(host: &HostProcess, args: &Args, signed: bool) -> anyhow::Result<Child> {
    let mut command = Command::new("nice");
    command
        .args(["-n", "19"])
        .arg(std::env::current_exe()?)
        .args(["upload", &host.addr, &args.upload_mib.to_string()])
        .arg(args.upload_seconds.to_string())
        // Seeds travel in the environment, never on a command line.
        .env("BENCH_HOST_CONTROLLER_SEED", host.controller.seed()?)
        .stdout(Stdio::piped());
    if signed {
        command.env("BENCH_HOST_ISSUER_SEED", host.issuer.seed()?);
    }
    Ok(command.spawn()?)
}

/// `upload ADDR MIB SECONDS`: uploads an actor of MIB MiB again and again for SECONDS, signed
/// when `BENCH_HOST_ISSUER_SEED` is set; prints a line when ready, then the uploads answered.
fn upload(mut args: impl Iterator<Item = String>) -> anyhow::Result<()> {
    let mut next = || {
        args.next()
            .ok_or_else(|| anyhow::anyhow!("upload ADDR MIB SECONDS"))
    };
    let (addr, mib, seconds) = (next()?, next()?.parse::<usize>()?, next()?.parse::<u64>()?);
    let controller = KeyPair::from_seed(&std::env::var("BENCH_HOST_CONTROLLER_SEED")?)?;
    let mut module = host::test_actors::padded(mib * 1024 * 1024);
    if let Ok(seed) = std::env::var("BENCH_HOST_ISSUER_SEED") {
        let request = SigningRequest::new(KeyKind::Module.generate().public_key(), "padded");
        module = wascap::embed(&module, &request, &KeyPair::from_seed(&seed)?)?;
    }
    println!("ready");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let answered = runtime.block_on(async {
        let mut client = Client::connect(addr.as_str(), TIMEOUT, controller).await?;
        let until = Instant::now() + Duration::from_secs(seconds);
        let mut answered = 0usize;
        while Instant::now() < until {
            // Refusals are the expected answers: unsigned, or already running.
            match client.start_actor(module.clone()).await {
                Ok(_) | Err(control_interface::Error::Refused { .. }) => answered += 1,
                Err(err) => return Err(anyhow::Error::from(err)),
            }
        }
        anyhow::Ok(answered)
    })?;
    println!("{answered}");
    Ok(())
}
