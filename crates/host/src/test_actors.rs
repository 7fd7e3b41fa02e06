//! Actors for tests and benchmarks, written in the component text format (no wasm target is
//! needed to build them). Each exports `handle: func(request: list<u8>) -> list<u8>`.
//! Compiled for this crate's tests and with the `test-support` feature.

/// Reverses the request's bytes: proof that the reply was computed by the actor. Its code holds
/// one `i32.const 42`, so `wascap::test_support::tamper` can change it.
pub fn reverse() -> Vec<u8> {
    actor(
        "",
        "",
        r#"
        (local $i i32) (local $j i32) (local $byte i32)
        (drop (i32.const 42))
        (local.set $i (local.get $ptr))
        (local.set $j (i32.sub (i32.add (local.get $ptr) (local.get $len)) (i32.const 1)))
        (block $done
          (loop $swap
            (br_if $done (i32.ge_s (local.get $i) (local.get $j)))
            (local.set $byte (i32.load8_u (local.get $i)))
            (i32.store8 (local.get $i) (i32.load8_u (local.get $j)))
            (i32.store8 (local.get $j) (local.get $byte))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (local.set $j (i32.sub (local.get $j) (i32.const 1)))
            (br $swap)))
        (i32.store (i32.const 8) (local.get $ptr))
        (i32.store (i32.const 12) (local.get $len))
        (i32.const 8)
        "#,
    )
}

/// Traps on every call.
pub fn trapping() -> Vec<u8> {
    actor("", "", "unreachable")
}

/// Never returns.
pub fn looping() -> Vec<u8> {
    actor("", "", "(loop $forever (br $forever)) unreachable")
}

