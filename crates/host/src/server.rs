//! The control-plane server: accepts TCP connections, up to a limit, and answers each signed
//! request frame in turn under the host's [`Limits`].

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use control_interface::{Command, Reply, Response, SignedRequest};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::frames::{FrameReader, Incoming, ReadFailure, discard};
use crate::handler::start_reply;
use crate::limits::SMALL_FRAME_LEN;
use crate::reason::reason;
use crate::{Actors, Controllers, HostError, Limits, TrustedIssuers, handle};

/// How long connections get to finish the request in hand once shutdown starts.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The first pause after a failed `accept`; it doubles while failures last.
const FIRST_ACCEPT_BACKOFF: Duration = Duration::from_millis(10);

/// The longest pause between `accept` attempts while they fail.
const MAX_ACCEPT_BACKOFF: Duration = Duration::from_secs(1);

/// Who a host trusts and what it will put up with.
#[derive(Debug)]
pub struct HostConfig {
    /// Accounts whose signed modules may run.
    pub issuers: TrustedIssuers,
    /// User keys whose signed requests are carried out.
    pub controllers: Controllers,
    /// Bounds on connections, memory, time, verification and actor calls.
    pub limits: Limits,
}

/// A bound control-plane server, ready to [`serve`](Host::serve).
#[derive(Debug)]
pub struct Host {
    listener: TcpListener,
    local_addr: SocketAddr,
    shared: Arc<Shared>,
}

/// What every connection of a host shares.
#[derive(Debug)]
struct Shared {
    actors: Actors,
    controllers: Controllers,
    frames: FrameReader,
    connections: Arc<Semaphore>,
    verifiers: Arc<Semaphore>,
}

impl Host {
    /// Listens on `addr` (port 0 picks a free port) for clients, under `config`.
    pub async fn bind(
        addr: impl ToSocketAddrs + std::fmt::Display,
        config: HostConfig,
    ) -> Result<Self, HostError> {
        config.limits.check()?;
        let bind_error = |source| HostError::Bind {
            addr: addr.to_string(),
            source,
        };
        let listener = TcpListener::bind(&addr).await.map_err(bind_error)?;
        let local_addr = listener.local_addr().map_err(bind_error)?;
        let limits = config.limits;
        // A frame may take the frame timeout to arrive and as long again to wait for a
        // verifier; nonces must be remembered for that long past the window.
        let controllers = config
            .controllers
            .with_max_wait(limits.frame_timeout.saturating_mul(2));
        let actors = Actors::new(config.issuers, &limits)?;
        Ok(Host {
            listener,
            local_addr,
            shared: Arc::new(Shared {
                actors,
                controllers,
                connections: Arc::new(Semaphore::new(limits.max_connections)),
                verifiers: Arc::new(Semaphore::new(limits.verify_concurrency)),
                frames: FrameReader::new(limits),
            }),
        })
    }

    /// The address the host listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Serves clients until `shutdown` completes, then stops accepting, lets open connections
    /// finish the request in hand (for at most [`SHUTDOWN_GRACE`]) and returns.
    pub async fn serve(self, shutdown: impl Future<Output = ()>) {
        let (stop_tx, stop_rx) = watch::channel(false);
        let mut connections = JoinSet::new();
        let mut failed_accepts = 0u32;
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, _)) => {
                        failed_accepts = 0;
                        match Arc::clone(&self.shared.connections).try_acquire_owned() {
                            Ok(slot) => {
                                let connection = Connection {
                                    shared: Arc::clone(&self.shared),
                                    stop: stop_rx.clone(),
                                    _slot: slot,
                                };
                                connections.spawn(connection.run(stream));
                            }
                            Err(_) => refuse_connection(&stream, self.limits().max_connections),
                        }
                    }
                    Err(err) => {
                        // Out of file descriptors (or memory) the listener stays readable, so
                        // retrying at once would spin; pause, doubling while the failures last.
                        failed_accepts = failed_accepts.saturating_add(1);
                        let pause = accept_backoff(failed_accepts);
                        eprintln!("warning: cannot accept a connection ({err}); retrying in {pause:?}");
                        tokio::select! {
                            () = &mut shutdown => break,
                            () = tokio::time::sleep(pause) => {}
                        }
                    }
                },
                // Reap finished connections so the set does not grow for the host's lifetime.
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
        drop(self.listener);
        // Receivers are held by the connection tasks; if none is left, nobody needs telling.
        let _ = stop_tx.send(true);
        let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
            while connections.join_next().await.is_some() {}
        });
        if drained.await.is_err() {
            connections.shutdown().await;
        }
    }

    fn limits(&self) -> &Limits {
        self.shared.frames.limits()
    }
}

