//! The control-plane messages: a [`Request`] carries one [`Command`], a [`Response`] carries the
//! [`Reply`] to the request with the same id. Both are JSON objects stamped with
//! [`PROTOCOL_VERSION`], so either side can refuse a peer it does not understand. Requests travel
//! signed ([`crate::auth`]).

use serde::{Deserialize, Serialize};
use tokio_util::bytes::Bytes;
use wascap::Claims;

use crate::Error;

/// The protocol version this crate speaks. Bump it on any change to the shape of an existing
/// message; a new command or reply is refused by name by an older peer ("unknown variant"), so
/// adding one keeps the version. Version 2 signs every request.
pub const PROTOCOL_VERSION: u32 = 2;

/// Something a client asks a host to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Command {
    /// Start the actor in this signed module.
    StartActor {
        /// The module's bytes, base64-encoded on the wire.
        #[serde(with = "base64_module")]
        module: Vec<u8>,
    },
    /// Call the running actor with this id: its `handle` function gets `data` and returns the
    /// reply's bytes.
    CallActor {
        /// The actor to call.
        actor_id: String,
        /// The request's bytes, base64-encoded on the wire.
        #[serde(with = "base64_data")]
        data: Vec<u8>,
    },
    /// Stop the actor with this id (its module's public key).
    StopActor {
        /// The actor to stop.
        actor_id: String,
    },
    /// List the running actors.
    GetInventory,
    /// Is the host alive?
    Ping,
}

impl Command {
    /// The command's wire name, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Command::StartActor { .. } => "start_actor",
            Command::StopActor { .. } => "stop_actor",
            Command::CallActor { .. } => "call_actor",
            Command::GetInventory => "get_inventory",
            Command::Ping => "ping",
        }
    }
}

/// A host's answer to a command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
// One reply is built per request and serialized at once: boxing the claims would save nothing.
#[allow(clippy::large_enum_variant)]
pub enum Reply {
    /// The actor was verified and started.
    ActorStarted {
        /// The started actor.
        actor: ActorDescription,
    },
    /// The actor was stopped.
    ActorStopped {
        /// The stopped actor.
        actor_id: String,
    },
    /// The actor returned from a call.
    ActorReplied {
        /// The actor called.
        actor_id: String,
        /// What it returned, base64-encoded on the wire.
        #[serde(with = "base64_data")]
        data: Vec<u8>,
    },
    /// The running actors.
    Inventory {
        /// One entry per running actor.
        actors: Vec<ActorDescription>,
    },
    /// The host is alive.
    Pong {
        /// The host software's version.
        host_version: String,
        /// How many actors it runs.
        actor_count: usize,
    },
    /// The host refused or could not carry out the command.
    Error {
        /// Why, in words meant for the user.
        reason: String,
    },
}

impl Reply {
    /// The reply's wire name, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Reply::ActorStarted { .. } => "actor_started",
            Reply::ActorStopped { .. } => "actor_stopped",
            Reply::ActorReplied { .. } => "actor_replied",
            Reply::Inventory { .. } => "inventory",
            Reply::Pong { .. } => "pong",
            Reply::Error { .. } => "error",
        }
    }
}

/// One running actor as a host reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActorDescription {
    /// The actor's id: its module's public key.
    pub actor_id: String,
    /// The verified claims the actor's module carries.
    pub claims: Claims,
    /// Seconds since the Unix epoch at which the host started the actor.
    pub started_at: u64,
}

/// A command with its id, as a client means it; [`Request::sign`] makes it a frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// Always [`PROTOCOL_VERSION`] when sent by this crate.
    pub version: u32,
    /// Chosen by the client; the response carries it back.
    pub id: u64,
    /// What to do.
    pub command: Command,
}

/// A reply with the id of the request it answers, as sent by a host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// Always [`PROTOCOL_VERSION`] when sent by this crate.
    pub version: u32,
    /// The id of the request answered, or 0 when the request was unreadable.
    pub id: u64,
    /// The answer.
    pub reply: Reply,
}

/// The field every message version has, read first so a peer of another version gets a clear
/// refusal instead of a confusing shape error.
#[derive(Deserialize)]
struct Envelope {
    version: u32,
}

impl Request {
    /// A request of the current protocol version.
    pub fn new(id: u64, command: Command) -> Self {
        Request {
            version: PROTOCOL_VERSION,
            id,
            command,
        }
    }
}

impl Response {
    /// A response of the current protocol version.
    pub fn new(id: u64, reply: Reply) -> Self {
        Response {
            version: PROTOCOL_VERSION,
            id,
            reply,
        }
    }

    /// Encodes the response as one frame's payload.
    pub fn to_bytes(&self) -> Result<Bytes, Error> {
        to_bytes(self)
    }

    /// Decodes a frame's payload.
    pub fn from_bytes(frame: &[u8]) -> Result<Response, Error> {
        check_version(frame)?;
        serde_json::from_slice(frame).map_err(malformed)
    }
}

fn to_bytes(message: &impl Serialize) -> Result<Bytes, Error> {
    serde_json::to_vec(message)
        .map(Bytes::from)
        .map_err(|e| Error::Malformed {
            reason: format!("message does not serialize: {e}"),
        })
}

fn malformed(e: serde_json::Error) -> Error {
    Error::Malformed {
        reason: e.to_string(),
    }
}

/// Reads a message's version and refuses other versions.
fn check_version(frame: &[u8]) -> Result<(), Error> {
    let envelope: Envelope = serde_json::from_slice(frame).map_err(malformed)?;
    if envelope.version != PROTOCOL_VERSION {
        return Err(Error::UnsupportedVersion {
            version: envelope.version,
        });
    }
    Ok(())
}

