//! Control-plane messages between the developer CLI and a host.
//!
//! The seed of the protocol: commands and their one-line text encoding. The versioned serde
//! protocol and the TCP client arrive with the product-crates issue.

use wascap::Claims;

/// A request sent to a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Is the host alive?
    Ping,
    /// Stop the actor with this module key.
    StopActor(String),
    /// List the running actors.
    GetInventory,
}

impl Command {
    /// Encodes the command as one line of text.
    pub fn encode(&self) -> String {
        match self {
            Command::Ping => "ping".to_owned(),
            Command::StopActor(key) => format!("stop {key}"),
            Command::GetInventory => "inventory".to_owned(),
        }
    }

    /// Decodes a line written by [`Command::encode`].
    pub fn decode(line: &str) -> Option<Command> {
        match line.split_once(' ') {
            None if line == "ping" => Some(Command::Ping),
            None if line == "inventory" => Some(Command::GetInventory),
            Some(("stop", key)) if !key.is_empty() => Some(Command::StopActor(key.to_owned())),
            _ => None,
        }
    }
}

/// One running actor as the host reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActorDescription {
    /// The claims the actor's module was started with.
    pub claims: Claims,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_round_trip() {
        for cmd in [
            Command::Ping,
            Command::GetInventory,
            Command::StopActor("MABC".into()),
        ] {
            assert_eq!(Command::decode(&cmd.encode()), Some(cmd));
        }
    }

    #[test]
    fn garbage_is_rejected() {
        assert_eq!(Command::decode("stop "), None);
        assert_eq!(Command::decode("launch x"), None);
    }
}
