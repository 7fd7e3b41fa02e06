//! How requests reach a host: the [`Transport`] trait, and [`TcpTransport`], frames over TCP.

use std::future::Future;

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpStream, ToSocketAddrs};
use tokio_util::bytes::Bytes;
use tokio_util::codec::Framed;

use crate::codec::{Frame, FrameCodec, MAX_FRAME_LEN};
use crate::{Error, Response};

/// Carries requests to a host and responses back, in order, one connection's worth.
///
/// Both methods must be cancel-safe: the client drops them when a request times out, and the
/// next request must still find the connection usable.
pub trait Transport: Send {
    /// Sends one signed request, as [`Request::sign`](crate::Request::sign) encoded it.
    fn send(&mut self, frame: Bytes) -> impl Future<Output = Result<(), Error>> + Send;
    /// Waits for the next response.
    fn receive(&mut self) -> impl Future<Output = Result<Response, Error>> + Send;
}

/// Requests and responses as length-delimited JSON frames on a TCP connection.
#[derive(Debug)]
pub struct TcpTransport {
    framed: Framed<TcpStream, FrameCodec>,
}

impl TcpTransport {
    /// Connects to the host at `addr`.
    pub async fn connect(addr: impl ToSocketAddrs + std::fmt::Display) -> Result<Self, Error> {
        let stream = TcpStream::connect(&addr)
            .await
            .map_err(|source| Error::Connect {
                addr: addr.to_string(),
                source,
            })?;
        Ok(TcpTransport::new(stream))
    }

    /// Wraps an open connection.
    pub fn new(stream: TcpStream) -> Self {
        TcpTransport {
            framed: Framed::new(stream, FrameCodec::default()),
        }
    }
}

impl Transport for TcpTransport {
    async fn send(&mut self, frame: Bytes) -> Result<(), Error> {
        self.framed.send(frame).await
    }

    async fn receive(&mut self) -> Result<Response, Error> {
        // `Framed` buffers internally, so dropping this future loses no bytes.
        match self.framed.next().await {
            None => Err(Error::Closed),
            Some(Err(err)) => Err(err),
            Some(Ok(Frame::Oversized { len })) => Err(Error::OversizedFrame {
                len,
                max: MAX_FRAME_LEN,
            }),
            Some(Ok(Frame::Data(payload))) => Response::from_bytes(&payload),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::net::TcpListener;

    use super::*;
    use crate::{Client, Reply, SignedRequest};

    /// A loopback peer that answers the first request with a frame that is not JSON, the second
    /// properly, and then hangs up.
    async fn misbehaving_host() -> std::net::SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let (stream, _) = listener.accept().await.expect("accept");
            let mut framed = Framed::new(stream, FrameCodec::default());
            let Some(Ok(Frame::Data(_))) = framed.next().await else {
                return;
            };
            framed.send("not json".into()).await.expect("garbage sent");
            let Some(Ok(Frame::Data(second))) = framed.next().await else {
                return;
            };
            let id = SignedRequest::parse(&second).map_or(0, |r| r.id);
            let pong = Reply::Pong {
                host_version: "1".into(),
                actor_count: 0,
            };
            let bytes = Response::new(id, pong).to_bytes().expect("serializes");
            framed.send(bytes).await.expect("pong sent");
        });
        addr
    }

    #[tokio::test]
    async fn malformed_reply_fails_one_request_not_the_connection() {
        let addr = misbehaving_host().await;
        let mut client = Client::connect(addr, Duration::from_secs(5), nkeys::KeyPair::new_user())
            .await
            .expect("connects");
        assert!(matches!(client.ping().await, Err(Error::Malformed { .. })));
        assert_eq!(client.ping().await.expect("second ping").0, "1");
        assert!(matches!(client.ping().await, Err(Error::Closed)));
    }

    #[tokio::test]
    async fn refused_connection_names_the_address() {
        // Bind then drop a listener so the port is very likely closed.
        let addr = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind")
            .local_addr()
            .expect("addr");
        let err = TcpTransport::connect(addr)
            .await
            .expect_err("nothing listens");
        assert!(err.to_string().contains(&addr.to_string()));
    }
}
