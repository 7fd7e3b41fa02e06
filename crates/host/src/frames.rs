//! Reading request frames under the host's [`Limits`]: a frame's buffer grows as its bytes
//! arrive, never to the length its header announces; frames larger than [`SMALL_FRAME_LEN`]
//! first take their length from the shared request memory; every frame must arrive within the
//! frame timeout, and a connection may stay silent only for the idle timeout.

use std::io;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, timeout, timeout_at};
use tokio_util::bytes::BufMut;

use crate::limits::{Limits, SMALL_FRAME_LEN};

const HEADER_LEN: usize = 4;

/// The first allocation for a frame's payload; it doubles as bytes arrive, up to the frame.
const FIRST_CHUNK: usize = 8 * 1024;

/// The most one read takes off the socket: a worker copying megabytes in one call would keep
/// every other connection on it waiting.
const READ_CHUNK: usize = 64 * 1024;

/// After this many bytes of one frame, the reader lets the worker's other tasks run, so pings
/// queued behind an upload wait for a megabyte's copy at most.
const YIELD_EVERY: usize = 1024 * 1024;

/// A frame read off the connection.
#[derive(Debug)]
pub(crate) enum Incoming {
    /// A whole frame; `memory` is its share of the request memory, given back when dropped;
    /// `arrived` is when its first byte came, from which the request's freshness is judged.
    Frame {
        payload: Vec<u8>,
        memory: Option<OwnedSemaphorePermit>,
        arrived: Instant,
    },
    /// A frame over the size limit, whose bytes are still to be skipped before `deadline`.
    Oversized { len: usize, deadline: Instant },
}

/// Why no frame could be read; all but [`Closed`](ReadFailure::Closed) end the connection
/// with a reason.
#[derive(Debug)]
pub(crate) enum ReadFailure {
    /// The peer closed the connection, or it failed.
    Closed,
    /// No frame started within the idle timeout.
    Idle,
    /// A frame started but did not finish within the frame timeout.
    TooSlow,
    /// The request memory stayed taken for the whole frame timeout.
    OutOfMemory,
}

/// Reads frames for every connection of one host, sharing its request memory.
#[derive(Debug)]
pub(crate) struct FrameReader {
    limits: Limits,
    memory: Arc<Semaphore>,
}

impl FrameReader {
    pub(crate) fn new(limits: Limits) -> Self {
        let memory = Arc::new(Semaphore::new(limits.request_memory));
        FrameReader { limits, memory }
    }

    pub(crate) fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Waits for the next frame and reads it whole.
    pub(crate) async fn next_frame(
        &self,
        stream: &mut (impl AsyncRead + Unpin),
    ) -> Result<Incoming, ReadFailure> {
        let mut header = [0; HEADER_LEN];
        let started = match timeout(self.limits.idle_timeout, stream.read(&mut header)).await {
            Err(_) => return Err(ReadFailure::Idle),
            Ok(Ok(0) | Err(_)) => return Err(ReadFailure::Closed),
            Ok(Ok(n)) => n,
        };
        let arrived = Instant::now();
        let deadline = arrived + self.limits.frame_timeout;
        match timeout_at(deadline, stream.read_exact(&mut header[started..])).await {
            Err(_) => return Err(ReadFailure::TooSlow),
            Ok(Err(_)) => return Err(ReadFailure::Closed),
            Ok(Ok(_)) => {}
        }
        let len = u32::from_be_bytes(header) as usize;
        if len > self.limits.max_frame_len {
            return Ok(Incoming::Oversized { len, deadline });
        }
        let memory = if len > SMALL_FRAME_LEN {
            // `len` fits in u32: it came from a u32 header.
            let wanted = u32::try_from(len).unwrap_or(u32::MAX);
            let taken = Arc::clone(&self.memory).acquire_many_owned(wanted);
            match timeout_at(deadline, taken).await {
                Ok(Ok(permit)) => Some(permit),
                // The semaphore is never closed; a closed one would be as useless as a full one.
                Err(_) | Ok(Err(_)) => return Err(ReadFailure::OutOfMemory),
            }
        } else {
            None
        };
        match timeout_at(deadline, read_payload(stream, len)).await {
            Err(_) => Err(ReadFailure::TooSlow),
            Ok(Err(_)) => Err(ReadFailure::Closed),
            Ok(Ok(payload)) => Ok(Incoming::Frame {
                payload,
                memory,
                arrived,
            }),
        }
    }
}

/// Reads `len` bytes, growing the buffer as they come: a peer that announces 16 MiB and sends
/// ten bytes costs ten bytes (and the first chunk), not 16 MiB.
async fn read_payload(stream: &mut (impl AsyncRead + Unpin), len: usize) -> io::Result<Vec<u8>> {
    let mut payload = Vec::with_capacity(len.min(FIRST_CHUNK));
    let mut rest = stream.take(len as u64);
    let mut since_yield = 0;
    while payload.len() < len {
        if since_yield >= YIELD_EVERY {
            since_yield = 0;
            tokio::task::yield_now().await;
        }
        if payload.len() == payload.capacity() {
            // Double, but never past the frame's end.
            payload.reserve_exact(payload.capacity().min(len - payload.len()));
        }
        let read = rest.read_buf(&mut (&mut payload).limit(READ_CHUNK)).await?;
        if read == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        since_yield += read;
    }
    Ok(payload)
}

