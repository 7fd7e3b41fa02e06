//! The host binary under hostile clients, in a process of its own so its memory and CPU time
//! can be read from /proc: unfinished frames hold bounded memory while pings still answer, and
//! a host out of file descriptors backs off instead of spinning. Loopback only; every client is
//! bounded in count and time, and the host is killed when the test ends. Linux only: it reads
//! /proc.
#![cfg(target_os = "linux")]

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use control_interface::Client;
use control_interface::codec::MAX_FRAME_LEN;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use wascap::{KeyKind, KeyPair};

const TIMEOUT: Duration = Duration::from_secs(5);

/// A `host` process on a loopback port, killed when dropped.
struct HostProcess {
    child: Child,
    addr: String,
    controller: KeyPair,
}

impl HostProcess {
    /// Starts the host with `flags`, under `ulimit -n` when `max_files` is given.
    fn start(flags: &[&str], max_files: Option<u32>) -> Self {
        let controller = KeyKind::User.generate();
        let mut args = vec![
            "--listen".to_owned(),
            "127.0.0.1:0".to_owned(),
            "--trust".to_owned(),
            KeyKind::Account.generate().public_key(),
            "--trust-ctl".to_owned(),
            controller.public_key(),
        ];
        args.extend(flags.iter().map(|f| (*f).to_owned()));
        let host = env!("CARGO_BIN_EXE_host");
        let mut command = match max_files {
            // The shell lowers its own limit and becomes the host, which inherits it.
            Some(n) => {
                let mut sh = Command::new("sh");
                sh.arg("-c")
                    .arg(format!("ulimit -n {n} && exec \"$0\" \"$@\""))
                    .arg(host)
                    .args(&args);
                sh
            }
            None => {
                let mut direct = Command::new(host);
                direct.args(&args);
                direct
            }
        };
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("host starts");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().expect("stdout"))
            .read_line(&mut line)
            .expect("host prints its address");
        let addr = host::cli::listening_address(&line)
            .unwrap_or_else(|| panic!("unexpected first line: {line}"))
            .to_owned();
        HostProcess {
            child,
            addr,
            controller,
        }
    }

    fn status(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("host is running");
        status
            .lines()
            .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|value| value.trim().trim_end_matches(" kB").parse().ok())
            .unwrap_or_else(|| panic!("no {field} in /proc status"))
    }

    /// Resident memory in MiB.
    fn resident_mib(&self) -> u64 {
        self.status("VmRSS") / 1024
    }

    /// Virtual memory in MiB.
    fn virtual_mib(&self) -> u64 {
        self.status("VmSize") / 1024
    }

    /// User plus system CPU time, in clock ticks.
    fn cpu_ticks(&self) -> u64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))
            .expect("host is running");
        // Fields after the command name (which may hold spaces) start at field 3 (state);
        // utime and stime are fields 14 and 15.
        let after_name = stat.rsplit_once(')').expect("stat format").1;
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        let ticks = |i: usize| fields[i - 3].parse::<u64>().expect("ticks");
        ticks(14) + ticks(15)
    }

    async fn ping(&self) -> Result<(), control_interface::Error> {
        let mut client =
            Client::connect(self.addr.as_str(), TIMEOUT, self.controller.clone()).await?;
        client.ping().await.map(drop)
    }

    /// Kills the host and returns what it wrote to stderr.
    fn stop(mut self) -> String {
        self.child.kill().expect("kill");
        self.child.wait().expect("reaped");
        let mut stderr = String::new();
        if let Some(mut pipe) = self.child.stderr.take() {
            pipe.read_to_string(&mut stderr).expect("stderr");
        }
        stderr
    }
}

impl Drop for HostProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unfinished_frames_hold_bounded_memory_and_pings_still_answer() {
    const CLIENTS: usize = 100;
    const SENT: usize = 1024 * 1024;
    let host = HostProcess::start(&["--request-memory", "32", "--frame-timeout", "60"], None);
    host.ping().await.expect("pong");
    let (resident, virtual_size) = (host.resident_mib(), host.virtual_mib());

    // Each client announces a frame of the maximum size and sends 1 MiB of it, then stalls.
    let mut stalled = Vec::new();
    let mut sending = tokio::task::JoinSet::new();
    for _ in 0..CLIENTS {
        let mut stream = TcpStream::connect(host.addr.as_str())
            .await
            .expect("connects");
        sending.spawn(async move {
            let header = u32::try_from(MAX_FRAME_LEN).expect("fits").to_be_bytes();
            let _ = tokio::time::timeout(Duration::from_secs(2), async {
                stream.write_all(&header).await?;
                stream.write_all(&vec![b' '; SENT]).await
            })
            .await;
            stream
        });
    }
    while let Some(stream) = sending.join_next().await {
        stalled.push(stream.expect("client task"));
    }
    host.ping()
        .await
        .expect("pings answer while frames are unfinished");

