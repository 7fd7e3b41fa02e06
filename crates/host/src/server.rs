//! The control-plane server: accepts TCP connections and answers each request frame in turn.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use control_interface::codec::{Frame, FrameCodec, MAX_FRAME_LEN};
use control_interface::{Reply, Request, Response};
use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_util::codec::Framed;

use crate::{HostError, Inventory, TrustedIssuers, handle};

/// How long connections get to finish the request in hand once shutdown starts.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A bound control-plane server, ready to [`serve`](Host::serve).
#[derive(Debug)]
pub struct Host {
    listener: TcpListener,
    local_addr: SocketAddr,
    trust: Arc<TrustedIssuers>,
    inventory: Arc<Mutex<Inventory>>,
}

impl Host {
    /// Listens on `addr` (port 0 picks a free port) for clients, admitting modules signed by
    /// `trust`.
    pub async fn bind(
        addr: impl ToSocketAddrs + std::fmt::Display,
        trust: TrustedIssuers,
    ) -> Result<Self, HostError> {
        let bind_error = |source| HostError::Bind {
            addr: addr.to_string(),
            source,
        };
        let listener = TcpListener::bind(&addr).await.map_err(bind_error)?;
        let local_addr = listener.local_addr().map_err(bind_error)?;
        Ok(Host {
            listener,
            local_addr,
            trust: Arc::new(trust),
            inventory: Arc::default(),
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
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                accepted = self.listener.accept() => {
                    // A failed accept (say, the peer reset before we got to it) concerns that
                    // one connection only.
                    if let Ok((stream, _)) = accepted {
                        let connection = Connection {
                            trust: Arc::clone(&self.trust),
                            inventory: Arc::clone(&self.inventory),
                            stop: stop_rx.clone(),
                        };
                        connections.spawn(connection.run(stream));
                    }
                }
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
}

/// One client connection.
struct Connection {
    trust: Arc<TrustedIssuers>,
    inventory: Arc<Mutex<Inventory>>,
    stop: watch::Receiver<bool>,
}

impl Connection {
    async fn run(mut self, stream: TcpStream) {
        let mut framed = Framed::new(stream, FrameCodec::default());
        loop {
            let frame = tokio::select! {
                frame = framed.next() => frame,
                _ = self.stop.wait_for(|&stop| stop) => return,
            };
            let response = match frame {
                Some(Ok(frame)) => self.respond(frame),
                // The peer left or the socket failed: nothing more can be said on it.
                None | Some(Err(_)) => return,
            };
            let Ok(bytes) = response.to_bytes() else {
                return;
            };
            if framed.send(bytes).await.is_err() {
                return;
            }
        }
    }

    fn respond(&self, frame: Frame) -> Response {
        match frame {
            Frame::Oversized { len } => refuse(
                0,
                format!("request frame of {len} bytes exceeds the limit of {MAX_FRAME_LEN} bytes"),
            ),
            Frame::Data(payload) => match Request::from_bytes(&payload) {
                Ok(request) => Response::new(
                    request.id,
                    handle(request.command, &self.trust, &self.inventory),
                ),
                Err((id, err)) => refuse(id, err.to_string()),
            },
        }
    }
}

fn refuse(id: u64, reason: String) -> Response {
    Response::new(id, Reply::Error { reason })
}

#[cfg(test)]
mod tests {
    use control_interface::{Client, Command, Error};
    use tokio::sync::oneshot;
    use tokio::task::JoinHandle;
    use tokio_util::bytes::Bytes;
    use wascap::{KeyKind, KeyPair, SigningRequest};

    use super::*;
    use wascap::test_support::{answer_module, tamper};

    const TIMEOUT: Duration = Duration::from_secs(5);

    struct Running {
        addr: SocketAddr,
        stop: oneshot::Sender<()>,
        task: JoinHandle<()>,
    }

    async fn start_host(issuer: &KeyPair) -> Running {
        let trust = TrustedIssuers::new([issuer.public_key()]).expect("valid key");
        let host = Host::bind("127.0.0.1:0", trust).await.expect("binds");
        let addr = host.local_addr();
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(host.serve(async {
            let _ = stopped.await;
        }));
        Running { addr, stop, task }
    }

    impl Running {
        async fn shut_down(self) {
            let _ = self.stop.send(());
            tokio::time::timeout(TIMEOUT, self.task)
                .await
                .expect("host stops within the timeout")
                .expect("host task did not panic");
        }
    }

    fn signed(issuer: &KeyPair) -> (String, Vec<u8>) {
        let subject = KeyKind::Module.generate().public_key();
        let request = SigningRequest::new(subject.clone(), "answer");
        let module = wascap::embed(&answer_module(), &request, issuer).expect("signs");
        (subject, module)
    }

    #[tokio::test]
    async fn client_starts_lists_and_stops_actors_over_tcp() {
        let issuer = KeyKind::Account.generate();
        let host = start_host(&issuer).await;
        let mut client = Client::connect(host.addr, TIMEOUT).await.expect("connects");
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
        client.stop_actor(&subject).await.expect("stops");
        assert!(client.inventory().await.expect("inventory").is_empty());
        host.shut_down().await;
    }

    #[tokio::test]
    async fn malformed_and_oversized_frames_are_refused_and_the_connection_survives() {
        let host = start_host(&KeyKind::Account.generate()).await;
        let stream = TcpStream::connect(host.addr).await.expect("connects");
        // A codec that allows sending one byte more than the host accepts.
        let mut raw = Framed::new(stream, FrameCodec::new(MAX_FRAME_LEN + 1));
        let mut exchange = async |payload: Bytes| -> Response {
            raw.send(payload).await.expect("sent");
            let reply = tokio::time::timeout(TIMEOUT, raw.next()).await;
            let Ok(Some(Ok(Frame::Data(bytes)))) = reply else {
                panic!("host must answer, got {reply:?}");
            };
            Response::from_bytes(&bytes).expect("well-formed response")
        };
        let garbage = exchange(Bytes::from_static(b"{\"version\":1,")).await;
        assert!(
            matches!(garbage.reply, Reply::Error { ref reason } if reason.contains("malformed"))
        );
        let oversized = exchange(Bytes::from(vec![b' '; MAX_FRAME_LEN + 1])).await;
        assert!(
            matches!(oversized.reply, Reply::Error { ref reason } if reason.contains("exceeds"))
        );
        let ping = Request::new(7, Command::Ping)
            .to_bytes()
            .expect("serializes");
        let pong = exchange(ping).await;
        assert_eq!(pong.id, 7);
        assert!(matches!(pong.reply, Reply::Pong { .. }));
        host.shut_down().await;
    }

    #[tokio::test]
    async fn shutdown_closes_idle_connections_and_stops_listening() {
        let host = start_host(&KeyKind::Account.generate()).await;
        let addr = host.addr;
        let mut client = Client::connect(addr, TIMEOUT).await.expect("connects");
        client.ping().await.expect("pong");
        host.shut_down().await;
        assert!(matches!(
            client.ping().await,
            Err(Error::Closed | Error::Io(_))
        ));
        assert!(Client::connect(addr, TIMEOUT).await.is_err());
    }
}
