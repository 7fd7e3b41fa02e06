//! Real WebAssembly modules for tests (this crate's and its dependents'), built with
//! wasm-encoder. Compiled for this crate's tests and with the `test-support` feature.

use wasm_encoder::{
    CodeSection, ExportKind, ExportSection, Function, FunctionSection, Instruction, Module,
    TypeSection, ValType,
};

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