    let grown_resident = host.resident_mib().saturating_sub(resident);
    let grown_virtual = host.virtual_mib().saturating_sub(virtual_size);
    // Unbounded, the host would hold the 100 MiB sent and reserve 1.6 GiB of address space;
    // bounded, only frames that got request memory (two of 16 MiB) are read, as they arrive.
    assert!(
        grown_resident < 32,
        "resident memory grew by {grown_resident} MiB"
    );
    assert!(
        grown_virtual < 512,
        "virtual memory grew by {grown_virtual} MiB"
    );
    drop(stalled);
    host.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_out_of_file_descriptors_backs_off_and_recovers() {
    let host = HostProcess::start(&[], Some(32));
    // More connections than the host has descriptors for; they stay open (and idle).
    let mut held = Vec::new();
    for _ in 0..48 {
        held.push(
            TcpStream::connect(host.addr.as_str())
                .await
                .expect("connects"),
        );
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = host.cpu_ticks();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let spent = host.cpu_ticks() - before;
    // 2 s of wall time is 200 ticks at the usual 100 Hz; spinning on accept burns them all.
    assert!(
        spent < 20,
        "host used {spent} ticks of CPU while out of descriptors"
    );

    held.truncate(8);
    let mut answered = false;
    for _ in 0..20 {
        if host.ping().await.is_ok() {
            answered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(answered, "host serves again once descriptors are free");
    let stderr = host.stop();
    assert!(
        stderr.contains("warning: cannot accept a connection"),
        "the condition is logged: {stderr}"
    );
}

#[test]
fn absurd_limits_are_refused_at_start_up_with_the_reason() {
    let keys = [
        "--trust".to_owned(),
        KeyKind::Account.generate().public_key(),
        "--trust-ctl".to_owned(),
        KeyKind::User.generate().public_key(),
    ];
    for (flag, value, reason) in [
        ("--frame-timeout", u64::MAX.to_string(), "timeouts must be"),
        ("--idle-timeout", "0".to_owned(), "timeouts must be"),
        ("--request-memory", u64::MAX.to_string(), "request memory"),
        ("--request-memory", "1".to_owned(), "cannot hold one frame"),
        ("--max-connections", "0".to_owned(), "at least 1"),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_host"))
            .args(["--listen", "127.0.0.1:0"])
            .args(&keys)
            .args([flag, &value])
            .output()
            .expect("host runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{flag} {value} must be refused");
        assert!(
            stderr.contains("invalid limits") && stderr.contains(reason),
            "{flag} {value}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn a_seed_given_as_a_trusted_key_is_refused_without_being_printed() {
    let (user, account) = (KeyKind::User.generate(), KeyKind::Account.generate());
    let user_seed = user.seed().expect("seed");
    let account_seed = account.seed().expect("seed");
    for (trust, trust_ctl, seed, public_key) in [
        (
            account.public_key(),
            user_seed.clone(),
            &user_seed,
            user.public_key(),
        ),
        (
            account_seed.clone(),
            user.public_key(),
            &account_seed,
            account.public_key(),
        ),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_host"))
            .args(["--listen", "127.0.0.1:0", "--trust", &trust])
            .args(["--trust-ctl", &trust_ctl])
            .output()
            .expect("host runs");
        let (stdout, stderr) = (
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        );
        assert!(!output.status.success(), "a seed must not be trusted");
        assert!(!stderr.contains(seed.as_str()) && !stdout.contains(seed.as_str()));
        assert!(
            stderr.contains("got a seed") && stderr.contains(&public_key),
            "{stderr}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_strangers_large_malformed_frame_costs_about_its_own_size() {
    let host = HostProcess::start(&[], None);
    host.ping().await.expect("pong");
    let before = host.status("VmHWM") / 1024;
    // A string where a number belongs, of characters a quoting error message spells as six.
    let mut payload = br#"{"version":2,"id":""#.to_vec();
    payload.resize(MAX_FRAME_LEN - 2, 0x7f);
    payload.extend_from_slice(br#""}"#);
    let mut stream = TcpStream::connect(host.addr.as_str())
        .await
        .expect("connects");
    let header = u32::try_from(payload.len()).expect("fits").to_be_bytes();
    stream.write_all(&header).await.expect("header");
    stream.write_all(&payload).await.expect("payload");
    let mut reply_header = [0; 4];
    tokio::time::timeout(
        TIMEOUT,
        tokio::io::AsyncReadExt::read_exact(&mut stream, &mut reply_header),
    )
    .await
    .expect("answered in time")
    .expect("a reply");
    let peak = (host.status("VmHWM") / 1024).saturating_sub(before);
    // The frame itself is 16 MiB; quoting it in the error message cost twenty times that.
    assert!(peak < 48, "peak memory grew by {peak} MiB");
    assert!(u32::from_be_bytes(reply_header) < 2048, "a short refusal");
    host.stop();
}