/// The pause before `accept` attempt number `failures + 1`.
fn accept_backoff(failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(16);
    (FIRST_ACCEPT_BACKOFF * 2u32.pow(doublings)).min(MAX_ACCEPT_BACKOFF)
}

/// Tells a client over the connection limit why it is turned away, without waiting on it: the
/// short refusal fits in the empty send buffer of a fresh socket.
fn refuse_connection(stream: &TcpStream, max_connections: usize) {
    let refusal = refuse(
        0,
        format!("host is at its limit of {max_connections} connections; try again later"),
    );
    if let Some(frame) = encode(&refusal) {
        let _ = stream.try_write(&frame);
    }
    // Read what the client already sent, so closing sends a clean FIN rather than a reset
    // that could discard the refusal before the client reads it.
    let mut sink = [0; 4096];
    for _ in 0..16 {
        if !matches!(stream.try_read(&mut sink), Ok(n) if n > 0) {
            break;
        }
    }
}

/// One client connection; `_slot` is its place under the connection limit.
struct Connection {
    shared: Arc<Shared>,
    stop: watch::Receiver<bool>,
    _slot: OwnedSemaphorePermit,
}

impl Connection {
    async fn run(mut self, mut stream: TcpStream) {
        let limits = self.shared.frames.limits().clone();
        loop {
            let incoming = tokio::select! {
                incoming = self.shared.frames.next_frame(&mut stream) => incoming,
                _ = self.stop.wait_for(|&stop| stop) => return,
            };
            let response = match incoming {
                Ok(Incoming::Frame {
                    payload,
                    memory,
                    arrived,
                }) => {
                    let response = self.shared.respond(payload, arrived).await;
                    drop(memory);
                    response
                }
                Ok(Incoming::Oversized { len, deadline }) => {
                    let refusal = refuse(
                        0,
                        format!(
                            "request frame of {len} bytes exceeds the limit of {} bytes",
                            limits.max_frame_len
                        ),
                    );
                    if !send(&mut stream, &refusal, limits.frame_timeout).await
                        || discard(&mut stream, len, deadline).await.is_err()
                    {
                        return;
                    }
                    continue;
                }
                Err(failure) => {
                    if let Some(reason) = closing_reason(&failure, &limits) {
                        send(&mut stream, &refuse(0, reason), limits.frame_timeout).await;
                    }
                    return;
                }
            };
            if !send(&mut stream, &response, limits.frame_timeout).await {
                return;
            }
        }
    }
}

/// What to tell a client whose connection is being closed, if it can still hear it.
fn closing_reason(failure: &ReadFailure, limits: &Limits) -> Option<String> {
    match failure {
        ReadFailure::Closed => None,
        ReadFailure::Idle => Some(format!(
            "closing the connection after {} s without a request",
            limits.idle_timeout.as_secs_f64()
        )),
        ReadFailure::TooSlow => Some(format!(
            "request frame did not arrive within {} s; closing the connection",
            limits.frame_timeout.as_secs_f64()
        )),
        ReadFailure::OutOfMemory => Some(format!(
            "host has no request memory free (limit {} bytes) for {} s; try again later",
            limits.request_memory,
            limits.frame_timeout.as_secs_f64()
        )),
    }
}

