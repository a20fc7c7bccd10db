//! Tokens of what wit-bindgen generates. A skeleton takes the spelling of
//! each signature from the generator's own output, and finds it by tokens
//! (a name followed by `(`, say), never by the text's layout: a generator
//! that indents, wraps or spaces its output differently is read the same.
//!
//! C, Rust and Go are alike enough at this level for one lexer: comments
//! and literals are skipped whole (a `;` or `{` inside one is not code),
//! and every other character is an identifier or a punctuation token.

/// A token: an identifier (`[A-Za-z_][A-Za-z0-9_]*`, Rust's `r#x` too), a
/// literal, a lifetime (Rust's `'a`), or one character of punctuation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    pub kind: Kind,
    pub text: &'a str,
    /// Byte offset in the source.
    pub start: usize,
    /// 0-based line of its first character.
    pub line: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Ident,
    Literal,
    Lifetime,
    Punct,
}

impl Token<'_> {
    pub fn end(&self) -> usize {
        self.start + self.text.len()
    }

    pub fn is(&self, text: &str) -> bool {
        self.text == text && self.kind != Kind::Literal
    }

    pub fn is_ident(&self) -> bool {
        self.kind == Kind::Ident
    }
}

/// Where the lexer gave up: an unterminated comment or literal. Generated
/// code has none, so this means the file is not what witloom expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unterminated {
    /// 1-based line where it starts.
    pub line: usize,
    pub what: &'static str,
}

/// The tokens of `src`, comments left out.
pub(crate) fn tokens(src: &str) -> Result<Vec<Token<'_>>, Unterminated> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let start_line = line;
        let unterminated = |what| Unterminated {
            line: start_line + 1,
            what,
        };
        let kind = match c {
            b'\n' => {
                line += 1;
                i += 1;
                continue;
            }
            c if c.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let close = src[i + 2..]
                    .find("*/")
                    .ok_or_else(|| unterminated("comment"))?;
                let end = i + 2 + close + 2;
                line += src[i..end].matches('\n').count();
                i = end;
                continue;
            }
            b'"' => {
                i = quoted(bytes, i, b'"').ok_or_else(|| unterminated("string"))?;
                Kind::Literal
            }
            b'`' => {
                // Go's raw string: no escapes.
                let close = src[i + 1..]
                    .find('`')
                    .ok_or_else(|| unterminated("raw string"))?;
                i += 1 + close + 1;
                Kind::Literal
            }
            b'\'' => {
                // A character literal (`'x'`, `'\n'`), or Rust's lifetime.
                let is_char = bytes.get(i + 1) == Some(&b'\\')
                    || (bytes.get(i + 1).is_some()
                        && next_char_len(src, i + 1)
                            .is_some_and(|n| bytes.get(i + 1 + n) == Some(&b'\'')));
                if is_char {
                    i = quoted(bytes, i, b'\'').ok_or_else(|| unterminated("character"))?;
                    Kind::Literal
                } else {
                    i += 1;
                    while i < bytes.len() && is_ident_byte(bytes[i]) {
                        i += 1;
                    }
                    Kind::Lifetime
                }
            }
            b'r' | b'b' if raw_string_start(bytes, i).is_some() => {
                let (hashes, open) = raw_string_start(bytes, i).expect("checked");
                let close = format!("\"{}", "#".repeat(hashes));
                let at = src[open + 1..]
                    .find(&close)
                    .ok_or_else(|| unterminated("raw string"))?;
                i = open + 1 + at + close.len();
                Kind::Literal
            }
            b'b' if bytes.get(i + 1) == Some(&b'"') => {
                i = quoted(bytes, i + 1, b'"').ok_or_else(|| unterminated("string"))?;
                Kind::Literal
            }
            b'r' if bytes.get(i + 1) == Some(&b'#')
                && bytes.get(i + 2).is_some_and(|b| is_ident_start(*b)) =>
            {
                i += 2;
                while i < bytes.len() && is_ident_byte(bytes[i]) {
                    i += 1;
                }
                Kind::Ident
            }
            c if is_ident_start(c) => {
                while i < bytes.len() && is_ident_byte(bytes[i]) {
                    i += 1;
                }
                Kind::Ident
            }
            c if c.is_ascii_digit() => {
                while i < bytes.len() && is_ident_byte(bytes[i]) {
                    i += 1;
                }
                Kind::Literal
            }
            _ => {
                i += next_char_len(src, i).unwrap_or(1);
                Kind::Punct
            }
        };
        line += src[start..i].matches('\n').count();
        out.push(Token {
            kind,
            text: &src[start..i],
            start,
            line: start_line,
        });
    }
    Ok(out)
}