/// Grows its memory a page at a time until the host stops it.
pub fn memory_hungry() -> Vec<u8> {
    actor(
        "",
        "",
        r#"
        (loop $more
          (br_if $more (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
        unreachable
        "#,
    )
}

/// Replies with 8 random bytes from `wasi:random/random`, which needs the numbergen capability.
pub fn random() -> Vec<u8> {
    actor(
        r#"
        (import "wasi:random/random@0.2.0" (instance $random
          (export "get-random-u64" (func (result u64)))))
        (core func $get (canon lower (func $random "get-random-u64")))
        (core instance $host (export "get-random-u64" (func $get)))
        "#,
        r#"(import "host" "get-random-u64" (func $get_random (result i64)))"#,
        r#"
        (i64.store (i32.const 16) (call $get_random))
        (i32.store (i32.const 8) (i32.const 16))
        (i32.store (i32.const 12) (i32.const 8))
        (i32.const 8)
        "#,
    )
}

/// [`reverse`] grown to at least `size` bytes by a custom section of filler: a large actor
/// whose upload, verification and compilation cost grows with its size.
pub fn padded(size: usize) -> Vec<u8> {
    let mut component = reverse();
    let name = b"padding";
    let filler = size.saturating_sub(component.len());
    let contents = 1 + name.len() + filler;
    component.push(0);
    leb128(&mut component, contents);
    leb128(&mut component, name.len());
    component.extend_from_slice(name);
    component.resize(component.len() + filler, 0x5a);
    component
}

/// Appends `value` as unsigned LEB128, the encoding of sizes in a webassembly binary.
fn leb128(bytes: &mut Vec<u8>, mut value: usize) {
    loop {
        let low = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            bytes.push(low);
            return;
        }
        bytes.push(low | 0x80);
    }
}

/// Waits an hour on a `wasi:clocks` pollable: the guest is blocked in the host, where no epoch
/// check runs.
pub fn sleeping() -> Vec<u8> {
    actor(
        r#"
        (import "wasi:io/poll@0.2.0" (instance $poll
          (export "pollable" (type (sub resource)))
          (export "[method]pollable.block" (func (param "self" (borrow 0))))))
        (alias export $poll "pollable" (type $pollable))
        (import "wasi:clocks/monotonic-clock@0.2.0" (instance $clock
          (alias outer $actor $pollable (type $outer))
          (export "pollable" (type $own (eq $outer)))
          (export "subscribe-duration" (func (param "when" u64) (result (own $own))))))
        (core func $block (canon lower (func $poll "[method]pollable.block")))
        (core func $subscribe (canon lower (func $clock "subscribe-duration")))
        (core instance $host
          (export "block" (func $block))
          (export "subscribe-duration" (func $subscribe)))
        "#,
        r#"
        (import "host" "block" (func $block (param i32)))
        (import "host" "subscribe-duration" (func $subscribe (param i64) (result i32)))
        "#,
        "(call $block (call $subscribe (i64.const 3600000000000))) unreachable",
    )
}

/// A component that exports no `handle`.
pub fn without_handle() -> Vec<u8> {
    wat::parse_str("(component)").expect("valid component text")
}

/// The component around a core module whose `handle` runs `body` with locals `$ptr` and `$len`
/// (the request, in the module's memory) and returns the address of the reply's pointer and
/// length. `imports` are component-level imports lowered into a core instance `$host`, which
/// `core_imports` (core module imports from "host") may use.
fn actor(imports: &str, core_imports: &str, body: &str) -> Vec<u8> {
    let instantiate = if imports.is_empty() {
        "(core instance $i (instantiate $m))"
    } else {
        r#"(core instance $i (instantiate $m (with "host" (instance $host))))"#
    };
    let text = format!(
        r#"
        (component $actor
          {imports}
          (core module $m
            {core_imports}
            (memory (export "memory") 1)
            ;; The first 1 KiB holds the reply's pointer and length; requests go above.
            (global $heap (mut i32) (i32.const 1024))
            (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
              (local $at i32) (local $end i32)
              (local.set $at (i32.and (i32.add (global.get $heap) (i32.const 7)) (i32.const -8)))
              (local.set $end (i32.add (local.get $at) (local.get 3)))
              (if (i32.gt_u (local.get $end) (i32.shl (memory.size) (i32.const 16)))
                (then (drop (memory.grow (i32.sub
                  (i32.add (i32.shr_u (local.get $end) (i32.const 16)) (i32.const 1))
                  (memory.size))))))
              (global.set $heap (local.get $end))
              (local.get $at))
            (func (export "handle") (param $ptr i32) (param $len i32) (result i32)
              {body}))
          {instantiate}
          (func (export "handle") (param "request" (list u8)) (result (list u8))
            (canon lift (core func $i "handle") (memory (core memory $i "memory"))
              (realloc (core func $i "cabi_realloc")))))
        "#
    );
    wat::parse_str(text).expect("valid component text")
}

/// Recurses into its own `handle` until the stack runs out.
pub fn recursing() -> Vec<u8> {
    // Function 0 is `cabi_realloc`, 1 is `handle`.
    actor(
        "",
        "",
        "(drop (call 1 (local.get $ptr) (local.get $len))) unreachable",
    )
}

/// Loops forever in its core module's start function, before any call reaches `handle`.
pub fn looping_at_start() -> Vec<u8> {
    actor(
        "",
        "(func $spin (loop $forever (br $forever))) (start $spin)",
        "unreachable",
    )
}

/// Defines `count` extra empty memories: each costs the host address space, not bytes.
pub fn many_memories(count: usize) -> Vec<u8> {
    actor("", &"(memory 0)".repeat(count), "unreachable")
}

/// Defines `count` extra tables of `elements` function references each.
pub fn many_tables(count: usize, elements: usize) -> Vec<u8> {
    let tables = format!("(table {elements} funcref)").repeat(count);
    actor("", &tables, "unreachable")
}

/// Asks a 64-bit memory to grow by nearly 2^64 bytes, over and over, then grows its 32-bit
/// memory a page at a time: a budget that counted the refused requests could wrap around.
pub fn overflowing_growth() -> Vec<u8> {
    let text = r#"
        (component
          (core module $m
            (memory $small (export "memory") 1)
            (memory $wide i64 0)
            (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
              (i32.const 1024))
            (func (export "handle") (param i32 i32) (result i32)
              (local $n i32)
              (loop $ask
                (drop (memory.grow $wide (i64.const 0x0000ffffffffffff)))
                (local.set $n (i32.add (local.get $n) (i32.const 1)))
                (br_if $ask (i32.lt_u (local.get $n) (i32.const 2000))))
              (loop $more
                (br_if $more (i32.ne (memory.grow $small (i32.const 1)) (i32.const -1))))
              unreachable))
          (core instance $i (instantiate $m))
          (func (export "handle") (param "request" (list u8)) (result (list u8))
            (canon lift (core func $i "handle") (memory (core memory $i "memory"))
              (realloc (core func $i "cabi_realloc")))))
    "#;
    wat::parse_str(text).expect("valid component text")
}

/// Replies with a pointer and length far past the end of its memory (a 4 GiB reply).
pub fn lying_about_its_reply() -> Vec<u8> {
    actor(
        "",
        "",
        r#"
        (i32.store (i32.const 8) (i32.const 1024))
        (i32.store (i32.const 12) (i32.const -1))
        (i32.const 8)
        "#,
    )
}

/// Writes its memory to `wasi:cli/stderr` 4 KiB at a time for as long as the stream takes
/// it: with the logging capability, a flood of output.
pub fn flooding_stderr() -> Vec<u8> {
    // The lowered write returns its result through memory, so the memory comes from a module
    // instantiated before the one that imports the write.
    let text = r#"
        (component $actor
          (core module $memory (memory (export "memory") 1))
          (core instance $memory (instantiate $memory))
          (alias core export $memory "memory" (core memory $mem))
          (import "wasi:io/error@0.2.0" (instance $error
            (export "error" (type (sub resource)))))
          (alias export $error "error" (type $error-type))
          (import "wasi:io/streams@0.2.0" (instance $streams
            (export "output-stream" (type $out (sub resource)))
            (alias outer $actor $error-type (type $e))
            (export "error" (type $err (eq $e)))
            (type $se (variant (case "last-operation-failed" (own $err)) (case "closed")))
            (export "stream-error" (type $stream-error (eq $se)))
            (export "[method]output-stream.blocking-write-and-flush"
              (func (param "self" (borrow $out)) (param "contents" (list u8))
                (result (result (error $stream-error)))))))
          (alias export $streams "output-stream" (type $output-stream))
          (import "wasi:cli/stderr@0.2.0" (instance $stderr
            (alias outer $actor $output-stream (type $o))
            (export "output-stream" (type $out (eq $o)))
            (export "get-stderr" (func (result (own $out))))))
          (core func $write (canon lower
            (func $streams "[method]output-stream.blocking-write-and-flush") (memory $mem)))
          (core func $get (canon lower (func $stderr "get-stderr")))
          (core instance $host (export "write" (func $write)) (export "get-stderr" (func $get)))
          (core module $m
            (import "host" "write" (func $write (param i32 i32 i32 i32)))
            (import "host" "get-stderr" (func $get (result i32)))
            (import "env" "memory" (memory 1))
            (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
              (i32.const 8192))
            (func (export "handle") (param $ptr i32) (param $len i32) (result i32)
              (local $stream i32)
              (local.set $stream (call $get))
              ;; Write until the stream reports an error (result discriminant 1).
              (loop $more
                (call $write (local.get $stream) (i32.const 1024) (i32.const 4096) (i32.const 16))
                (br_if $more (i32.eqz (i32.load8_u (i32.const 16)))))
              (i32.store (i32.const 8) (i32.const 0))
              (i32.store (i32.const 12) (i32.const 0))
              (i32.const 8)))
          (core instance $i (instantiate $m
            (with "host" (instance $host))
            (with "env" (instance $memory))))
          (func (export "handle") (param "request" (list u8)) (result (list u8))
            (canon lift (core func $i "handle") (memory $mem)
              (realloc (core func $i "cabi_realloc")))))
    "#;
    wat::parse_str(text).expect("valid component text")
}

/// Replies with `len` bytes from `wasi:random/random`'s `get-random-bytes`, which needs the
/// numbergen capability.
pub fn random_bytes(len: u64) -> Vec<u8> {
    // The lowered call returns a list, so it needs a memory and an allocator from a module
    // instantiated before the one that imports it.
    let text = format!(
        r#"
        (component
          (core module $memory
            (memory (export "memory") 1)
            (func (export "realloc") (param i32 i32 i32 i32) (result i32)
              (drop (memory.grow (i32.add (i32.shr_u (local.get 3) (i32.const 16)) (i32.const 1))))
              (i32.const 1024)))
          (core instance $memory (instantiate $memory))
          (alias core export $memory "memory" (core memory $mem))
          (alias core export $memory "realloc" (core func $realloc))
          (import "wasi:random/random@0.2.0" (instance $random
            (export "get-random-bytes" (func (param "len" u64) (result (list u8))))))
          (core func $get (canon lower (func $random "get-random-bytes")
            (memory $mem) (realloc $realloc)))
          (core instance $host (export "get-random-bytes" (func $get)))
          (core module $m
            (import "host" "get-random-bytes" (func $get (param i64 i32)))
            (import "env" "memory" (memory 1))
            (import "env" "realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
            (export "cabi_realloc" (func $realloc))
            (func (export "handle") (param i32 i32) (result i32)
              (call $get (i64.const {len}) (i32.const 16))
              (i32.const 16)))
          (core instance $i (instantiate $m
            (with "host" (instance $host))
            (with "env" (instance $memory))))
          (func (export "handle") (param "request" (list u8)) (result (list u8))
            (canon lift (core func $i "handle") (memory $mem) (realloc $realloc))))
        "#
    );
    wat::parse_str(text).expect("valid component text")
}
