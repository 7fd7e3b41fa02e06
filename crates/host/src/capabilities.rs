//! Which WASI interfaces an actor may import, given the capabilities its claims grant, and the
//! linker that provides exactly those (ADR 0028).

use std::collections::BTreeSet;

use wasmtime::component::{HasData, Linker, ResourceTable};
use wasmtime_wasi::WasiView;
use wasmtime_wasi::cli::{WasiCli, WasiCliView};
use wasmtime_wasi::clocks::{WasiClocks, WasiClocksView};
use wasmtime_wasi::filesystem::{WasiFilesystem, WasiFilesystemView};
use wasmtime_wasi::p2::bindings::{cli, clocks, filesystem, io, random};
use wasmtime_wasi::random::{WasiRandom, WasiRandomCtx};

use crate::StartError;

/// The capability that lets an actor write to its standard output and error, which the host
/// passes to its own standard error.
pub const LOGGING: &str = "wasmcloud:builtin:logging";

/// The capability that lets an actor draw random numbers.
pub const NUMBERGEN: &str = "wasmcloud:builtin:numbergen";

/// Every WASI interface the host provides, with the capability it takes (`None`: every actor
/// may import it, as it reveals nothing of the host: an empty environment and standard input,
/// the clocks, and a filesystem with no directory opened).
const INTERFACES: &[(&str, Option<&str>)] = &[
    ("wasi:io/error", None),
    ("wasi:io/poll", None),
    ("wasi:io/streams", None),
    ("wasi:cli/environment", None),
    ("wasi:cli/exit", None),
    ("wasi:cli/stdin", None),
    ("wasi:cli/terminal-input", None),
    ("wasi:cli/terminal-output", None),
    ("wasi:cli/terminal-stdin", None),
    ("wasi:cli/terminal-stdout", None),
    ("wasi:cli/terminal-stderr", None),
    ("wasi:clocks/monotonic-clock", None),
    ("wasi:clocks/wall-clock", None),
    ("wasi:filesystem/types", None),
    ("wasi:filesystem/preopens", None),
    ("wasi:cli/stdout", Some(LOGGING)),
    ("wasi:cli/stderr", Some(LOGGING)),
    ("wasi:random/random", Some(NUMBERGEN)),
    ("wasi:random/insecure", Some(NUMBERGEN)),
    ("wasi:random/insecure-seed", Some(NUMBERGEN)),
];

/// The interfaces an actor imports, each checked against its grant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Grant {
    /// Interface names without their version, as in [`INTERFACES`].
    interfaces: BTreeSet<&'static str>,
}

impl Grant {
    /// Checks every import name (such as `wasi:random/random@0.2.3`) against `capabilities`;
    /// refuses the first import that no capability grants or that the host does not provide.
    pub(crate) fn check<'a>(
        imports: impl IntoIterator<Item = &'a str>,
        capabilities: &[String],
    ) -> Result<Grant, StartError> {
        let mut interfaces = BTreeSet::new();
        for import in imports {
            let unversioned = import.split_once('@').map_or(import, |(name, _)| name);
            let Some(&(name, needed)) = INTERFACES.iter().find(|(name, _)| *name == unversioned)
            else {
                return Err(StartError::UnprovidedImport {
                    import: import.to_owned(),
                });
            };
            if let Some(capability) = needed.filter(|cap| !capabilities.iter().any(|c| c == cap)) {
                return Err(StartError::MissingCapability {
                    import: import.to_owned(),
                    capability,
                });
            }
            interfaces.insert(name);
        }
        Ok(Grant { interfaces })
    }

    /// Whether the actor may write to standard output and error.
    pub(crate) fn logs(&self) -> bool {
        self.interfaces.contains("wasi:cli/stdout") || self.interfaces.contains("wasi:cli/stderr")
    }

    /// Adds the granted interfaces, and only those, to `linker`.
    pub(crate) fn link<T: WasiView>(&self, linker: &mut Linker<T>) -> wasmtime::Result<()> {
        for name in &self.interfaces {
            link_one(linker, name)?;
        }
        Ok(())
    }
}

/// The resource table the `wasi:io` interfaces work on.
struct WasiIo;

impl HasData for WasiIo {
    type Data<'a> = &'a mut ResourceTable;
}