impl Shared {
    /// Answers one request frame. Small frames are read and admitted on the async worker;
    /// large ones (module uploads) on the blocking pool, a bounded number at a time, so
    /// parsing and checking megabytes never stalls other connections. Starts (compiling) go to
    /// the blocking pool too; calls run on the async workers, which their actors yield every
    /// epoch tick.
    async fn respond(self: &Arc<Self>, payload: Vec<u8>, arrived: Instant) -> Response {
        let admitted = if payload.len() <= SMALL_FRAME_LEN {
            self.admit(&payload, arrived)
        } else {
            self.blocking(move |shared| shared.admit(&payload, arrived))
                .await
                .and_then(|admitted| admitted)
        };
        let (id, command) = match admitted {
            Ok(admitted) => admitted,
            Err(refusal) => return refuse(refusal.id, refusal.reason),
        };
        let reply = match command {
            Command::StartActor { module } => self
                .blocking(move |shared| start_reply(&shared.actors, &module))
                .await
                .unwrap_or_else(|refusal| Reply::Error {
                    reason: refusal.reason,
                }),
            command => handle(command, &self.actors).await,
        };
        Response::new(id, reply)
    }

    /// Runs `work` on the blocking pool under a verifier permit.
    async fn blocking<R: Send + 'static>(
        self: &Arc<Self>,
        work: impl FnOnce(&Shared) -> R + Send + 'static,
    ) -> Result<R, Refusal> {
        let Ok(permit) = Arc::clone(&self.verifiers).acquire_owned().await else {
            return Err(Refusal::new(0, "host is shutting down"));
        };
        let shared = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work(&shared)
        })
        .await
        .map_err(|_| Refusal::new(0, "host failed while answering the request"))
    }

    /// Reads and admits one request whose first byte came at `arrived`.
    fn admit(&self, payload: &[u8], arrived: Instant) -> Result<(u64, Command), Refusal> {
        let request = SignedRequest::parse(payload).map_err(|(id, err)| Refusal::new(id, err))?;
        let id = request.id;
        wascap::unix_now()
            .map_err(|err| Refusal::new(id, err))
            .and_then(|now| {
                self.controllers
                    .admit(&request, now, arrived.elapsed())
                    .map_err(|err| Refusal::new(id, err))
            })?;
        request
            .command()
            .map(|command| (id, command))
            .map_err(|err| Refusal::new(id, err))
    }
}

/// A request refused before its command ran: the id to answer, and why (already cut short).
struct Refusal {
    id: u64,
    reason: String,
}

impl Refusal {
    fn new(id: u64, why: impl std::fmt::Display) -> Self {
        Refusal {
            id,
            reason: reason(why),
        }
    }
}

/// An error reply; the reason is cut short, as it may quote the request.
fn refuse(id: u64, why: impl std::fmt::Display) -> Response {
    Response::new(
        id,
        Reply::Error {
            reason: reason(why),
        },
    )
}

/// A response as a frame: its length, then its JSON.
fn encode(response: &Response) -> Option<Vec<u8>> {
    let payload = response.to_bytes().ok()?;
    let len = u32::try_from(payload.len()).ok()?;
    let mut frame = Vec::with_capacity(4 + payload.len());
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(&payload);
    Some(frame)
}

/// Writes `response` within `limit`; false when the connection is no longer usable.
async fn send(stream: &mut TcpStream, response: &Response, limit: Duration) -> bool {
    let Some(frame) = encode(response) else {
        return false;
    };
    matches!(
        tokio::time::timeout(limit, stream.write_all(&frame)).await,
        Ok(Ok(()))
    )
}

