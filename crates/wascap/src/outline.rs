//! A module's or component's sections read from their headers alone, contents unparsed: what a
//! host can afford before it knows whether it trusts the signer.

use std::ops::Range;

use wasm_encoder::ComponentSectionId;
use wasmparser::BinaryReader;

use crate::Error;
use crate::strip::{is_claims_section, not_wasm};

/// One section of a module or component.
pub(crate) struct Section<'a> {
    pub(crate) id: u8,
    pub(crate) contents: &'a [u8],
    /// Where the whole section, header included, lies in the bytes outlined.
    pub(crate) range: Range<usize>,
}

impl<'a> Section<'a> {
    /// The token a claims section holds; `None` for any other section.
    pub(crate) fn claims(&self) -> Result<Option<&'a [u8]>, Error> {
        if self.id != 0 {
            return Ok(None);
        }
        let mut custom = BinaryReader::new(self.contents, 0);
        let name = custom.read_string().map_err(not_wasm)?;
        Ok(is_claims_section(name).then(|| &self.contents[custom.current_position()..]))
    }
}

/// The top-level sections of `bytes`, and whether it is a component (else a core module).
/// Modules and components frame their sections alike.
pub(crate) fn outline(bytes: &[u8]) -> Result<(bool, Vec<Section<'_>>), Error> {
    let is_component = match bytes.get(..8) {
        Some(header) if header == wasm_encoder::Module::HEADER => false,
        Some(header) if header == wasm_encoder::Component::HEADER => true,
        _ => {
            return Err(Error::NotWasm {
                reason: "missing the header of a core module or a component".to_owned(),
            });
        }
    };
    let mut reader = BinaryReader::new(&bytes[8..], 8);
    let mut sections = Vec::new();
    while !reader.eof() {
        // The reader starts after the 8-byte header.
        let start = 8 + reader.current_position();
        let id = reader.read_u8().map_err(not_wasm)?;
        let size = reader.read_var_u32().map_err(not_wasm)?;
        let contents = reader.read_bytes(size as usize).map_err(not_wasm)?;
        sections.push(Section {
            id,
            contents,
            range: start..8 + reader.current_position(),
        });
    }
    Ok((is_component, sections))
}

/// Whether a module or component nested (at any depth) in the component whose top-level
/// sections are `sections` carries a claims section. A worklist, not recursion: a hostile file
/// may nest components a million deep.
pub(crate) fn nested_claims(sections: &[Section<'_>]) -> Result<bool, Error> {
    let mut pending: Vec<&[u8]> = nested(sections).collect();
    while let Some(bytes) = pending.pop() {
        let (is_component, sections) = outline(bytes)?;
        for section in &sections {
            if section.claims()?.is_some() {
                return Ok(true);
            }
        }
        // A core module's sections are never modules, whatever their ids.
        if is_component {
            pending.extend(nested(&sections));
        }
    }
    Ok(false)
}

/// The contents of a component's sections that hold a core module or a component.
fn nested<'a>(sections: &[Section<'a>]) -> impl Iterator<Item = &'a [u8]> {
    sections
        .iter()
        .filter(|s| {
            s.id == ComponentSectionId::CoreModule as u8
                || s.id == ComponentSectionId::Component as u8
        })
        .map(|s| s.contents)
}
