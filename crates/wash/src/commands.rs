//! What each `wash` subcommand does.

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use control_interface::{Client, TcpTransport};
use wascap::{KeyKind, SigningRequest};

use crate::cli::{
    CallArgs, ClaimsCommand, Cli, Connection, CtlAction, CtlCommand, KeysCommand, SignArgs,
    TopCommand,
};
use crate::{OutputFormat, WashError, render};

/// Carries out `cli`, writing results for the user to `out`.
pub fn run(cli: Cli, out: &mut impl Write) -> Result<(), WashError> {
    match cli.command {
        TopCommand::Keys(KeysCommand::Gen { kind, out: path }) => {
            generate_key(kind.into(), path, out)
        }
        TopCommand::Claims(ClaimsCommand::Sign(args)) => sign(*args, out),
        TopCommand::Claims(ClaimsCommand::Inspect { module, format }) => {
            let bytes = read(&module)?;
            let claims = wascap::extract(&bytes).map_err(|source| WashError::Module {
                path: module.clone(),
                source,
            })?;
            match format {
                OutputFormat::Text => {
                    // Verified, so the module is valid wasm and hashes.
                    let identity =
                        wascap::module_hash(&bytes).map_err(|source| WashError::Module {
                            path: module.clone(),
                            source,
                        })?;
                    out.write_all(render::claims_text(&claims, &identity, &bytes).as_bytes())?;
                }
                OutputFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&claims)?)?,
            }
            Ok(())
        }
        TopCommand::Ctl(ctl) => network(control(ctl, out)),
        TopCommand::Call(args) => {
            let data = call_data(&args)?;
            network(call(args, data, out))
        }
    }
}

/// Runs a command that talks to a host; only these pay for an async runtime.
fn network(command: impl Future<Output = Result<(), WashError>>) -> Result<(), WashError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(WashError::Runtime)?
        .block_on(command)
}

/// The request of `wash call`: `--data`, else `--data-file`, else standard input.
fn call_data(args: &CallArgs) -> Result<Vec<u8>, WashError> {
    if let Some(data) = &args.data {
        return Ok(data.clone().into_bytes());
    }
    match &args.data_file {
        Some(path) if path.as_os_str() != "-" => read(path),
        _ => {
            let mut data = Vec::new();
            std::io::stdin()
                .read_to_end(&mut data)
                .map_err(|source| WashError::Read {
                    path: PathBuf::from("standard input"),
                    source,
                })?;
            Ok(data)
        }
    }
}

async fn connect(connection: &Connection) -> Result<Client<TcpTransport>, WashError> {
    let timeout = Duration::from_secs(connection.timeout);
    let key = connection.seed.read(KeyKind::User)?;
    Ok(Client::connect(connection.host.as_str(), timeout, key).await?)
}

async fn call(args: CallArgs, data: Vec<u8>, out: &mut impl Write) -> Result<(), WashError> {
    let mut client = connect(&args.connection).await?;
    let reply = client.call_actor(args.actor_id.as_str(), data).await?;
    match args.format {
        OutputFormat::Text => out.write_all(&reply)?,
        OutputFormat::Json => {
            let json = serde_json::json!({
                "actor_id": args.actor_id,
                "data": data_encoding::BASE64.encode(&reply),
                "text": std::str::from_utf8(&reply).ok(),
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&json)?)?;
        }
    }
    Ok(())
}

fn generate_key(
    kind: KeyKind,
    path: Option<PathBuf>,
    out: &mut impl Write,
) -> Result<(), WashError> {
    let pair = kind.generate();
    let public_key = pair.public_key();
    let path = path.unwrap_or_else(|| PathBuf::from(format!("{public_key}.nk")));
    let seed = pair.seed().map_err(WashError::KeyGeneration)?;
    write_secret(&path, seed.as_bytes())?;
    writeln!(out, "{public_key}")?;
    eprintln!("{kind} seed written to {}; keep it secret", path.display());
    Ok(())
}

/// Writes a new file readable only by its owner; never replaces an existing one, so a seed is
/// not lost by a repeated command.
fn write_secret(path: &Path, contents: &[u8]) -> Result<(), WashError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .and_then(|mut file| file.write_all(contents))
        .map_err(|source| WashError::Write {
            path: path.to_owned(),
            source,
        })
}