/// Adds one interface of [`INTERFACES`] to `linker`, as `wasmtime_wasi::p2` would among all.
fn link_one<T: WasiView>(l: &mut Linker<T>, name: &str) -> wasmtime::Result<()> {
    match name {
        "wasi:io/error" => io::error::add_to_linker::<T, WasiIo>(l, |t| t.ctx().table),
        "wasi:io/poll" => io::poll::add_to_linker::<T, WasiIo>(l, |t| t.ctx().table),
        "wasi:io/streams" => io::streams::add_to_linker::<T, WasiIo>(l, |t| t.ctx().table),
        "wasi:cli/environment" => cli::environment::add_to_linker::<T, WasiCli>(l, T::cli),
        "wasi:cli/exit" => cli::exit::add_to_linker::<T, WasiCli>(l, T::cli),
        "wasi:cli/stdin" => cli::stdin::add_to_linker::<T, WasiCli>(l, T::cli),
        "wasi:cli/stdout" => cli::stdout::add_to_linker::<T, WasiCli>(l, T::cli),
        "wasi:cli/stderr" => cli::stderr::add_to_linker::<T, WasiCli>(l, T::cli),
        "wasi:cli/terminal-input" => cli::terminal_input::add_to_linker::<T, WasiCli>(l, T::cli),
        "wasi:cli/terminal-output" => cli::terminal_output::add_to_linker::<T, WasiCli>(l, T::cli),
        "wasi:cli/terminal-stdin" => cli::terminal_stdin::add_to_linker::<T, WasiCli>(l, T::cli),
        "wasi:cli/terminal-stdout" => cli::terminal_stdout::add_to_linker::<T, WasiCli>(l, T::cli),
        "wasi:cli/terminal-stderr" => cli::terminal_stderr::add_to_linker::<T, WasiCli>(l, T::cli),
        "wasi:clocks/monotonic-clock" => {
            clocks::monotonic_clock::add_to_linker::<T, WasiClocks>(l, T::clocks)
        }
        "wasi:clocks/wall-clock" => {
            clocks::wall_clock::add_to_linker::<T, WasiClocks>(l, T::clocks)
        }
        "wasi:filesystem/types" => {
            filesystem::types::add_to_linker::<T, WasiFilesystem>(l, T::filesystem)
        }
        "wasi:filesystem/preopens" => {
            filesystem::preopens::add_to_linker::<T, WasiFilesystem>(l, T::filesystem)
        }
        "wasi:random/random" => random::random::add_to_linker::<T, WasiRandom>(l, random_ctx),
        "wasi:random/insecure" => random::insecure::add_to_linker::<T, WasiRandom>(l, random_ctx),
        "wasi:random/insecure-seed" => {
            random::insecure_seed::add_to_linker::<T, WasiRandom>(l, random_ctx)
        }
        // `Grant::check` only admits names of `INTERFACES`, all of which are above.
        other => Err(wasmtime::format_err!("no linker for {other}")),
    }
}

fn random_ctx<T: WasiView>(t: &mut T) -> &mut WasiRandomCtx {
    t.ctx().ctx.random()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(list: &[&str]) -> Vec<String> {
        list.iter().map(|&c| c.to_owned()).collect()
    }

    #[test]
    fn baseline_interfaces_need_no_capability_and_versions_are_ignored() {
        let grant = Grant::check(
            [
                "wasi:io/streams@0.2.0",
                "wasi:clocks/wall-clock@0.2.6",
                "wasi:cli/exit",
            ],
            &[],
        )
        .expect("baseline");
        assert!(!grant.logs());
        assert_eq!(grant.interfaces.len(), 3);
    }

    #[test]
    fn gated_interfaces_name_the_missing_capability() {
        for (import, capability) in [
            ("wasi:random/random@0.2.0", NUMBERGEN),
            ("wasi:random/insecure-seed@0.2.0", NUMBERGEN),
            ("wasi:cli/stdout@0.2.0", LOGGING),
            ("wasi:cli/stderr@0.2.1", LOGGING),
        ] {
            let err = Grant::check([import], &caps(&["wasmcloud:httpserver"])).expect_err(import);
            let message = err.to_string();
            assert!(
                message.contains(import) && message.contains(capability),
                "{message}"
            );
            Grant::check([import], &caps(&[capability])).expect("granted");
        }
        assert!(
            Grant::check(["wasi:cli/stderr"], &caps(&[LOGGING]))
                .expect("granted")
                .logs()
        );
    }

    #[test]
    fn only_granted_interfaces_are_linked() {
        use wasmtime::component::Component;
        let engine = wasmtime::Engine::default();
        let random = Component::new(&engine, crate::test_actors::random()).expect("compiles");
        let link = |grant: Grant| {
            let mut linker = Linker::<crate::runtime::CallState>::new(&engine);
            grant.link(&mut linker).expect("links");
            linker.instantiate_pre(&random).map(drop)
        };
        let baseline = Grant::check(["wasi:io/streams@0.2.0", "wasi:clocks/wall-clock"], &[]);
        let err = link(baseline.expect("baseline")).expect_err("random is not linked");
        assert!(format!("{err:#}").contains("wasi:random/random"), "{err:#}");
        let granted = Grant::check(["wasi:random/random@0.2.0"], &caps(&[NUMBERGEN]));
        link(granted.expect("granted")).expect("random is linked");
    }

    #[test]
    fn interfaces_the_host_does_not_provide_are_refused_by_name() {
        for import in [
            "wasi:sockets/tcp@0.2.0",
            "wasi:http/outgoing-handler@0.2.0",
            "wasmcloud:keyvalue/store",
            "wasi:random/randomness",
            "env",
        ] {
            let err = Grant::check([import], &caps(&[LOGGING, NUMBERGEN, "wasi:sockets"]))
                .expect_err(import);
            assert!(err.to_string().contains(import), "{err}");
        }
    }
}
