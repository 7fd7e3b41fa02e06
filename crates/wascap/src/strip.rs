//! A module or component rebuilt without its claims, byte for byte as wasmCloud's wascap rebuilds
//! it before hashing, so that both compute the same `hash` for the same file.
//!
//! The rebuild copies every other section in order with its size re-encoded in minimal LEB128,
//! drops every claims section (`jwt` or `wasmcloud_jwt`) at every depth, and rebuilds each nested
//! module or component the same way before wrapping it back into its parent.

use wasm_encoder::{Encode, RawSection, Section};
use wasmparser::{Encoding, Parser, Payload};

use crate::Error;

/// Name of the custom section this crate writes the claims token to, and the one every release of
/// wasmCloud's wascap reads.
pub const CLAIMS_SECTION: &str = "jwt";

/// Name of the custom section wasmCloud's wascap writes the claims token to since its 0.9; read
/// like [`CLAIMS_SECTION`].
pub const WASMCLOUD_CLAIMS_SECTION: &str = "wasmcloud_jwt";

/// Whether a custom section of this name holds a claims token.
pub(crate) fn is_claims_section(name: &str) -> bool {
    name == CLAIMS_SECTION || name == WASMCLOUD_CLAIMS_SECTION
}

/// A module or component without its claims, and the claims sections it carried.
pub(crate) struct Stripped<'a> {
    pub(crate) without_claims: Vec<u8>,
    /// The tokens of the outermost level's claims sections, in order.
    pub(crate) tokens: Vec<&'a [u8]>,
    /// How many claims sections nested modules and components carried.
    pub(crate) nested: usize,
}

impl<'a> Stripped<'a> {
    /// The one token of the outermost level. More than one is ambiguous, and one inside a nested
    /// module would be read by some verifiers as the claims of the whole file.
    pub(crate) fn only_token(&self) -> Result<&'a [u8], Error> {
        if self.nested > 0 {
            return Err(Error::NestedClaims);
        }
        match self.tokens.as_slice() {
            [] => Err(Error::NoClaims),
            [token] => Ok(token),
            _ => Err(Error::DuplicateClaims),
        }
    }
}

/// A module or component being rebuilt, and the encoding it was read with.
struct Level {
    bytes: Vec<u8>,
    encoding: Encoding,
}

/// Rebuilds `bytes` without claims sections.
pub(crate) fn strip(bytes: &[u8]) -> Result<Stripped<'_>, Error> {
    let mut current = Level {
        bytes: Vec::new(),
        encoding: Encoding::Module,
    };
    let mut parents: Vec<Level> = Vec::new();
    let mut tokens = Vec::new();
    let mut nested = 0;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(not_wasm)? {
            Payload::Version { encoding, .. } => {
                current.encoding = encoding;
                current.bytes.extend_from_slice(header(encoding));
            }
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => {
                parents.push(std::mem::replace(
                    &mut current,
                    Level {
                        bytes: Vec::new(),
                        encoding: Encoding::Module,
                    },
                ));
            }
            Payload::End(_) => {
                let Some(mut parent) = parents.pop() else {
                    break;
                };
                parent.bytes.push(nested_section_id(current.encoding));
                current.bytes.as_slice().encode(&mut parent.bytes);
                current = parent;
            }
            Payload::CustomSection(section) if is_claims_section(section.name()) => {
                if parents.is_empty() {
                    tokens.push(section.data());
                } else {
                    nested += 1;
                }
            }
            other => {
                if let Some((id, range)) = other.as_section() {
                    let data = section_bytes(bytes, range, id)?;
                    RawSection { id, data }.append_to(&mut current.bytes);
                }
            }
        }
    }
    Ok(Stripped {
        without_claims: current.bytes,
        tokens,
        nested,
    })
}

fn header(encoding: Encoding) -> &'static [u8] {
    match encoding {
        Encoding::Module => &wasm_encoder::Module::HEADER,
        Encoding::Component => &wasm_encoder::Component::HEADER,
    }
}

/// The id of the component section that holds a nested module or component.
fn nested_section_id(encoding: Encoding) -> u8 {
    match encoding {
        Encoding::Module => wasm_encoder::ComponentSectionId::CoreModule as u8,
        Encoding::Component => wasm_encoder::ComponentSectionId::Component as u8,
    }
}

fn section_bytes(bytes: &[u8], range: std::ops::Range<u64>, id: u8) -> Result<&[u8], Error> {
    usize::try_from(range.start)
        .ok()
        .zip(usize::try_from(range.end).ok())
        .and_then(|(start, end)| bytes.get(start..end))
        .ok_or_else(|| Error::NotWasm {
            reason: format!("section {id} lies outside the module"),
        })
}

pub(crate) fn not_wasm(err: wasmparser::BinaryReaderError) -> Error {
    Error::NotWasm {
        reason: err.to_string(),
    }
}