#[cfg(test)]
mod tests {
    use control_interface::codec::{Frame, FrameCodec, MAX_FRAME_LEN};
    use control_interface::{Client, Command, Error, Request};
    use futures_util::{SinkExt, StreamExt};
    use tokio::sync::oneshot;
    use tokio::task::JoinHandle;
    use tokio_util::bytes::Bytes;
    use tokio_util::codec::Framed;
    use wascap::{KeyKind, KeyPair, SigningRequest};

    use super::*;
    use crate::REQUEST_WINDOW;
    use crate::test_actors;
    use wascap::test_support::tamper;

    const TIMEOUT: Duration = Duration::from_secs(5);

    struct Running {
        addr: SocketAddr,
        controller: KeyPair,
        stop: oneshot::Sender<()>,
        task: JoinHandle<()>,
    }

    async fn start_host(issuer: &KeyPair) -> Running {
        start_host_with(issuer, Limits::default()).await
    }

    async fn start_host_with(issuer: &KeyPair, limits: Limits) -> Running {
        let controller = KeyKind::User.generate();
        let config = HostConfig {
            issuers: TrustedIssuers::new([issuer.public_key()]).expect("valid key"),
            controllers: Controllers::new([controller.public_key()]).expect("valid key"),
            limits,
        };
        let host = Host::bind("127.0.0.1:0", config).await.expect("binds");
        let addr = host.local_addr();
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(host.serve(async {
            let _ = stopped.await;
        }));
        Running {
            addr,
            controller,
            stop,
            task,
        }
    }

    impl Running {
        async fn client(&self) -> Client<control_interface::TcpTransport> {
            Client::connect(self.addr, TIMEOUT, self.controller.clone())
                .await
                .expect("connects")
        }

        async fn raw(&self) -> Raw {
            let stream = TcpStream::connect(self.addr).await.expect("connects");
            // A codec that allows sending one byte more than the host accepts.
            Raw(Framed::new(stream, FrameCodec::new(MAX_FRAME_LEN + 1)))
        }

        async fn shut_down(self) {
            let _ = self.stop.send(());
            tokio::time::timeout(TIMEOUT, self.task)
                .await
                .expect("host stops within the timeout")
                .expect("host task did not panic");
        }
    }

    /// A connection that sends frames as given and reads responses.
    struct Raw(Framed<TcpStream, FrameCodec>);

    impl Raw {
        async fn send(&mut self, payload: Bytes) {
            self.0.send(payload).await.expect("sent");
        }

        /// The next response, or None when the host closed the connection.
        async fn receive(&mut self) -> Option<Response> {
            match tokio::time::timeout(TIMEOUT, self.0.next()).await {
                Ok(Some(Ok(Frame::Data(bytes)))) => {
                    Some(Response::from_bytes(&bytes).expect("well-formed response"))
                }
                Ok(None | Some(Err(_))) => None,
                other => panic!("host must answer or close, got {other:?}"),
            }
        }

        async fn exchange(&mut self, payload: Bytes) -> Response {
            self.send(payload).await;
            self.receive().await.expect("a response")
        }
    }

