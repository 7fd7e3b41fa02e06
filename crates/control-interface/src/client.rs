//! The control-plane client: one request at a time, each signed and bounded by a timeout.

use std::time::Duration;

use nkeys::KeyPair;
use tokio::net::ToSocketAddrs;

use crate::{ActorDescription, Command, Error, Reply, Request, TcpTransport, Transport};

/// Sends commands to a host, each signed with a user key, and waits for the matching replies.
pub struct Client<T> {
    transport: T,
    timeout: Duration,
    key: KeyPair,
    next_id: u64,
}

impl<T: std::fmt::Debug> std::fmt::Debug for Client<T> {
    // By hand: the key pair holds the seed, which must not reach a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("transport", &self.transport)
            .field("timeout", &self.timeout)
            .field("key", &self.key.public_key())
            .field("next_id", &self.next_id)
            .finish()
    }
}

impl Client<TcpTransport> {
    /// Connects to the host at `addr` over TCP; the connection attempt and every later request
    /// are each bounded by `timeout`, and every request is signed with the user key `key`.
    pub async fn connect(
        addr: impl ToSocketAddrs + std::fmt::Display,
        timeout: Duration,
        key: KeyPair,
    ) -> Result<Self, Error> {
        let transport = tokio::time::timeout(timeout, TcpTransport::connect(addr))
            .await
            .map_err(|_| Error::Timeout { after: timeout })??;
        Ok(Client::new(transport, timeout, key))
    }
}

impl<T: Transport> Client<T> {
    /// A client over `transport` that signs its requests with the user key `key`; each fails
    /// after `timeout` without a reply.
    pub fn new(transport: T, timeout: Duration, key: KeyPair) -> Self {
        Client {
            transport,
            timeout,
            key,
            // Ids start at 1: a host answers unreadable requests with id 0.
            next_id: 1,
        }
    }

    /// Sends `command` and returns the host's reply, whatever its kind.
    pub async fn request(&mut self, command: Command) -> Result<Reply, Error> {
        let id = self.next_id;
        self.next_id += 1;
        let now = wascap::unix_now().map_err(|e| Error::Signing {
            reason: e.to_string(),
        })?;
        let frame = Request::new(id, command).sign(&self.key, now)?;
        let transport = &mut self.transport;
        let exchange = async move {
            transport.send(frame).await?;
            loop {
                let response = transport.receive().await?;
                // A reply with an older id answers a request that timed out; skip it. One with
                // id 0 is the host refusing a frame it could not read, which can only be ours.
                if response.id == id || response.id == 0 {
                    return Ok(response.reply);
                }
            }
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| Error::Timeout {
                after: self.timeout,
            })?
    }

    /// Checks that the host is alive; returns its version and actor count.
    pub async fn ping(&mut self) -> Result<(String, usize), Error> {
        let command = Command::Ping;
        let name = command.name();
        match self.request(command).await? {
            Reply::Pong {
                host_version,
                actor_count,
            } => Ok((host_version, actor_count)),
            other => Err(unexpected(name, other)),
        }
    }

    /// Sends a signed module for the host to verify and start.
    pub async fn start_actor(&mut self, module: Vec<u8>) -> Result<ActorDescription, Error> {
        let command = Command::StartActor { module };
        let name = command.name();
        match self.request(command).await? {
            Reply::ActorStarted { actor } => Ok(actor),
            other => Err(unexpected(name, other)),
        }
    }

    /// Stops the actor with id `actor_id`.
    pub async fn stop_actor(&mut self, actor_id: impl Into<String>) -> Result<(), Error> {
        let command = Command::StopActor {
            actor_id: actor_id.into(),
        };
        let name = command.name();
        match self.request(command).await? {
            Reply::ActorStopped { .. } => Ok(()),
            other => Err(unexpected(name, other)),
        }
    }

    /// Calls the actor `actor_id` with `data`; returns what it replied.
    pub async fn call_actor(
        &mut self,
        actor_id: impl Into<String>,
        data: Vec<u8>,
    ) -> Result<Vec<u8>, Error> {
        let command = Command::CallActor {
            actor_id: actor_id.into(),
            data,
        };
        let name = command.name();
        match self.request(command).await? {
            Reply::ActorReplied { data, .. } => Ok(data),
            other => Err(unexpected(name, other)),
        }
    }

    /// Lists the host's running actors.
    pub async fn inventory(&mut self) -> Result<Vec<ActorDescription>, Error> {
        let command = Command::GetInventory;
        let name = command.name();
        match self.request(command).await? {
            Reply::Inventory { actors } => Ok(actors),
            other => Err(unexpected(name, other)),
        }
    }
}

