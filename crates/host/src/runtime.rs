//! The actor runtime: a component is compiled and linked once, when its actor starts; each call
//! then gets a fresh instance, within a deadline, a memory budget and a bound on concurrent
//! calls (ADR 0027).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::time::{Instant, timeout_at};
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, ComponentExportIndex, InstancePre, Linker, Type};
use wasmtime::{Config, Engine, EngineWeak, ResourceLimiter, Store, Trap, UpdateDeadline};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{ResourceTable, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::actor_logs::ActorLogs;
use crate::capabilities::Grant;
use crate::{CallError, HostError, Limits, StartError};

/// The function every actor exports: `handle: func(request: list<u8>) -> list<u8>`.
pub const HANDLE: &str = "handle";

/// How often running actors are interrupted to check their deadline and let other tasks run.
const TICK: Duration = Duration::from_millis(10);

/// The most random bytes an actor may draw in one request: the host makes them in one go,
/// on a worker no epoch interrupts, in a buffer outside the actor's memory budget.
const MAX_RANDOM_LEN: u64 = 1024 * 1024;

/// The largest reply an actor may return: its base64 form must fit in one response frame.
pub const MAX_REPLY_LEN: usize = control_interface::codec::MAX_FRAME_LEN / 4 * 3 - 64 * 1024;

/// The version and layer of a component's header (a core module has version 1, layer 0).
const COMPONENT_LAYER: [u8; 4] = [0x0d, 0x00, 0x01, 0x00];

/// Compiles actors and runs their calls; cheap to clone.
#[derive(Clone)]
pub(crate) struct Runtime {
    engine: Engine,
    call_timeout: Duration,
    actor_memory: usize,
    calls: Arc<Semaphore>,
    logs: ActorLogs,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("call_timeout", &self.call_timeout)
            .field("actor_memory", &self.actor_memory)
            .finish_non_exhaustive()
    }
}

/// A started actor: its component compiled and linked against its granted interfaces.
pub(crate) struct Actor {
    pre: InstancePre<CallState>,
    handle: ComponentExportIndex,
    logs: bool,
}

impl std::fmt::Debug for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Actor")
            .field("logs", &self.logs)
            .finish_non_exhaustive()
    }
}

impl Runtime {
    /// An engine that interrupts guests every [`TICK`], under `limits`.
    pub(crate) fn new(limits: &Limits) -> Result<Self, HostError> {
        let mut config = Config::new();
        config.epoch_interruption(true);
        let engine = Engine::new(&config).map_err(|e| HostError::Runtime {
            reason: format!("{e:#}"),
        })?;
        spawn_ticker(engine.weak()).map_err(|e| HostError::Runtime {
            reason: format!("cannot start the epoch ticker: {e}"),
        })?;
        let logs = ActorLogs::start().map_err(|e| HostError::Runtime {
            reason: format!("cannot start the actor log writer: {e}"),
        })?;
        Ok(Runtime {
            engine,
            call_timeout: limits.call_timeout,
            actor_memory: limits.actor_memory,
            calls: Arc::new(Semaphore::new(limits.max_calls)),
            logs,
        })
    }

    /// Compiles `module`, checks its imports against `capabilities` and its `handle` export,
    /// and links it: CPU-bound, for a blocking thread.
    pub(crate) fn compile(
        &self,
        module: &[u8],
        capabilities: &[String],
    ) -> Result<Actor, StartError> {
        if module.get(4..8) != Some(&COMPONENT_LAYER[..]) {
            return Err(StartError::NotAComponent);
        }
        let invalid = |e: wasmtime::Error| StartError::Invalid {
            reason: format!("{e:#}"),
        };
        let component = Component::new(&self.engine, module).map_err(invalid)?;
        let ty = component.component_type();
        let grant = Grant::check(ty.imports(&self.engine).map(|(name, _)| name), capabilities)?;
        let exports_handle = ty.get_export(&self.engine, HANDLE).is_some_and(
            |export| matches!(export.ty, ComponentItem::ComponentFunc(f) if is_bytes_to_bytes(&f)),
        );
        let handle = component
            .get_export_index(None, HANDLE)
            .filter(|_| exports_handle)
            .ok_or(StartError::NoHandle)?;
        let mut linker = Linker::new(&self.engine);
        grant.link(&mut linker).map_err(invalid)?;
        let pre = linker.instantiate_pre(&component).map_err(invalid)?;
        Ok(Actor {
            pre,
            handle,
            logs: grant.logs(),
        })
    }