    fn reason(response: &Response) -> &str {
        match &response.reply {
            Reply::Error { reason } => reason,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    fn signed(issuer: &KeyPair) -> (String, Vec<u8>) {
        let subject = KeyKind::Module.generate().public_key();
        let request = SigningRequest::new(subject.clone(), "answer");
        let module = wascap::embed(&test_actors::reverse(), &request, issuer).expect("signs");
        (subject, module)
    }

    fn now() -> u64 {
        wascap::unix_now().expect("clock")
    }

    fn signed_request(key: &KeyPair, id: u64, command: Command, at: u64) -> Bytes {
        Request::new(id, command).sign(key, at).expect("signs")
    }

    #[tokio::test]
    async fn client_starts_lists_and_stops_actors_over_tcp() {
        let issuer = KeyKind::Account.generate();
        let host = start_host(&issuer).await;
        let mut client = host.client().await;
        assert_eq!(client.ping().await.expect("pong").1, 0);
        let (subject, module) = signed(&issuer);
        let actor = client
            .start_actor(module.clone())
            .await
            .expect("trusted module starts");
        assert_eq!(actor.actor_id, subject);
        let Err(Error::Refused { reason }) = client.start_actor(tamper(&module)).await else {
            panic!("tampered module must be refused");
        };
        assert!(reason.contains("does not match"), "{reason}");
        let inventory = client.inventory().await.expect("inventory");
        assert_eq!(inventory, [actor]);
        let reply = client.call_actor(&subject, b"stressed".to_vec()).await;
        assert_eq!(reply.expect("replies"), b"desserts");
        client.stop_actor(&subject).await.expect("stops");
        assert!(client.inventory().await.expect("inventory").is_empty());
        host.shut_down().await;
    }

    /// Starts `component`, signed by `issuer`, on `host`; returns its actor id.
    async fn start_actor(host: &Running, issuer: &KeyPair, component: &[u8]) -> String {
        let subject = KeyKind::Module.generate().public_key();
        let request = SigningRequest::new(subject.clone(), "actor");
        let module = wascap::embed(component, &request, issuer).expect("signs");
        let mut client = host.client().await;
        client.start_actor(module).await.expect("starts");
        subject
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn a_looping_actor_leaves_the_one_worker_free_for_pings_and_calls_are_bounded() {
        let issuer = KeyKind::Account.generate();
        let limits = Limits {
            call_timeout: Duration::from_secs(2),
            max_calls: 1,
            ..Limits::default()
        };
        let host = start_host_with(&issuer, limits).await;
        let looping = start_actor(&host, &issuer, &test_actors::looping()).await;
        let reverse = start_actor(&host, &issuer, &test_actors::reverse()).await;
        let mut caller = host.client().await;
        let call = tokio::spawn(async move { caller.call_actor(looping, vec![1]).await });
        // Let the call take the only slot, then ping on the same worker while it runs; the
        // call queued later must still have time left when the slot frees.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let mut pinger = host.client().await;
        for _ in 0..5 {
            pinger
                .ping()
                .await
                .expect("pings are answered while the actor loops");
        }
        let mut queued = host.client().await;
        let waiting = tokio::spawn(async move { queued.call_actor(reverse, b"ab".to_vec()).await });
        pinger
            .ping()
            .await
            .expect("pings are answered while a call waits for a slot");
        assert!(!call.is_finished(), "the looping call still runs");
        assert!(
            !waiting.is_finished(),
            "the second call waits for the only slot"
        );
        let Err(Error::Refused { reason }) = call.await.expect("call task") else {
            panic!("a looping actor gets an error reply");
        };
        assert!(reason.contains("call timeout"), "{reason}");
        let reply = waiting.await.expect("call task");
        assert_eq!(reply.expect("the slot freed in time"), b"ba");
        host.shut_down().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn more_looping_calls_than_slots_all_end_while_pings_go_on() {
        let issuer = KeyKind::Account.generate();
        let limits = Limits {
            call_timeout: Duration::from_millis(1500),
            max_calls: 2,
            ..Limits::default()
        };
        let host = start_host_with(&issuer, limits).await;
        let looping = start_actor(&host, &issuer, &test_actors::looping()).await;
        let mut calls = JoinSet::new();
        for _ in 0..6 {
            let mut client = host.client().await;
            let looping = looping.clone();
            calls.spawn(async move { client.call_actor(looping, vec![1]).await });
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mut pinger = host.client().await;
        for _ in 0..5 {
            pinger
                .ping()
                .await
                .expect("pings are answered while every slot loops");
        }
        // A call that waited for a slot gets the one freed as its own deadline comes, and then
        // times out too; which of the two reasons each gets depends on milliseconds.
        while let Some(call) = calls.join_next().await {
            let Err(Error::Refused { reason }) = call.expect("call task") else {
                panic!("a looping call gets an error reply");
            };
            assert!(
                reason.contains("call timeout") || reason.contains("limit of concurrent calls"),
                "{reason}"
            );
        }
        pinger.ping().await.expect("the host goes on");
        host.shut_down().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn large_uploads_are_answered_from_the_blocking_pool_while_pings_go_on() {
        let issuer = KeyKind::Account.generate();
        let limits = Limits {
            verify_concurrency: 1,
            ..Limits::default()
        };
        let host = start_host_with(&issuer, limits).await;
        let large = test_actors::padded(SMALL_FRAME_LEN * 4);
        let subject = KeyKind::Module.generate().public_key();
        let trusted = wascap::embed(
            &large,
            &SigningRequest::new(subject.clone(), "big"),
            &issuer,
        )
        .expect("signs");
        let stranger = wascap::embed(
            &large,
            &SigningRequest::new(subject.clone(), "big"),
            &KeyKind::Account.generate(),
        )
        .expect("signs");
        let mut uploads = JoinSet::new();
        for (module, expected) in [
            (trusted, "started"),
            (stranger, "is not trusted"),
            (large, "no claims"),
        ] {
            let mut client = host.client().await;
            uploads.spawn(async move {
                let outcome = match client.start_actor(module).await {
                    Ok(actor) => format!("started {}", actor.actor_id),
                    Err(err) => err.to_string(),
                };
                (outcome, expected)
            });
        }
        let mut pinger = host.client().await;
        pinger.ping().await.expect("pings are answered meanwhile");
        while let Some(done) = uploads.join_next().await {
            let (outcome, expected) = done.expect("upload task");
            assert!(
                outcome.contains(expected),
                "{outcome} should say {expected}"
            );
        }
        assert_eq!(
            pinger.inventory().await.expect("inventory")[0].actor_id,
            subject
        );
        host.shut_down().await;
    }

    #[tokio::test]
    async fn malformed_and_oversized_frames_are_refused_and_the_connection_survives() {
        let host = start_host(&KeyKind::Account.generate()).await;
        let mut raw = host.raw().await;
        let garbage = raw.exchange(Bytes::from_static(b"{\"version\":2,")).await;
        assert!(reason(&garbage).contains("malformed"));
        let oversized = raw
            .exchange(Bytes::from(vec![b' '; MAX_FRAME_LEN + 1]))
            .await;
        assert!(reason(&oversized).contains("exceeds"));
        let old = raw
            .exchange(Bytes::from_static(
                br#"{"version":1,"id":3,"command":{"type":"ping"}}"#,
            ))
            .await;
        assert_eq!(old.id, 3);
        assert!(reason(&old).contains("protocol version 1"), "{old:?}");
        let ping = signed_request(&host.controller, 7, Command::Ping, now());
        let pong = raw.exchange(ping).await;
        assert_eq!(pong.id, 7);
        assert!(matches!(pong.reply, Reply::Pong { .. }));
        host.shut_down().await;
    }

    #[tokio::test]
    async fn unsigned_untrusted_stale_and_replayed_requests_are_refused() {
        let issuer = KeyKind::Account.generate();
        let host = start_host(&issuer).await;
        let mut client = host.client().await;
        let (subject, module) = signed(&issuer);
        client.start_actor(module).await.expect("starts");
        let stop = || Command::StopActor {
            actor_id: subject.clone(),
        };

        let mut raw = host.raw().await;
        let unsigned = serde_json::to_vec(&Request::new(1, stop())).expect("serializes");
        let refused = raw.exchange(unsigned.into()).await;
        assert_eq!(refused.id, 1);
        assert!(reason(&refused).contains("not signed"), "{refused:?}");

        let stranger = KeyKind::User.generate();
        let refused = raw
            .exchange(signed_request(&stranger, 2, stop(), now()))
            .await;
        assert!(reason(&refused).contains("is not trusted"), "{refused:?}");

        let old = now() - REQUEST_WINDOW - 5;
        let refused = raw
            .exchange(signed_request(&host.controller, 3, stop(), old))
            .await;
        assert!(reason(&refused).contains("outside"), "{refused:?}");

        // A forged signature: a trusted key named, a stranger's signature.
        let forged = signed_request(&stranger, 4, Command::GetInventory, now());
        let forged = String::from_utf8(forged.to_vec())
            .expect("utf-8")
            .replace(&stranger.public_key(), &host.controller.public_key());
        let refused = raw.exchange(forged.into()).await;
        assert!(reason(&refused).contains("does not verify"), "{refused:?}");

        assert_eq!(client.inventory().await.expect("inventory").len(), 1);

        // A genuine request works once; the same bytes again, on any connection, do not.
        let genuine = signed_request(&host.controller, 5, Command::GetInventory, now());
        let first = raw.exchange(genuine.clone()).await;
        assert!(matches!(first.reply, Reply::Inventory { ref actors } if actors.len() == 1));
        let mut other = host.raw().await;
        let replayed = other.exchange(genuine).await;
        assert!(reason(&replayed).contains("replay"), "{replayed:?}");
        host.shut_down().await;
    }

    /// A refusal may quote what it refuses, but never at length: a reply that grew with the
    /// request would be held, outside the request memory, by a client that does not read it.
    #[tokio::test]
    async fn refusals_stay_short_whatever_the_request_holds() {
        let host = start_host(&KeyKind::Account.generate()).await;
        let mut raw = host.raw().await;
        // Characters that a quoted string in an error message spells out at length.
        let long = "\u{7f}".repeat(SMALL_FRAME_LEN - 100);
        let stranger = signed_request(&KeyKind::User.generate(), 1, Command::Ping, now());
        let stop_long = signed_request(
            &host.controller,
            3,
            Command::StopActor {
                actor_id: long.repeat(4),
            },
            now(),
        );
        let frames = [
            // Unreadable: the parser would quote the offending string.
            format!(r#"{{"version":2,"id":"{long}"}}"#),
            // Untrusted: the refusal would name the key, as long as it is, in a large frame.
            String::from_utf8(stranger.to_vec())
                .expect("utf-8")
                .replacen(r#""key":""#, &format!(r#""key":"{}"#, long.repeat(4)), 1),
            // Even a trusted client's request is quoted only in part.
            String::from_utf8(stop_long.to_vec()).expect("utf-8"),
        ];
        let mut reasons = Vec::new();
        for frame in frames {
            let sent = frame.len();
            raw.send(frame.into()).await;
            let response = raw.receive().await.expect("a refusal");
            let reason = reason(&response).to_owned();
            assert!(
                reason.len() <= 1024,
                "a {sent}-byte request got a {}-byte reason",
                reason.len()
            );
            reasons.push(reason);
        }
        let cut = reasons.last().expect("three reasons");
        assert!(cut.starts_with("actor ") && cut.ends_with('…'), "{cut}");
        let pong = raw
            .exchange(signed_request(&host.controller, 2, Command::Ping, now()))
            .await;
        assert!(matches!(pong.reply, Reply::Pong { .. }), "{pong:?}");
        host.shut_down().await;
    }

    /// Freshness is judged when a request starts to arrive, not once it is whole: an upload on
    /// a slow link, or one that waited for request memory, was fresh when it was sent.
    #[tokio::test]
    async fn a_request_fresh_when_it_starts_to_arrive_is_not_stale_when_it_ends() {
        let issuer = KeyKind::Account.generate();
        let limits = Limits {
            frame_timeout: Duration::from_secs(20),
            ..Limits::default()
        };
        let host = start_host_with(&issuer, limits).await;
        // Signed by a client whose clock lags the host's by nearly the whole window.
        let lagging = now() - (REQUEST_WINDOW - 1);
        let (subject, module) = signed(&issuer);
        let upload = signed_request(&host.controller, 1, Command::StartActor { module }, lagging);
        let mut frame = u32::try_from(upload.len())
            .expect("fits")
            .to_be_bytes()
            .to_vec();
        frame.extend_from_slice(&upload);
        // The frame takes three seconds to arrive, well inside the frame timeout.
        let stream = TcpStream::connect(host.addr).await.expect("connects");
        let mut raw = Raw(Framed::new(stream, FrameCodec::default()));
        for piece in frame.chunks(frame.len().div_ceil(4)) {
            raw.0.get_mut().write_all(piece).await.expect("sent");
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let response = raw.receive().await.expect("a response");
        assert!(
            matches!(&response.reply, Reply::ActorStarted { actor } if actor.actor_id == subject),
            "{response:?}"
        );
        host.shut_down().await;
    }

    #[tokio::test]
    async fn connections_over_the_limit_are_refused_with_a_reason() {
        let limits = Limits {
            max_connections: 2,
            ..Limits::default()
        };
        let host = start_host_with(&KeyKind::Account.generate(), limits).await;
        let mut first = host.client().await;
        let mut second = host.client().await;
        first.ping().await.expect("first is served");
        second.ping().await.expect("second is served");
        let mut third = host.raw().await;
        let refused = third.receive().await.expect("a refusal before closing");
        assert!(
            reason(&refused).contains("limit of 2 connections"),
            "{refused:?}"
        );
        assert!(third.receive().await.is_none(), "then the host hangs up");
        drop(first);
        // The slot frees once the host sees the first connection close.
        let mut fourth = None;
        for _ in 0..50 {
            let mut candidate = host.client().await;
            if candidate.ping().await.is_ok() {
                fourth = Some(candidate);
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(fourth.is_some(), "a freed slot is reused");
        host.shut_down().await;
    }

    #[tokio::test]
    async fn idle_and_slow_connections_are_closed_with_a_reason() {
        let limits = Limits {
            idle_timeout: Duration::from_secs(1),
            frame_timeout: Duration::from_secs(1),
            ..Limits::default()
        };
        let host = start_host_with(&KeyKind::Account.generate(), limits).await;
        let mut idle = host.raw().await;
        let closing = idle.receive().await.expect("a reason");
        assert!(
            reason(&closing).contains("without a request"),
            "{closing:?}"
        );
        assert!(idle.receive().await.is_none());

        let mut slow = TcpStream::connect(host.addr).await.expect("connects");
        slow.write_all(&1000u32.to_be_bytes())
            .await
            .expect("header");
        slow.write_all(b"{\"version\"").await.expect("a start");
        let mut slow = Raw(Framed::new(slow, FrameCodec::default()));
        let closing = slow.receive().await.expect("a reason");
        assert!(reason(&closing).contains("did not arrive"), "{closing:?}");
        assert!(slow.receive().await.is_none());

        // A client that keeps talking is never idle, though it talks for longer than the
        // idle timeout.
        let mut busy = host.client().await;
        for _ in 0..6 {
            busy.ping().await.expect("pong");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        host.shut_down().await;
    }

    #[tokio::test]
    async fn shutdown_closes_idle_connections_and_stops_listening() {
        let host = start_host(&KeyKind::Account.generate()).await;
        let addr = host.addr;
        let key = host.controller.clone();
        let mut client = host.client().await;
        client.ping().await.expect("pong");
        host.shut_down().await;
        assert!(matches!(
            client.ping().await,
            Err(Error::Closed | Error::Io(_))
        ));
        assert!(Client::connect(addr, TIMEOUT, key).await.is_err());
    }

    #[test]
    fn accept_backoff_doubles_up_to_a_second() {
        assert_eq!(accept_backoff(1), FIRST_ACCEPT_BACKOFF);
        assert_eq!(accept_backoff(2), FIRST_ACCEPT_BACKOFF * 2);
        assert_eq!(accept_backoff(1_000), MAX_ACCEPT_BACKOFF);
        assert_eq!(accept_backoff(u32::MAX), MAX_ACCEPT_BACKOFF);
    }
}