/// Bytes as a base64 string: a JSON array of numbers would be about four times larger.
mod base64_bytes {
    use data_encoding::BASE64;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub(super) fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&BASE64.encode(bytes))
    }

    /// Decodes the field `what`, which its error names.
    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
        what: &str,
    ) -> Result<Vec<u8>, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        BASE64
            .decode(text.as_bytes())
            .map_err(|e| D::Error::custom(format!("{what} is not base64: {e}")))
    }
}

/// A module's bytes as base64.
mod base64_module {
    use serde::Deserializer;

    pub(super) use super::base64_bytes::serialize;

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        super::base64_bytes::deserialize(d, "module")
    }
}

/// A call's or reply's data as base64.
mod base64_data {
    use serde::Deserializer;

    pub(super) use super::base64_bytes::serialize;

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        super::base64_bytes::deserialize(d, "data")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SignedRequest;

    fn actor() -> ActorDescription {
        ActorDescription {
            actor_id: "MACTOR".into(),
            claims: Claims {
                issuer: "AISSUER".into(),
                subject: "MACTOR".into(),
                issued_at: 10,
                not_before: None,
                expires: Some(20),
                name: "echo".into(),
                capabilities: vec!["wasmcloud:httpserver".into()],
                module_hash: "AB".into(),
                ..Claims::default()
            },
            started_at: 15,
        }
    }

    fn user() -> nkeys::KeyPair {
        nkeys::KeyPair::new_user()
    }

    #[test]
    fn every_command_round_trips_signed() {
        for command in [
            Command::StartActor {
                module: vec![0, 97, 115, 109, 255],
            },
            Command::StopActor {
                actor_id: "MACTOR".into(),
            },
            Command::GetInventory,
            Command::Ping,
            Command::CallActor {
                actor_id: "MACTOR".into(),
                data: b"\0hello\xff".to_vec(),
            },
        ] {
            let key = user();
            let request = Request::new(7, command);
            let bytes = request.sign(&key, 100).expect("signs");
            let parsed = SignedRequest::parse(&bytes).expect("parses");
            assert_eq!(parsed.id, 7);
            assert_eq!(parsed.command().expect("command"), request.command);
            let auth = parsed.verify_signature(&key).expect("verifies");
            assert_eq!(
                (auth.key.as_str(), auth.timestamp),
                (key.public_key().as_str(), 100)
            );
        }
    }

    #[test]
    fn every_reply_round_trips() {
        for reply in [
            Reply::ActorStarted { actor: actor() },
            Reply::ActorStopped {
                actor_id: "MACTOR".into(),
            },
            Reply::Inventory {
                actors: vec![actor()],
            },
            Reply::ActorReplied {
                actor_id: "MACTOR".into(),
                data: vec![0, 1, 255],
            },
            Reply::Pong {
                host_version: "0.1.0".into(),
                actor_count: 1,
            },
            Reply::Error {
                reason: "no".into(),
            },
        ] {
            let response = Response::new(9, reply);
            let bytes = response.to_bytes().expect("serializes");
            assert_eq!(Response::from_bytes(&bytes).expect("parses"), response);
        }
    }

    #[test]
    fn wire_format_is_tagged_and_module_is_base64() {
        let request = Request::new(
            1,
            Command::StartActor {
                module: b"\0asm".to_vec(),
            },
        );
        let json: serde_json::Value =
            serde_json::from_slice(&request.sign(&user(), 1).expect("signs")).expect("json");
        assert_eq!(json["version"], PROTOCOL_VERSION);
        assert_eq!(json["command"]["type"], "start_actor");
        assert_eq!(json["command"]["module"], "AGFzbQ==");
    }

    #[test]
    fn other_versions_are_refused_with_their_id() {
        for version in [1, 3] {
            let frame =
                format!(r#"{{"version":{version},"id":5,"command":{{"type":"teleport"}}}}"#);
            let Err((5, Error::UnsupportedVersion { version: v })) =
                SignedRequest::parse(frame.as_bytes())
            else {
                panic!("version {version} must be refused");
            };
            assert_eq!(v, version);
        }
    }

    #[test]
    fn malformed_requests_keep_the_id_when_readable() {
        let unknown = br#"{"version":2,"id":4,"command":{"type":"teleport"}}"#;
        let parsed = SignedRequest::parse(unknown).expect("the envelope parses");
        assert_eq!(parsed.id, 4);
        assert!(matches!(parsed.command(), Err(Error::Malformed { .. })));
        assert!(matches!(
            SignedRequest::parse(b"not json"),
            Err((0, Error::Malformed { .. }))
        ));
        assert!(matches!(
            SignedRequest::parse(br#"{"version":2,"id":6}"#),
            Err((6, Error::Malformed { .. }))
        ));
        let bad_module = br#"{"version":2,"id":3,"command":{"type":"start_actor","module":"@@"}}"#;
        let Err(Error::Malformed { reason }) = SignedRequest::parse(bad_module)
            .expect("envelope parses")
            .command()
        else {
            panic!("bad base64 must be malformed");
        };
        assert!(reason.contains("module is not base64"));
        let bad_data =
            br#"{"version":2,"id":3,"command":{"type":"call_actor","actor_id":"M","data":"!"}}"#;
        let Err(Error::Malformed { reason }) = SignedRequest::parse(bad_data)
            .expect("envelope parses")
            .command()
        else {
            panic!("bad base64 must be malformed");
        };
        assert!(reason.contains("data is not base64"), "{reason}");
    }
}