    /// Runs `request` through a fresh instance of `actor`; the wait for a free call slot, the
    /// instantiation and the call share one deadline.
    pub(crate) async fn call(&self, actor: &Actor, request: &[u8]) -> Result<Vec<u8>, CallError> {
        let deadline = Instant::now() + self.call_timeout;
        let timed_out = CallError::Timeout {
            after: self.call_timeout,
        };
        let Ok(Ok(_slot)) = timeout_at(deadline, self.calls.acquire()).await else {
            return Err(CallError::Busy {
                waited: self.call_timeout,
            });
        };
        let mut store = self.store(actor, deadline.into_std());
        // The epoch interrupts a guest that computes; the timeout stops one that waits on the
        // host (a sleep, a poll) where no epoch check runs.
        let outcome = timeout_at(deadline, run(&mut store, actor, request)).await;
        if let Some(log) = &store.data().log {
            self.logs.forward(log);
        }
        match outcome {
            Err(_) => Err(timed_out),
            Ok(Err(err)) if err.downcast_ref::<Trap>() == Some(&Trap::Interrupt) => Err(timed_out),
            Ok(Err(err)) => Err(CallError::Failed {
                reason: format!("{err:#}"),
            }),
            Ok(Ok(reply)) if reply.len() > MAX_REPLY_LEN => Err(CallError::ReplyTooLarge {
                len: reply.len(),
                max: MAX_REPLY_LEN,
            }),
            Ok(Ok(reply)) => Ok(reply),
        }
    }

    /// A store for one call: an empty WASI context (standard output and error go to a log
    /// buffer of the call's own when the actor may log), the memory budget, and an epoch
    /// callback that yields every tick and interrupts the guest at `deadline`.
    fn store(&self, actor: &Actor, deadline: std::time::Instant) -> Store<CallState> {
        let mut wasi = WasiCtxBuilder::new();
        wasi.max_random_size(MAX_RANDOM_LEN);
        let log = actor.logs.then(ActorLogs::buffer);
        if let Some(log) = &log {
            wasi.stdout(log.clone()).stderr(log.clone());
        }
        let state = CallState {
            wasi: wasi.build(),
            log,
            table: ResourceTable::new(),
            memory: MemoryBudget {
                limit: self.actor_memory,
                used: 0,
                table_elements: 0,
            },
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.memory);
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |_| {
            if std::time::Instant::now() >= deadline {
                Ok(UpdateDeadline::Interrupt)
            } else {
                // Tokio's yield lets the worker poll its timers and sockets before the guest
                // resumes; a plain yield would run it again at once.
                Ok(UpdateDeadline::YieldCustom(
                    1,
                    Box::pin(tokio::task::yield_now()),
                ))
            }
        });
        store
    }
}

/// Instantiates `actor` in `store` and calls its `handle` with `request`.
async fn run(
    store: &mut Store<CallState>,
    actor: &Actor,
    request: &[u8],
) -> wasmtime::Result<Vec<u8>> {
    let instance = actor.pre.instantiate_async(&mut *store).await?;
    let handle = instance.get_typed_func::<(&[u8],), (Vec<u8>,)>(&mut *store, &actor.handle)?;
    let (reply,) = handle.call_async(&mut *store, (request,)).await?;
    Ok(reply)
}

/// Whether `f` is `func(request: list<u8>) -> list<u8>`.
fn is_bytes_to_bytes(f: &wasmtime::component::types::ComponentFunc) -> bool {
    let bytes = |ty: Type| matches!(ty, Type::List(list) if list.ty() == Type::U8);
    let mut params = f.params();
    let mut results = f.results();
    params.len() == 1
        && results.len() == 1
        && params.next().is_some_and(|(_, ty)| bytes(ty))
        && results.next().is_some_and(bytes)
}

/// Advances the engine's epoch every [`TICK`] for as long as the engine lives.
fn spawn_ticker(engine: EngineWeak) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("epoch-ticker".into())
        .spawn(move || {
            while let Some(engine) = engine.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(TICK);
            }
        })
        .map(drop)
}

/// What one call's store holds.
pub(crate) struct CallState {
    wasi: WasiCtx,
    /// What the actor wrote to its standard output and error, when it may log.
    log: Option<MemoryOutputPipe>,
    table: ResourceTable,
    memory: MemoryBudget,
}