/// The end of the literal opened by `quote` at `open`, past its closing
/// quote; escapes skipped.
fn quoted(bytes: &[u8], open: usize, quote: u8) -> Option<usize> {
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b if b == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Rust's `r"…"`, `r#"…"#`, `br"…"`: how many `#`s, and where the `"` is.
fn raw_string_start(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    let mut i = at;
    if bytes.get(i) == Some(&b'b') {
        i += 1;
    }
    if bytes.get(i) != Some(&b'r') {
        return None;
    }
    i += 1;
    let hashes = bytes[i..].iter().take_while(|b| **b == b'#').count();
    (bytes.get(i + hashes) == Some(&b'"')).then_some((hashes, i + hashes))
}

fn next_char_len(src: &str, at: usize) -> Option<usize> {
    src.get(at..)?.chars().next().map(char::len_utf8)
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The index of the token that closes the bracket opened at `open` (`(`,
/// `[` or `{`, counted by kind alone).
pub(crate) fn closing(tokens: &[Token<'_>], open: usize) -> Option<usize> {
    let (o, c) = match tokens[open].text {
        "(" => ("(", ")"),
        "[" => ("[", "]"),
        "{" => ("{", "}"),
        _ => return None,
    };
    let mut depth = 0usize;
    for (i, t) in tokens.iter().enumerate().skip(open) {
        if t.kind != Kind::Punct {
            continue;
        }
        if t.text == o {
            depth += 1;
        } else if t.text == c {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// `tokens` split at each `sep` outside brackets (`<…>` counted too, as
/// `->` never appears inside a parameter list's types): the parameters
/// of a list. Empty pieces (a trailing `,`) are left out.
pub(crate) fn split_top_level<'t, 'a>(
    tokens: &'t [Token<'a>],
    sep: &'t str,
) -> impl Iterator<Item = &'t [Token<'a>]> {
    let mut depth = 0i32;
    let mut from = 0;
    let mut pieces = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if t.kind != Kind::Punct {
            continue;
        }
        match t.text {
            "(" | "[" | "{" | "<" => depth += 1,
            ")" | "]" | "}" | ">" => depth -= 1,
            s if s == sep && depth == 0 => {
                pieces.push(&tokens[from..i]);
                from = i + 1;
            }
            _ => {}
        }
    }
    pieces.push(&tokens[from..]);
    pieces.into_iter().filter(|p| !p.is_empty())
}

/// Whether `tokens` starting at `at` are `want`, token by token.
pub(crate) fn starts_with(tokens: &[Token<'_>], at: usize, want: &[&str]) -> bool {
    want.len() <= tokens.len().saturating_sub(at)
        && want.iter().zip(&tokens[at..]).all(|(w, t)| t.is(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(src: &str) -> Vec<&str> {
        tokens(src).unwrap().iter().map(|t| t.text).collect()
    }

    #[test]
    fn comments_and_literals_are_not_code() {
        assert_eq!(
            texts("a /* ; { */ b // } (\n\"x;{\" 'y' '\\'' `raw;` r#\"q\"# c"),
            [
                "a", "b", "\"x;{\"", "'y'", "'\\''", "`raw;`", "r#\"q\"#", "c"
            ]
        );
    }

    #[test]
    fn lifetimes_paths_and_lines() {
        let t = tokens("fn f(\n  x: Borrow<'_>,\n) -> _rt::String").unwrap();
        let shown: Vec<(&str, usize)> = t.iter().map(|t| (t.text, t.line)).collect();
        assert_eq!(
            shown,
            [
                ("fn", 0),
                ("f", 0),
                ("(", 0),
                ("x", 1),
                (":", 1),
                ("Borrow", 1),
                ("<", 1),
                ("'_", 1),
                (">", 1),
                (",", 1),
                (")", 2),
                ("-", 2),
                (">", 2),
                ("_rt", 2),
                (":", 2),
                (":", 2),
                ("String", 2)
            ]
        );
        assert_eq!(t[8].kind, Kind::Punct);
        assert_eq!(t[7].kind, Kind::Lifetime);
    }

    #[test]
    fn unterminated_input_is_refused_with_its_line() {
        assert_eq!(
            tokens("a\n/* open").unwrap_err(),
            Unterminated {
                line: 2,
                what: "comment"
            }
        );
        assert_eq!(tokens("\"open").unwrap_err().what, "string");
    }

    #[test]
    fn brackets_close_by_kind() {
        let t = tokens("f(a, (b), [c]) {}").unwrap();
        assert_eq!(closing(&t, 1), Some(11));
        assert!(starts_with(&t, 11, &[")", "{", "}"]));
        let params = tokens("a: Result<u8, (u8, u8)>, b: u8,").unwrap();
        let firsts: Vec<&str> = split_top_level(&params, ",").map(|p| p[0].text).collect();
        assert_eq!(firsts, ["a", "b"]);
    }
}
