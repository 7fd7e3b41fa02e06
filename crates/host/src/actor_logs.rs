//! Where actors' standard output and error go: each call writes into a bounded buffer of its
//! own, and one thread passes what finished calls wrote to the host's standard error.

use std::io::Write;
use std::sync::mpsc::{SyncSender, sync_channel};

use wasmtime_wasi::p2::pipe::MemoryOutputPipe;

/// Bytes one call may write to its standard output and error together; past them both
/// streams report closed to the actor.
pub const MAX_CALL_LOG_LEN: usize = 64 * 1024;

/// Calls' output waiting for the writer thread; while it is full, further output is dropped.
const QUEUED_LOGS: usize = 64;

/// Passes calls' output to the host's standard error on a thread of its own, so an actor
/// never waits on that standard error (a full pipe, a slow terminal) where no deadline can
/// stop it, and floods it by at most its budget per call; cheap to clone.
#[derive(Clone, Debug)]
pub(crate) struct ActorLogs {
    queue: SyncSender<Vec<u8>>,
}

impl ActorLogs {
    /// Starts the writer thread, which ends when the last clone is dropped.
    pub(crate) fn start() -> std::io::Result<Self> {
        let (queue, logs) = sync_channel::<Vec<u8>>(QUEUED_LOGS);
        std::thread::Builder::new()
            .name("actor-logs".into())
            .spawn(move || {
                for log in logs {
                    // A host without a standard error has nowhere to say so.
                    let _ = std::io::stderr().write_all(&log);
                }
            })?;
        Ok(ActorLogs { queue })
    }

    /// A fresh buffer for one call's output.
    pub(crate) fn buffer() -> MemoryOutputPipe {
        MemoryOutputPipe::new(MAX_CALL_LOG_LEN)
    }

    /// Queues what a call wrote to `buffer`, or drops it while the writer is that far behind.
    pub(crate) fn forward(&self, buffer: &MemoryOutputPipe) {
        let log = buffer.contents();
        if !log.is_empty() {
            let _ = self.queue.try_send(log.to_vec());
        }
    }
}