/// Turns a reply of the wrong kind into an error; a refusal keeps the host's reason.
fn unexpected(command: &'static str, reply: Reply) -> Error {
    match reply {
        Reply::Error { reason } => Error::Refused { reason },
        other => Error::UnexpectedReply {
            command,
            got: other.name(),
        },
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use tokio_util::bytes::Bytes;

    use super::*;
    use crate::{Response, SignedRequest};

    /// A host stand-in that answers each request with the next scripted response, with the id
    /// patched in unless the script fixes it; an empty script never answers.
    struct Scripted {
        key: KeyPair,
        script: VecDeque<(Option<u64>, Reply)>,
        last_id: u64,
        sent: Vec<u64>,
    }

    /// A client over a [`Scripted`] host that checks its signatures.
    fn scripted(
        script: impl IntoIterator<Item = (Option<u64>, Reply)>,
        timeout: Duration,
    ) -> Client<Scripted> {
        let key = KeyPair::new_user();
        let host = Scripted {
            key: KeyPair::from_public_key(&key.public_key()).expect("public key"),
            script: script.into_iter().collect(),
            last_id: 0,
            sent: Vec::new(),
        };
        Client::new(host, timeout, key)
    }

    impl Transport for Scripted {
        async fn send(&mut self, frame: Bytes) -> Result<(), Error> {
            let request = SignedRequest::parse(&frame).expect("the client sends valid requests");
            request
                .verify_signature(&self.key)
                .expect("and signs them with its key");
            self.last_id = request.id;
            self.sent.push(request.id);
            Ok(())
        }

        async fn receive(&mut self) -> Result<Response, Error> {
            match self.script.pop_front() {
                Some((id, reply)) => Ok(Response::new(id.unwrap_or(self.last_id), reply)),
                None => std::future::pending().await,
            }
        }
    }

    fn pong() -> Reply {
        Reply::Pong {
            host_version: "9.9.9".into(),
            actor_count: 3,
        }
    }

    #[tokio::test]
    async fn ping_returns_the_hosts_answer_and_ids_increase() {
        let mut client = scripted([(None, pong()), (None, pong())], Duration::from_secs(5));
        assert_eq!(client.ping().await.expect("pong"), ("9.9.9".into(), 3));
        client.ping().await.expect("pong");
        assert_eq!(client.transport.sent, [1, 2]);
    }

    #[tokio::test]
    async fn silent_host_times_out() {
        let mut client = scripted([], Duration::from_millis(50));
        assert!(matches!(
            client.ping().await,
            Err(Error::Timeout { after }) if after == Duration::from_millis(50)
        ));
    }

    #[tokio::test]
    async fn stale_replies_are_skipped() {
        let stale = Reply::Inventory { actors: vec![] };
        let mut client = scripted([(Some(99), stale), (None, pong())], Duration::from_secs(5));
        assert_eq!(client.ping().await.expect("pong").1, 3);
    }

    #[tokio::test]
    async fn call_actor_returns_the_actors_bytes_and_refusals_keep_their_reason() {
        let replied = Reply::ActorReplied {
            actor_id: "MACTOR".into(),
            data: vec![0, 255],
        };
        let refusal = Reply::Error {
            reason: "call to actor MACTOR failed: actor failed: wasm trap".into(),
        };
        let script = [(None, replied), (None, refusal), (None, pong())];
        let mut client = scripted(script, Duration::from_secs(5));
        assert_eq!(
            client.call_actor("MACTOR", vec![1]).await.expect("reply"),
            [0, 255]
        );
        assert!(matches!(
            client.call_actor("MACTOR", vec![1]).await,
            Err(Error::Refused { reason }) if reason.ends_with("wasm trap")
        ));
        assert!(matches!(
            client.call_actor("MACTOR", vec![]).await,
            Err(Error::UnexpectedReply {
                command: "call_actor",
                got: "pong"
            })
        ));
    }

    #[tokio::test]
    async fn refusals_and_wrong_replies_are_errors() {
        let refusal = Reply::Error {
            reason: "issuer is not trusted".into(),
        };
        let mut client = scripted([(None, refusal), (None, pong())], Duration::from_secs(5));
        assert!(matches!(
            client.start_actor(vec![1]).await,
            Err(Error::Refused { reason }) if reason == "issuer is not trusted"
        ));
        assert!(matches!(
            client.inventory().await,
            Err(Error::UnexpectedReply {
                command: "get_inventory",
                got: "pong"
            })
        ));
    }
}