impl WasiView for CallState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// What all of one instance's memories and tables may hold together: a component may define
/// several of each, and a limit per memory or per table alone would multiply by their count.
struct MemoryBudget {
    limit: usize,
    used: usize,
    table_elements: usize,
}

/// The most function references all of one instance's tables may hold together.
const MAX_TABLE_ELEMENTS: usize = 100_000;

/// The most memories one instance may define: each reserves gigabytes of the host's address
/// space however little it holds, so their count is bounded, not only their bytes.
const MAX_MEMORIES: usize = 16;

/// The most tables, and core module instances, one instance may create.
const MAX_TABLES_AND_INSTANCES: usize = 1_000;

impl ResourceLimiter for MemoryBudget {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // A 64-bit memory may ask for nearly `usize::MAX` bytes: saturate, never wrap.
        let used = self.used.saturating_sub(current).saturating_add(desired);
        if used > self.limit {
            // An error, not a refusal: the call ends with a reason instead of a guest left to
            // handle a failed grow (or loop on it until its deadline).
            wasmtime::bail!(
                "actor needs {used} bytes of linear memory, over the limit of {} bytes",
                self.limit
            );
        }
        self.used = used;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let elements = self
            .table_elements
            .saturating_sub(current)
            .saturating_add(desired);
        if elements > MAX_TABLE_ELEMENTS {
            wasmtime::bail!(
                "actor needs {elements} table elements, over the limit of {MAX_TABLE_ELEMENTS}"
            );
        }
        self.table_elements = elements;
        Ok(true)
    }

    fn memories(&self) -> usize {
        MAX_MEMORIES
    }

    fn tables(&self) -> usize {
        MAX_TABLES_AND_INSTANCES
    }

    fn instances(&self) -> usize {
        MAX_TABLES_AND_INSTANCES
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capabilities::NUMBERGEN;
    use crate::test_actors;

    fn runtime(limits: Limits) -> Runtime {
        Runtime::new(&limits).expect("runtime")
    }

    async fn call(
        runtime: &Runtime,
        component: &[u8],
        request: &[u8],
    ) -> Result<Vec<u8>, CallError> {
        let actor = runtime
            .compile(component, &[NUMBERGEN.to_owned()])
            .expect("compiles");
        runtime.call(&actor, request).await
    }

    #[tokio::test]
    async fn an_actor_computes_its_reply_in_a_fresh_instance_each_call() {
        let runtime = runtime(Limits::default());
        let actor = runtime
            .compile(&test_actors::reverse(), &[])
            .expect("compiles");
        assert_eq!(
            runtime.call(&actor, b"hello").await.expect("replies"),
            b"olleh"
        );
        assert_eq!(runtime.call(&actor, b"").await.expect("replies"), b"");
        let large: Vec<u8> = (0..=255).cycle().take(300_000).collect();
        let mut reversed = large.clone();
        reversed.reverse();
        assert_eq!(
            runtime.call(&actor, &large).await.expect("replies"),
            reversed
        );
    }

    #[tokio::test]
    async fn granted_interfaces_are_linked_and_work() {
        let runtime = runtime(Limits::default());
        let first = call(&runtime, &test_actors::random(), b"")
            .await
            .expect("replies");
        let second = call(&runtime, &test_actors::random(), b"")
            .await
            .expect("replies");
        assert_eq!(first.len(), 8);
        assert_ne!(first, second, "random bytes from the host");
    }

    #[tokio::test]
    async fn traps_loops_waits_and_memory_hunger_end_the_call_with_a_reason() {
        let limits = Limits {
            call_timeout: Duration::from_millis(300),
            actor_memory: 4 * 1024 * 1024,
            ..Limits::default()
        };
        let runtime = runtime(limits);
        let trap = call(&runtime, &test_actors::trapping(), b"x")
            .await
            .expect_err("traps");
        assert!(trap.to_string().contains("unreachable"), "{trap}");
        let started = std::time::Instant::now();
        let looped = call(&runtime, &test_actors::looping(), b"x")
            .await
            .expect_err("loops");
        assert!(matches!(looped, CallError::Timeout { .. }), "{looped}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        let sleeping = call(&runtime, &test_actors::sleeping(), b"x").await;
        let sleeping = sleeping.expect_err("waits on the host");
        assert!(matches!(sleeping, CallError::Timeout { .. }), "{sleeping}");
        let hungry = call(&runtime, &test_actors::memory_hungry(), b"x")
            .await
            .expect_err("grows");
        assert!(
            hungry
                .to_string()
                .contains("over the limit of 4194304 bytes"),
            "{hungry}"
        );
        // A request larger than the memory budget fails in the actor's allocator, not the host.
        let big = vec![0; 5 * 1024 * 1024];
        let refused = call(&runtime, &test_actors::reverse(), &big)
            .await
            .expect_err("too big");
        assert!(refused.to_string().contains("over the limit"), "{refused}");
    }

    #[tokio::test]
    async fn hostile_shapes_end_the_call_with_a_reason() {
        let limits = Limits {
            call_timeout: Duration::from_millis(300),
            actor_memory: 4 * 1024 * 1024,
            ..Limits::default()
        };
        let runtime = runtime(limits);
        let overflow = call(&runtime, &test_actors::recursing(), b"x").await;
        let overflow = overflow.expect_err("recurses");
        assert!(
            overflow.to_string().contains("call stack exhausted"),
            "{overflow}"
        );
        let started = call(&runtime, &test_actors::looping_at_start(), b"x").await;
        let started = started.expect_err("loops while instantiating");
        assert!(matches!(started, CallError::Timeout { .. }), "{started}");
        let lie = call(&runtime, &test_actors::lying_about_its_reply(), b"x").await;
        let lie = lie.expect_err("reply out of bounds");
        assert!(lie.to_string().contains("out of bounds"), "{lie}");
    }

    #[tokio::test]
    async fn refused_growth_of_a_wide_memory_does_not_wrap_the_budget() {
        let limits = Limits {
            actor_memory: 4 * 1024 * 1024,
            ..Limits::default()
        };
        let runtime = runtime(limits);
        let err = call(&runtime, &test_actors::overflowing_growth(), b"x").await;
        let err = err.expect_err("over the budget");
        assert!(
            err.to_string().contains("over the limit of 4194304 bytes"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn an_instance_holds_a_bounded_number_of_memories_and_table_elements() {
        let runtime = runtime(Limits::default());
        let memories = call(&runtime, &test_actors::many_memories(MAX_MEMORIES), b"x").await;
        let memories = memories.expect_err("too many memories");
        assert!(
            memories.to_string().contains("memory count too high"),
            "{memories}"
        );
        let fewer = call(
            &runtime,
            &test_actors::many_memories(MAX_MEMORIES - 1),
            b"x",
        )
        .await;
        let fewer = fewer.expect_err("runs into its unreachable");
        assert!(fewer.to_string().contains("unreachable"), "{fewer}");
        // Each table is under the limit; together they are not.
        let tables = test_actors::many_tables(20, MAX_TABLE_ELEMENTS / 10);
        let tables = call(&runtime, &tables, b"x")
            .await
            .expect_err("too many elements");
        assert!(
            tables
                .to_string()
                .contains("table elements, over the limit"),
            "{tables}"
        );
    }

    #[tokio::test]
    async fn random_bytes_come_at_most_a_mebibyte_a_request() {
        // Drawing them is a host call no epoch check interrupts, and its buffer is the host's.
        let runtime = runtime(Limits::default());
        let most = call(&runtime, &test_actors::random_bytes(MAX_RANDOM_LEN), b"").await;
        assert_eq!(most.expect("replies").len(), 1024 * 1024);
        let more = test_actors::random_bytes(MAX_RANDOM_LEN + 1);
        let err = call(&runtime, &more, b"").await.expect_err("too many");
        assert!(err.to_string().contains("exceeds limit 1048576"), "{err}");
    }

    #[tokio::test]
    async fn core_modules_and_components_without_handle_are_refused() {
        let runtime = runtime(Limits::default());
        let core = wascap::test_support::answer_module();
        assert!(matches!(
            runtime.compile(&core, &[]),
            Err(StartError::NotAComponent)
        ));
        assert!(matches!(
            runtime.compile(&test_actors::without_handle(), &[]),
            Err(StartError::NoHandle)
        ));
        let Err(err) = runtime.compile(&test_actors::random(), &[]) else {
            panic!("random needs numbergen");
        };
        assert!(err.to_string().contains(NUMBERGEN), "{err}");
    }
}