fn sign(args: SignArgs, out: &mut impl Write) -> Result<(), WashError> {
    // The window is [not before, expires): an empty one makes claims that never verify.
    let not_before_in = args.not_before_in.unwrap_or(0);
    if let Some(expires_in) = args.expires_in.filter(|&exp| exp <= not_before_in) {
        return Err(WashError::EmptyValidity {
            expires_in,
            not_before_in,
        });
    }
    let issuer = args.issuer_seed.read(KeyKind::Account)?;
    let module = read(&args.module)?;
    let subject = args
        .subject
        .unwrap_or_else(|| KeyKind::Module.generate().public_key());
    let now = wascap::unix_now()?;
    let request = SigningRequest {
        subject: subject.clone(),
        name: args.name,
        version: args.version,
        capabilities: args.capabilities,
        tags: args.tags,
        revision: args.revision,
        not_before: from_now(now, "not-before-in", args.not_before_in)?,
        expires: from_now(now, "expires-in", args.expires_in)?,
    };
    let signed = wascap::embed(&module, &request, &issuer).map_err(|source| WashError::Module {
        path: args.module.clone(),
        source,
    })?;
    let output = args.output.unwrap_or_else(|| signed_path(&args.module));
    write_whole(&output, &signed).map_err(|source| WashError::Write {
        path: output.clone(),
        source,
    })?;
    writeln!(
        out,
        "signed {} as module {subject} by issuer {}",
        output.display(),
        issuer.public_key()
    )?;
    Ok(())
}

/// Writes `contents` to a new file beside `path` and renames it over `path`, so that `path` holds
/// either its old contents or all of the new ones, never a part.
fn write_whole(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let partial = path.with_file_name(format!(".{name}.{}.partial", std::process::id()));
    let written = std::fs::write(&partial, contents).and_then(|()| std::fs::rename(&partial, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written
}

/// `now + seconds`, or an error naming `flag` when the sum does not fit: wrapping around would
/// turn a far expiry into one in the past.
fn from_now(now: u64, flag: &'static str, seconds: Option<u64>) -> Result<Option<u64>, WashError> {
    seconds
        .map(|seconds| {
            now.checked_add(seconds)
                .ok_or(WashError::TimeOverflow { flag, seconds })
        })
        .transpose()
}

/// `dir/echo.wasm` becomes `dir/echo_s.wasm`.
fn signed_path(module: &Path) -> PathBuf {
    let stem = module.file_stem().unwrap_or_default().to_string_lossy();
    module.with_file_name(format!("{stem}_s.wasm"))
}

async fn control(ctl: CtlCommand, out: &mut impl Write) -> Result<(), WashError> {
    let mut client = connect(&ctl.connection).await?;
    match ctl.action {
        CtlAction::Ping => {
            let (version, actors) = client.ping().await?;
            writeln!(
                out,
                "host {} is up: version {version}, {actors} actor(s)",
                ctl.connection.host
            )?;
        }
        CtlAction::Start { module } => {
            let actor = client.start_actor(read(&module)?).await?;
            writeln!(
                out,
                "started actor {} ({})",
                actor.actor_id, actor.claims.name
            )?;
        }
        CtlAction::Stop { actor_id } => {
            client.stop_actor(actor_id.as_str()).await?;
            writeln!(out, "stopped actor {actor_id}")?;
        }
        CtlAction::Inventory { format } => {
            let actors = client.inventory().await?;
            match format {
                OutputFormat::Text => out.write_all(render::inventory_text(&actors).as_bytes())?,
                OutputFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&actors)?)?,
            }
        }
    }
    Ok(())
}

fn read(path: &Path) -> Result<Vec<u8>, WashError> {
    std::fs::read(path).map_err(|source| WashError::Read {
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times_that_overflow_are_errors_not_the_past() {
        assert_eq!(from_now(10, "expires-in", Some(5)).expect("fits"), Some(15));
        assert_eq!(from_now(10, "expires-in", None).expect("absent"), None);
        let err = from_now(10, "expires-in", Some(u64::MAX)).expect_err("overflows");
        assert!(err.to_string().contains("--expires-in"), "{err}");
    }

    #[test]
    fn signed_modules_land_beside_the_input() {
        assert_eq!(
            signed_path(Path::new("dir/echo.wasm")),
            PathBuf::from("dir/echo_s.wasm")
        );
    }

    #[test]
    fn secrets_are_owner_only_and_never_overwritten() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.nk");
        write_secret(&path, b"one").expect("written");
        assert!(matches!(
            write_secret(&path, b"two"),
            Err(WashError::Write { .. })
        ));
        assert_eq!(std::fs::read(&path).expect("read"), b"one");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("stat").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
