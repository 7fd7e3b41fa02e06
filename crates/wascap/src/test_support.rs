//! Real WebAssembly modules and components for tests (this crate's and its dependents'), built
//! with wasm-encoder or from the text format. Compiled for this crate's tests and with the
//! `test-support` feature.

use wasm_encoder::{
    CodeSection, ExportKind, ExportSection, Function, FunctionSection, Instruction, Module,
    TypeSection, ValType,
};
use wasmparser::BinaryReader;

use crate::CLAIMS_SECTION;

/// A module exporting `answer`, which returns the i32 constant 42.
pub fn answer_module() -> Vec<u8> {
    let mut types = TypeSection::new();
    types.ty().function([], [ValType::I32]);
    let mut functions = FunctionSection::new();
    functions.function(0);
    let mut exports = ExportSection::new();
    exports.export("answer", ExportKind::Func, 0);
    let mut body = Function::new([]);
    body.instruction(&Instruction::I32Const(42));
    body.instruction(&Instruction::End);
    let mut code = CodeSection::new();
    code.function(&body);
    let mut module = Module::new();
    module
        .section(&types)
        .section(&functions)
        .section(&exports)
        .section(&code);
    module.finish()
}

/// A component exporting `answer`, lifted from a nested core module whose function returns the
/// i32 constant 42.
pub fn answer_component() -> Vec<u8> {
    wat::parse_str(
        r#"(component
            (core module $m (func (export "answer") (result i32) i32.const 42))
            (core instance $i (instantiate $m))
            (func (export "answer") (result s32) (canon lift (core func $i "answer"))))"#,
    )
    .expect("the component text parses")
}

/// A component whose only content is `module`, nested as is (claims section included), as a
/// tool that componentizes a signed core module would nest it.
pub fn component_around(module: &[u8]) -> Vec<u8> {
    let mut component = wasm_encoder::Component::new();
    component.section(&wasm_encoder::RawSection {
        id: wasm_encoder::ComponentSectionId::CoreModule as u8,
        data: module,
    });
    component.finish()
}

/// Changes the constant 42 to 43: still valid wasm, but not the module that was signed.
///
/// # Panics
/// When `module` has no `i32.const 42`, which only a test passing the wrong bytes can cause.
pub fn tamper(module: &[u8]) -> Vec<u8> {
    let mut bytes = module.to_vec();
    let at = bytes
        .windows(2)
        .position(|w| w == [0x41, 42])
        .expect("module contains i32.const 42");
    bytes[at + 1] = 43;
    bytes
}

/// Re-encodes `module` with its `jwt` section first and every section size padded to five
/// LEB128 bytes: another file, with another SHA-256, that carries the same module and claims.
///
/// # Panics
/// When `module` is not a well-formed core module.
pub fn reencoded(module: &[u8]) -> Vec<u8> {
    let mut sections = Vec::new();
    let mut reader = BinaryReader::new(&module[8..], 8);
    while !reader.eof() {
        let id = reader.read_u8().expect("section id");
        let size = reader.read_var_u32().expect("section size");
        let contents = reader.read_bytes(size as usize).expect("section contents");
        let is_claims = id == 0
            && BinaryReader::new(contents, 0)
                .read_string()
                .expect("custom section name")
                == CLAIMS_SECTION;
        let mut section = vec![id];
        let mut value = size;
        for byte in 0..5 {
            let low = (value & 0x7f) as u8;
            value >>= 7;
            section.push(if byte < 4 { low | 0x80 } else { low });
        }
        section.extend_from_slice(contents);
        if is_claims {
            sections.insert(0, section);
        } else {
            sections.push(section);
        }
    }
    let mut bytes = module[..8].to_vec();
    bytes.extend(sections.concat());
    bytes
}

/// [`answer_module`] grown to at least `size` bytes by a custom section of filler: a large
/// module whose validation and hashing cost grows with its size.
pub fn padded_module(size: usize) -> Vec<u8> {
    let mut module = answer_module();
    let filler = wasm_encoder::CustomSection {
        name: "padding".into(),
        data: vec![0x5a; size.saturating_sub(module.len())].into(),
    };
    let mut section = Module::new();
    section.section(&filler);
    // Skip the second module's 8-byte header: only its one section is appended.
    module.extend_from_slice(&section.as_slice()[8..]);
    module
}