/// Skips `len` bytes of an oversized frame in small reads, before `deadline`.
pub(crate) async fn discard(
    stream: &mut (impl AsyncRead + Unpin),
    len: usize,
    deadline: Instant,
) -> Result<(), ReadFailure> {
    let mut sink = tokio::io::sink();
    let mut rest = stream.take(len as u64);
    match timeout_at(deadline, tokio::io::copy(&mut rest, &mut sink)).await {
        Err(_) => Err(ReadFailure::TooSlow),
        Ok(Ok(copied)) if copied == len as u64 => Ok(()),
        Ok(_) => Err(ReadFailure::Closed),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::AsyncWriteExt;

    use super::*;

    fn limits() -> Limits {
        Limits {
            max_frame_len: 1024 * 1024,
            request_memory: 1024 * 1024,
            frame_timeout: Duration::from_secs(1),
            idle_timeout: Duration::from_secs(1),
            ..Limits::default()
        }
    }

    fn header(len: usize) -> [u8; 4] {
        u32::try_from(len).expect("small").to_be_bytes()
    }

    #[tokio::test]
    async fn a_frame_arrives_in_pieces_and_its_buffer_never_outgrows_it() {
        let reader = FrameReader::new(limits());
        let (mut client, mut server) = tokio::io::duplex(64);
        let payload: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let sent = payload.clone();
        let writer = tokio::spawn(async move {
            client.write_all(&header(sent.len())).await.expect("header");
            client.write_all(&sent).await.expect("payload");
            client
        });
        let Ok(Incoming::Frame {
            payload: got,
            memory,
            ..
        }) = reader.next_frame(&mut server).await
        else {
            panic!("a whole frame");
        };
        assert_eq!(got, payload);
        assert!(
            got.capacity() <= payload.len(),
            "capacity {}",
            got.capacity()
        );
        assert_eq!(memory.map(|m| m.num_permits()), Some(payload.len()));
        drop(writer.await.expect("writer"));
    }

    #[tokio::test(start_paused = true)]
    async fn silence_slowness_and_full_memory_each_have_their_reason() {
        let reader = FrameReader::new(limits());
        let (mut client, mut server) = tokio::io::duplex(1024);
        assert!(matches!(
            reader.next_frame(&mut server).await,
            Err(ReadFailure::Idle)
        ));
        client.write_all(&header(10)).await.expect("header");
        client.write_all(b"abc").await.expect("part");
        assert!(matches!(
            reader.next_frame(&mut server).await,
            Err(ReadFailure::TooSlow)
        ));

        // One large frame holds all the request memory, so a second one cannot start.
        let (mut first, mut first_server) = tokio::io::duplex(64 * 1024);
        let writer = tokio::spawn(async move {
            first.write_all(&header(1024 * 1024)).await.expect("header");
            first
                .write_all(&vec![0; 1024 * 1024])
                .await
                .expect("payload");
            first
        });
        let Ok(Incoming::Frame {
            memory: Some(held), ..
        }) = reader.next_frame(&mut first_server).await
        else {
            panic!("the large frame is read");
        };
        drop(writer.await.expect("writer"));
        let (mut second, mut second_server) = tokio::io::duplex(1024);
        second
            .write_all(&header(SMALL_FRAME_LEN + 1))
            .await
            .expect("header");
        second.write_all(&[0; 16]).await.expect("part");
        assert!(matches!(
            reader.next_frame(&mut second_server).await,
            Err(ReadFailure::OutOfMemory)
        ));
        // Small frames never wait for memory.
        let (mut small, mut small_server) = tokio::io::duplex(64);
        small.write_all(&header(2)).await.expect("header");
        small.write_all(b"{}").await.expect("payload");
        assert!(matches!(
            reader.next_frame(&mut small_server).await,
            Ok(Incoming::Frame { memory: None, .. })
        ));
        drop(held);
    }

    #[tokio::test]
    async fn oversized_frames_are_announced_then_skipped() {
        let reader = FrameReader::new(limits());
        let (mut client, mut server) = tokio::io::duplex(4096);
        let len = 1024 * 1024 + 1;
        let writer = tokio::spawn(async move {
            client.write_all(&header(len)).await.expect("header");
            client.write_all(&vec![b' '; len]).await.expect("payload");
            client.write_all(&header(2)).await.expect("next header");
            client.write_all(b"ok").await.expect("next payload");
            client
        });
        let Ok(Incoming::Oversized {
            len: announced,
            deadline,
        }) = reader.next_frame(&mut server).await
        else {
            panic!("oversized frame announced");
        };
        assert_eq!(announced, len);
        discard(&mut server, len, deadline).await.expect("skipped");
        let Ok(Incoming::Frame { payload, .. }) = reader.next_frame(&mut server).await else {
            panic!("next frame read");
        };
        assert_eq!(payload, b"ok");
        drop(writer.await.expect("writer"));
    }
}
