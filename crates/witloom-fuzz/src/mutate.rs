//! Mutations shared by the text classes (WIT, TOML, WAVE): byte edits that
//! ignore the grammar, token edits that keep most of it, and the hostile
//! characters a terminal would interpret. Every edit is bounded by the
//! input's length and draws only from the [`Rng`], so a seed names a case.

use crate::Rng;

/// Characters a diagnostic must not echo raw: terminal escapes, carriage
/// return, bell, NUL, bidi overrides and isolates, and other non-ASCII that
/// tests width and slicing (zero-width space, an emoji, a combining mark).
pub const HOSTILE: &[&str] = &[
    "\x1b[31m",
    "\x1b]0;title\x07",
    "\r",
    "\0",
    "\x07",
    "\x08",
    "\x7f",
    "\u{85}",
    "\u{9b}",
    "\u{202E}",
    "\u{202A}",
    "\u{2066}",
    "\u{2069}",
    "\u{200E}",
    "\u{200F}",
    "\u{200B}",
    "\u{FEFF}",
    "😀",
    "e\u{301}",
    "\u{10FFFF}",
];

/// Byte strings that are not UTF-8: a byte no UTF-8 text has, lone
/// continuation bytes, a multibyte sequence cut short, an overlong form and
/// an encoded surrogate.
pub const INVALID_UTF8: &[&[u8]] = &[
    b"\xff",
    b"\xfe\xff",
    b"\x80",
    b"\xbf\xbf",
    b"\xe2\x82",
    b"\xf0\x9f\x98",
    b"\xc0\xaf",
    b"\xed\xa0\x80",
];

/// One byte-level edit of `data`: flip bits, insert, delete, truncate,
/// duplicate a range, or put in a hostile character or invalid UTF-8.
pub fn bytes(rng: &mut Rng, data: &mut Vec<u8>) {
    let len = data.len();
    match rng.below(9) {
        0 if len > 0 => {
            let i = rng.below(len);
            data[i] ^= 1 << rng.below(8);
        }
        1 => {
            let i = rng.below(len + 1);
            data.insert(i, rng.next_u64() as u8);
        }
        2 if len > 0 => {
            let i = rng.below(len);
            let n = (1 + rng.below(16)).min(len - i);
            data.drain(i..i + n);
        }
        3 => {
            let i = rng.below(len + 1);
            data.truncate(i);
        }
        4 if len > 0 => {
            let i = rng.below(len);
            let n = (1 + rng.below(64)).min(len - i);
            let copy = data[i..i + n].to_vec();
            let at = rng.below(len + 1);
            data.splice(at..at, copy);
        }
        5 | 6 => {
            let s = rng.pick(HOSTILE).as_bytes().to_vec();
            let at = rng.below(len + 1);
            data.splice(at..at, s);
        }
        7 => {
            let s = rng.pick(INVALID_UTF8).to_vec();
            let at = rng.below(len + 1);
            data.splice(at..at, s);
        }
        _ if len > 0 => {
            // Interesting byte values: the ends of signed and unsigned
            // ranges, quotes, brackets and separators most grammars use.
            let i = rng.below(len);
            data[i] = *rng.pick(b"\x00\x7f\x80\xff\"'\\{}[]()<>;:,.=#@/-\n");
        }
        _ => data.extend_from_slice(b"\xff"),
    }
}

/// A token of text: a word (letters, digits, `-`, `_`, `%`, `.`), a run of
/// whitespace, a quoted string, or one other character.
fn tokens(text: &str) -> Vec<&str> {
    let word = |c: char| c.is_alphanumeric() || matches!(c, '-' | '_' | '%' | '.');
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let end = if word(c) {
            rest.find(|c: char| !word(c)).unwrap_or(rest.len())
        } else if c.is_whitespace() {
            rest.find(|c: char| !c.is_whitespace())
                .unwrap_or(rest.len())
        } else if c == '"' {
            // The closing quote, or the line's end when there is none.
            rest[1..]
                .find(['"', '\n'])
                .map_or(rest.len(), |i| i + 2)
                .min(rest.len())
        } else {
            c.len_utf8()
        };
        out.push(&rest[..end]);
        rest = &rest[end..];
    }
    out
}

/// One token-level edit of `text`: delete, duplicate or swap tokens,
/// replace a word with one of `words` (keywords of the grammar, or
/// hostile ones), or change a punctuation character. Falls back to a byte
/// edit when the text is not UTF-8.
pub fn tokens_edit(rng: &mut Rng, data: &mut Vec<u8>, words: &[&str], punct: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return bytes(rng, data);
    };
    let toks = tokens(text);
    if toks.is_empty() {
        return bytes(rng, data);
    }
    let mut toks: Vec<String> = toks.into_iter().map(str::to_string).collect();
    let n = toks.len();
    let i = rng.below(n);
    match rng.below(6) {
        0 => {
            toks.remove(i);
        }
        1 => {
            let t = toks[i].clone();
            toks.insert(i, t);
        }
        2 => {
            let j = rng.below(n);
            toks.swap(i, j);
        }
        3 | 4 => {
            // A word replaced: aim at words, not the whitespace around them.
            let words_at: Vec<usize> = (0..n)
                .filter(|&k| toks[k].starts_with(|c: char| c.is_alphanumeric()))
                .collect();
            let k = if words_at.is_empty() {
                i
            } else {
                *rng.pick(&words_at)
            };
            toks[k] = rng.pick(words).to_string();
        }
        _ => {
            let punct_at: Vec<usize> = (0..n)
                .filter(|&k| toks[k].len() == 1 && toks[k].as_bytes()[0].is_ascii_punctuation())
                .collect();
            let k = if punct_at.is_empty() {
                i
            } else {
                *rng.pick(&punct_at)
            };
            toks[k] = (*rng.pick(punct) as char).to_string();
        }
    }
    *data = toks.concat().into_bytes();
}

/// `n` rounds of edits, each a token edit or a byte edit (more often the
/// former: they get past the lexer).
pub fn mutate(rng: &mut Rng, data: &mut Vec<u8>, words: &[&str], punct: &[u8]) {
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        if rng.below(5) < 3 {
            tokens_edit(rng, data, words, punct);
        } else {
            bytes(rng, data);
        }
    }
}
