//! Just enough of Rust's lexical grammar for the reads scan: string literals, and the braces
//! of inline modules, with comments, strings and character literals skipped so that a quote or
//! a brace inside them does not count.

/// What the lexer reports, in order.
enum Token {
    /// A string literal starting at this byte offset, unescaped.
    Str(usize, String),
    /// `mod name {`: an inline module opens.
    Module(String),
    /// Any other `{`.
    Open,
    /// `}`.
    Close,
}

/// Calls `on` with each token of `text`.
fn lex(text: &str, mut on: impl FnMut(Token)) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        i = match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                text[i..].find('\n').map_or(bytes.len(), |n| i + n)
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => after_block_comment(text, i),
            b'"' => string(text, i, &mut on),
            b'\'' => after_char_or_lifetime(text, i),
            b'{' => {
                on(Token::Open);
                i + 1
            }
            b'}' => {
                on(Token::Close);
                i + 1
            }
            b if is_ident(b) => word(text, i, &mut on),
            _ => i + 1,
        };
    }
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The first offset at or after `i` that is not whitespace.
fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// The string literal at `start` reported to `on`; the offset after it (after the quote when
/// it does not parse).
fn string(text: &str, start: usize, on: &mut dyn FnMut(Token)) -> usize {
    match string_literal(&text[start..]) {
        Some((value, after)) => {
            on(Token::Str(start, value));
            text.len() - after.len()
        }
        None => start + 1,
    }
}

/// The offset after the block comment opening at `i`; block comments nest.
fn after_block_comment(text: &str, mut i: usize) -> usize {
    let mut depth = 0;
    while i < text.len() {
        if text[i..].starts_with("/*") {
            depth += 1;
            i += 2;
        } else if text[i..].starts_with("*/") {
            depth -= 1;
            i += 2;
            if depth == 0 {
                break;
            }
        } else {
            i += 1;
        }
    }
    i
}

/// The offset after the character literal at `i`, or after the quote of a lifetime (`'a`),
/// which has no closing quote.
fn after_char_or_lifetime(text: &str, i: usize) -> usize {
    let bytes = text.as_bytes();
    let end = match bytes.get(i + 1) {
        Some(b'\\') => text
            .get(i + 3..)
            .and_then(|t| t.find('\''))
            .map(|n| i + 3 + n),
        _ => text[i + 1..]
            .chars()
            .next()
            .map(|c| i + 1 + c.len_utf8())
            .filter(|&e| bytes.get(e) == Some(&b'\'')),
    };
    end.map_or(i + 1, |e| e + 1)
}

/// The identifier at `start`, which may open a raw string (`r"…"`, `br#"…"#`) or an inline
/// module (`mod name {`); the offset after what was read.
fn word(text: &str, start: usize, on: &mut dyn FnMut(Token)) -> usize {
    let bytes = text.as_bytes();
    let mut i = start;
    while i < bytes.len() && is_ident(bytes[i]) {
        i += 1;
    }
    let word = &text[start..i];
    if matches!(word, "r" | "br") && matches!(bytes.get(i), Some(b'"' | b'#')) {
        // A raw string (or a raw identifier, `r#type`, which is no string).
        let raw = start + word.len() - 1;
        if string_literal(&text[raw..]).is_some() {
            return string(text, raw, on);
        }
    } else if word == "mod" {
        let name_start = skip_ws(bytes, i);
        let mut name_end = name_start;
        while name_end < bytes.len() && is_ident(bytes[name_end]) {
            name_end += 1;
        }
        let brace = skip_ws(bytes, name_end);
        if name_end > name_start && bytes.get(brace) == Some(&b'{') {
            on(Token::Module(text[name_start..name_end].to_owned()));
            return brace + 1;
        }
    }
    i
}

/// The names of the inline modules (`mod name { ... }`) still open at the end of `text`,
/// outermost first.
pub(crate) fn enclosing_modules(text: &str) -> Vec<String> {
    let mut open: Vec<Option<String>> = Vec::new();
    lex(text, |token| match token {
        Token::Module(name) => open.push(Some(name)),
        Token::Open => open.push(None),
        Token::Close => {
            open.pop();
        }
        Token::Str(..) => {}
    });
    open.into_iter().flatten().collect()
}

/// The string literals of `text`, each with its byte offset, unescaped.
pub(crate) fn string_literals(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    lex(text, |token| {
        if let Token::Str(start, value) = token {
            found.push((start, value));
        }
    });
    found
}

/// A Rust string literal (`"..."`, `r"..."`, `r#"..."#`) at the start of `text`, unescaped, and
/// the text after it.
pub(crate) fn string_literal(text: &str) -> Option<(String, &str)> {
    if let Some(raw) = text.strip_prefix('r') {
        let hashes = raw.len() - raw.trim_start_matches('#').len();
        let body = raw[hashes..].strip_prefix('"')?;
        let end = body.find(&format!("\"{}", "#".repeat(hashes)))?;
        return Some((body[..end].to_owned(), &body[end + 1 + hashes..]));
    }
    let body = text.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &body[i + 1..])),
            '\\' => match chars.next()?.1 {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_braces_in_comments_and_literals_do_not_count() {
        let text = "/* \" mod c { */ const S: &str = \"}\"; const C: char = '{';\n\
                    fn f<'a>(x: &'a str) -> char { '\\'' }\nlet r#type = r#\"a\"b\"#;\n\
                    mod outer { // \" {\n    mod inner {\n";
        assert_eq!(enclosing_modules(text), ["outer", "inner"]);
        let literals: Vec<String> = string_literals(text).into_iter().map(|(_, s)| s).collect();
        assert_eq!(literals, ["}", "a\"b"]);
    }
}
