//! Length-delimited frames: a 4-byte big-endian length, then that many bytes of JSON.
//!
//! Built on [`LengthDelimitedCodec`], with one difference that matters to a server: a frame
//! longer than the limit is skipped and reported as [`Frame::Oversized`] instead of failing the
//! stream, so the peer gets a refusal and the connection stays usable. Buffers grow as bytes
//! arrive, never to the length a header announces: a header costs four bytes, not the frame.

use tokio_util::bytes::{Buf, Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder, LengthDelimitedCodec};

use crate::Error;

/// The default frame limit: room for a module of about 12 MiB after base64.
pub const MAX_FRAME_LEN: usize = 16 * 1024 * 1024;

const HEADER_LEN: usize = 4;

/// One decoded frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A frame within the limit: its payload.
    Data(Bytes),
    /// A frame over the limit, whose payload is being discarded.
    Oversized {
        /// The length the frame announced.
        len: usize,
    },
}

/// Encodes payloads as frames and decodes frames, skipping oversized ones.
#[derive(Debug)]
pub struct FrameCodec {
    inner: LengthDelimitedCodec,
    max_frame_len: usize,
    /// Bytes of an oversized frame still to skip.
    discarding: usize,
}

impl FrameCodec {
    /// A codec that accepts frames up to `max_frame_len` bytes in both directions.
    pub fn new(max_frame_len: usize) -> Self {
        FrameCodec {
            inner: LengthDelimitedCodec::builder()
                .length_field_length(HEADER_LEN)
                .max_frame_length(max_frame_len)
                .new_codec(),
            max_frame_len,
            discarding: 0,
        }
    }

    fn skip(&mut self, src: &mut BytesMut) {
        let n = self.discarding.min(src.len());
        src.advance(n);
        self.discarding -= n;
    }
}

impl Default for FrameCodec {
    fn default() -> Self {
        FrameCodec::new(MAX_FRAME_LEN)
    }
}

impl Decoder for FrameCodec {
    type Item = Frame;
    type Error = Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, Error> {
        self.skip(src);
        if self.discarding > 0 {
            return Ok(None);
        }
        let Some(header) = src.get(..HEADER_LEN) else {
            return Ok(None);
        };
        let mut len_bytes = [0; HEADER_LEN];
        len_bytes.copy_from_slice(header);
        let len = u32::from_be_bytes(len_bytes) as usize;
        if len > self.max_frame_len {
            src.advance(HEADER_LEN);
            self.discarding = len;
            self.skip(src);
            return Ok(Some(Frame::Oversized { len }));
        }
        // Hand the inner codec only whole frames, so it never holds a half-read header that the
        // length peek above would misread on the next call. No reserving the announced length
        // here: the reader grows the buffer as the bytes actually come.
        if src.len() < HEADER_LEN + len {
            return Ok(None);
        }
        Ok(self
            .inner
            .decode(src)?
            .map(|payload| Frame::Data(payload.freeze())))
    }
}

impl Encoder<Bytes> for FrameCodec {
    type Error = Error;

    fn encode(&mut self, payload: Bytes, dst: &mut BytesMut) -> Result<(), Error> {
        if payload.len() > self.max_frame_len {
            return Err(Error::OversizedFrame {
                len: payload.len(),
                max: self.max_frame_len,
            });
        }
        Ok(self.inner.encode(payload, dst)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(payload: &[u8]) -> BytesMut {
        let mut buf = BytesMut::new();
        FrameCodec::default()
            .encode(Bytes::copy_from_slice(payload), &mut buf)
            .expect("encodes");
        buf
    }

    #[test]
    fn frames_round_trip_across_partial_reads() {
        let mut codec = FrameCodec::new(64);
        let whole = frame(b"hello");
        let mut src = BytesMut::new();
        for byte in whole.iter() {
            assert_eq!(codec.decode(&mut src).expect("no error"), None);
            src.extend_from_slice(&[*byte]);
        }
        assert_eq!(
            codec.decode(&mut src).expect("no error"),
            Some(Frame::Data(Bytes::from_static(b"hello")))
        );
        assert!(src.is_empty());
    }

    #[test]
    fn oversized_frame_is_skipped_and_the_next_one_read() {
        let mut codec = FrameCodec::new(8);
        let big = frame(&[7; 20]);
        let mut src = BytesMut::new();
        // The big frame arrives in two pieces, followed by a normal frame.
        src.extend_from_slice(&big[..10]);
        assert_eq!(
            codec.decode(&mut src).expect("no error"),
            Some(Frame::Oversized { len: 20 })
        );
        assert_eq!(codec.decode(&mut src).expect("no error"), None);
        src.extend_from_slice(&big[10..]);
        src.extend_from_slice(&frame(b"ok"));
        assert_eq!(
            codec.decode(&mut src).expect("no error"),
            Some(Frame::Data(Bytes::from_static(b"ok")))
        );
    }

    #[test]
    fn a_header_does_not_reserve_the_frame_it_announces() {
        let mut codec = FrameCodec::default();
        let mut src = BytesMut::with_capacity(64);
        src.extend_from_slice(&u32::try_from(MAX_FRAME_LEN).expect("fits").to_be_bytes());
        src.extend_from_slice(b"{\"version\"");
        assert_eq!(codec.decode(&mut src).expect("no error"), None);
        assert!(src.capacity() < 1024, "capacity {}", src.capacity());
    }

    #[test]
    fn oversized_payload_is_not_sent() {
        let mut dst = BytesMut::new();
        let err = FrameCodec::new(4)
            .encode(Bytes::from_static(b"too long"), &mut dst)
            .expect_err("refused");
        assert!(matches!(err, Error::OversizedFrame { len: 8, max: 4 }));
        assert!(dst.is_empty());
    }
}
