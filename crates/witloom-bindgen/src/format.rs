//! The formatted layout of generated code, written directly: the
//! generator's lines, indented by brackets ([`crate::source::indent`]'s
//! rule), and a line over [`WIDTH`] columns broken the way rustfmt breaks
//! one: a list one item per line, a block one statement per line, a
//! `where` clause one predicate per line (long bounds one `+` per line).
//! One linear pass over tokens per line; no parse, no syntax tree. That
//! the result is the same Rust is tested (the text parses to the same
//! tokens) and the goldens show the layout.

/// The widest line, as rustfmt's default.
pub const WIDTH: usize = 100;

const INDENT: &str = "    ";

/// `raw` laid out: indented, long lines broken.
///
/// Indentation is one level per line that opens brackets, however many it
/// opens (`Ok(Self {` indents its fields once, as rustfmt does); a level
/// ends when the brackets its line opened are all closed.
pub fn format(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + raw.len() / 2);
    // Per open level: how many brackets its line left open.
    let mut levels: Vec<usize> = Vec::new();
    for line in raw.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let scan = scan(line);
        close(&mut levels, scan.leading_closers);
        emit(line, levels.len(), &mut out);
        // What the rest of the line opens (or closes) beyond its leading
        // closers.
        let rest = scan.balance + scan.leading_closers as isize;
        if rest > 0 {
            levels.push(rest as usize);
        } else {
            close(&mut levels, rest.unsigned_abs());
        }
    }
    out
}

/// Closes `n` brackets, ending the levels they empty.
fn close(levels: &mut Vec<usize>, mut n: usize) {
    while n > 0 {
        let Some(top) = levels.last_mut() else { return };
        let k = n.min(*top);
        *top -= k;
        n -= k;
        if *top == 0 {
            levels.pop();
        }
    }
}

/// Writes `line` at `depth`, broken when it is too wide.
fn emit(line: &str, depth: usize, out: &mut String) {
    let line = line.trim();
    if line.is_empty() {
        return;
    }
    // Bytes bound characters: most lines fit without counting.
    let room = WIDTH.saturating_sub(depth * INDENT.len());
    if line.len() <= room || line.chars().count() <= room {
        push(line, depth, out);
        return;
    }
    if let Some(wrapped) = wrap_comment(line, depth) {
        for l in wrapped {
            push(&l, depth, out);
        }
        return;
    }
    if let Some(parts) = split_where(line) {
        for (text, extra) in parts {
            emit(&text, depth + extra, out);
        }
        return;
    }
    if let Some(parts) = split(line) {
        emit_split(parts, depth, out);
        return;
    }
    if let Some(bounds) = split_bounds(line) {
        for (i, b) in bounds.iter().enumerate() {
            emit(b, depth + usize::from(i > 0), out);
        }
        return;
    }
    if let Some(parts) = split_generics(line) {
        emit_split(parts, depth, out);
        return;
    }
    // `type A = long::path;`: the right-hand side on the next line.
    if let Some(at) = line
        .contains(" = ")
        .then(|| top_level(line, " = "))
        .flatten()
    {
        emit(&line[..at + 2], depth, out);
        emit(&line[at + 3..], depth + 1, out);
        return;
    }
    // Nothing to break at (a long string): as it is.
    push(line, depth, out);
}

/// A broken line: its head, its items one deeper, its tail.
fn emit_split(Split { head, items, tail }: Split, depth: usize, out: &mut String) {
    emit(head, depth, out);
    for item in items {
        emit(&item, depth + 1, out);
    }
    emit(tail, depth, out);
}

fn push(line: &str, depth: usize, out: &mut String) {
    const SPACES: &str = "                                                                ";
    let mut n = depth * INDENT.len();
    while n > 0 {
        let k = n.min(SPACES.len());
        out.push_str(&SPACES[..k]);
        n -= k;
    }
    out.push_str(line);
    out.push('\n');
}

/// What one line opens and closes.
struct Scan {
    /// Closing brackets before anything else on the line.
    leading_closers: usize,
    /// Opened minus closed.
    balance: isize,
}

fn scan(line: &str) -> Scan {
    let leading_closers = line
        .bytes()
        .take_while(|b| matches!(b, b'}' | b')' | b']'))
        .count();
    let mut balance = 0;
    each_token(line, |t| match t.kind {
        Kind::Open => balance += 1,
        Kind::Close => balance -= 1,
        _ => {}
    });
    Scan {
        leading_closers,
        balance,
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// `(`, `[` or `{`.
    Open,
    Close,
    Comma,
    Semi,
    /// `<` of generics (not `<=`, `<<`).
    Lt,
    /// `>` of generics (not `->`, `=>`, `>=`).
    Gt,
    /// `|` around a closure's parameters (not `||`).
    Pipe,
    Other,
}

#[derive(Clone, Copy, Debug)]
struct Token {
    kind: Kind,
    /// Byte offset in the line.
    at: usize,
    byte: u8,
}

/// The structural tokens of `line`, skipping string and char literals
/// (and so the brackets inside them); lifetimes are not char literals.
fn tokens(line: &str) -> Vec<Token> {
    let mut out = Vec::new();
    each_token(line, |t| out.push(t));
    out
}

/// Calls `f` with each structural token of `line` (and `!`), in order,
/// allocating nothing: most lines only need their bracket balance.
fn each_token(line: &str, mut f: impl FnMut(Token)) {
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let kind = match c {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                None
            }
            b'\'' => {
                // 'x', '\n', '\u{..}' are chars; 'a and '_ are lifetimes.
                if b.get(i + 1) == Some(&b'\\') {
                    // Past the escape (`'\''` escapes the quote itself).
                    i += 3;
                    while i < b.len() && b[i] != b'\'' {
                        i += 1;
                    }
                } else if let Some(len) = line[i + 1..].chars().next().map(char::len_utf8)
                    && b.get(i + 1 + len) == Some(&b'\'')
                {
                    i += 1 + len;
                }
                None
            }
            b'(' | b'[' | b'{' => Some(Kind::Open),
            b')' | b']' | b'}' => Some(Kind::Close),
            b',' => Some(Kind::Comma),
            b';' => Some(Kind::Semi),
            // Generated code compares nothing: every `<` and `>` but
            // `<=`, `>=`, `->` and `=>` is a generic bracket.
            b'<' if b.get(i + 1) != Some(&b'=') => Some(Kind::Lt),
            b'|' if b.get(i + 1) == Some(&b'|') => {
                i += 1;
                None
            }
            b'|' => Some(Kind::Pipe),
            b'>' if i > 0 && !matches!(b[i - 1], b'-' | b'=') && b.get(i + 1) != Some(&b'=') => {
                Some(Kind::Gt)
            }
            b'!' => Some(Kind::Other),
            _ => None,
        };
        if let Some(kind) = kind {
            f(Token {
                kind,
                at: i,
                byte: c,
            });
        }
        i += 1;
    }
}

/// A line broken at one group: the text up to and with its opening
/// bracket, its items (each with its separator), and the rest from its
/// closing bracket.
struct Split<'a> {
    head: &'a str,
    items: Vec<String>,
    tail: &'a str,
}

/// One bracket group complete within the line.
struct Group {
    open: usize,
    close: usize,
    /// Separators directly inside, outside nested groups.
    commas: Vec<usize>,
    semis: Vec<usize>,
    /// Whether `!` precedes it (a macro's arguments: no trailing comma).
    macro_args: bool,
}

/// Breaks `line` at the group that shortens it most: among the outermost
/// groups that have separators, a block of statements first, then the
/// longest list; a group without separators is looked into instead.
fn split(line: &str) -> Option<Split<'_>> {
    let toks = tokens(line);
    let groups = groups(&toks);
    let (g, params) = choose(line, &groups, &groups_at(&groups, None))?;
    let content = &line[g.open + 1..g.close];
    let items = if params {
        vec![format!("{},", content.trim())]
    } else if !g.semis.is_empty() {
        let mut items = Vec::new();
        let mut start = g.open + 1;
        for &s in &g.semis {
            items.push(line[start..=s].trim().to_string());
            start = s + 1;
        }
        let rest = line[start..g.close].trim();
        if !rest.is_empty() {
            items.push(rest.to_string());
        }
        items
    } else if !g.commas.is_empty() {
        let mut parts = Vec::new();
        let mut start = g.open + 1;
        for &c in &g.commas {
            parts.push(line[start..c].trim());
            start = c + 1;
        }
        let last = line[start..g.close].trim();
        let trailing = last.is_empty();
        if !trailing {
            parts.push(last);
        }
        let n = parts.len();
        parts
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                // A trailing comma is kept where there was one (`(x,)` is a
                // tuple); one is added after every item but a macro's last.
                if i + 1 < n || trailing || !g.macro_args {
                    format!("{p},")
                } else {
                    p.to_string()
                }
            })
            .collect()
    } else {
        vec![content.trim().to_string()]
    };
    Some(Split {
        head: &line[..=g.open],
        items,
        tail: &line[g.close..],
    })
}

/// Every group complete within the tokens, with its parent.
fn groups(toks: &[Token]) -> Vec<(Group, Option<usize>)> {
    let mut out: Vec<(Group, Option<usize>)> = Vec::new();
    // Open groups: (index into `out` once closed is unknown, so keep
    // the opening token and the separators seen so far).
    struct Open {
        at: usize,
        commas: Vec<usize>,
        semis: Vec<usize>,
        macro_args: bool,
        children: Vec<usize>,
        angle: usize,
        /// Inside a closure's `|…|`, whose commas separate nothing here.
        params: bool,
    }
    let mut stack: Vec<Open> = Vec::new();
    let mut prev: Option<Token> = None;
    for t in toks {
        match t.kind {
            Kind::Open => stack.push(Open {
                at: t.at,
                commas: Vec::new(),
                semis: Vec::new(),
                macro_args: prev.is_some_and(|p| p.byte == b'!' && p.at + 1 == t.at),
                children: Vec::new(),
                angle: 0,
                params: false,
            }),
            Kind::Close => {
                if let Some(open) = stack.pop() {
                    let index = out.len();
                    for c in &open.children {
                        out[*c].1 = Some(index);
                    }
                    out.push((
                        Group {
                            open: open.at,
                            close: t.at,
                            commas: open.commas,
                            semis: open.semis,
                            macro_args: open.macro_args,
                        },
                        None,
                    ));
                    if let Some(parent) = stack.last_mut() {
                        parent.children.push(index);
                    }
                }
            }
            // Commas inside generics (`Result<T, E>`) separate nothing
            // here.
            Kind::Lt => {
                if let Some(top) = stack.last_mut() {
                    top.angle += 1;
                }
            }
            Kind::Gt => {
                if let Some(top) = stack.last_mut() {
                    top.angle = top.angle.saturating_sub(1);
                }
            }
            Kind::Pipe => {
                if let Some(top) = stack.last_mut() {
                    top.params = !top.params;
                }
            }
            Kind::Comma => {
                if let Some(top) = stack.last_mut()
                    && top.angle == 0
                    && !top.params
                {
                    top.commas.push(t.at);
                }
            }
            Kind::Semi => {
                if let Some(top) = stack.last_mut() {
                    top.semis.push(t.at);
                }
            }
            Kind::Other => {}
        }
        prev = Some(*t);
    }
    // Groups still open at the end of the line have no parent here; their
    // children are outermost within the line.
    out
}

/// The groups whose parent is `parent`.
fn groups_at(groups: &[(Group, Option<usize>)], parent: Option<usize>) -> Vec<usize> {
    (0..groups.len())
        .filter(|i| groups[*i].1 == parent)
        .collect()
}

/// Of the sibling groups `at`: a block of statements, else the longest
/// list, else a block (a body on lines of its own), else a function's
/// parameter list; with none of them, the same choice inside the longest.
fn choose<'g>(
    line: &str,
    groups: &'g [(Group, Option<usize>)],
    at: &[usize],
) -> Option<(&'g Group, bool)> {
    let len = |i: &usize| groups[*i].0.close - groups[*i].0.open;
    let best = |keep: &dyn Fn(&Group) -> bool| {
        at.iter()
            .filter(|i| keep(&groups[**i].0))
            .max_by_key(|i| len(i))
            .map(|i| &groups[*i].0)
    };
    if let Some(g) = best(&|g| !g.semis.is_empty()) {
        return Some((g, false));
    }
    if let Some(g) = best(&|g| !g.commas.is_empty()) {
        return Some((g, false));
    }
    if let Some(g) = best(&|g| line.as_bytes()[g.open] == b'{' && g.close > g.open + 1) {
        return Some((g, false));
    }
    // `fn f(&mut self)`, `f(x)`: one argument, on a line of its own, with
    // the trailing comma rustfmt gives it (an argument or parameter list
    // takes one; a parenthesized expression or a tuple type would not).
    if let Some(g) = best(&|g| g.close > g.open + 1 && call_like(line, g)) {
        return Some((g, true));
    }
    let longest = at.iter().max_by_key(|i| len(i))?;
    choose(line, groups, &groups_at(groups, Some(*longest)))
}

/// Whether group `g` is the parentheses of a call or a parameter list:
/// `(` right after a name or `>` (`f(`, `fn f(`, `Vec::<u8>::new(`), not
/// after `!` (a macro takes no added comma).
fn call_like(line: &str, g: &Group) -> bool {
    let b = line.as_bytes();
    // An attribute's arguments may take no added comma
    // (`#[component(name = "x")]`).
    if line.starts_with("#[") || line[g.open + 1..g.close].trim().is_empty() {
        return false;
    }
    let word = line[..g.open]
        .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .next()
        .unwrap_or("");
    // `if (x)`, `return (x)`, `pub(crate)`: a parenthesized expression or a
    // visibility, not arguments.
    let keyword = matches!(
        word,
        "if" | "while" | "match" | "return" | "in" | "as" | "pub" | "break" | "let"
    );
    b[g.open] == b'('
        && g.open > 0
        && !keyword
        && (b[g.open - 1].is_ascii_alphanumeric() || matches!(b[g.open - 1], b'_' | b'>'))
}

/// A long generic argument list (`Option<Result<A, B>>`) broken like a
/// call's: its arguments one per line. Only `Name<…>` lists (after a
/// name: generics, which take a trailing comma), never a qualified path's
/// `<T as Trait>`; the one with top-level commas, else the outermost.
fn split_generics(line: &str) -> Option<Split<'_>> {
    let b = line.as_bytes();
    let toks = tokens(line);
    // (open, close, commas) of each complete `<…>`, with its depth.
    let mut stack: Vec<(usize, Vec<usize>)> = Vec::new();
    let mut found: Vec<(usize, usize, Vec<usize>, usize)> = Vec::new();
    let mut brackets = 0usize;
    for t in &toks {
        match t.kind {
            Kind::Lt => stack.push((t.at, Vec::new())),
            Kind::Gt => {
                if let Some((open, commas)) = stack.pop() {
                    found.push((open, t.at, commas, stack.len()));
                }
            }
            Kind::Comma if brackets == 0 => {
                if let Some(top) = stack.last_mut() {
                    top.1.push(t.at);
                }
            }
            Kind::Open => brackets += 1,
            Kind::Close => brackets = brackets.saturating_sub(1),
            _ => {}
        }
    }
    let named =
        |open: usize| open > 0 && (b[open - 1].is_ascii_alphanumeric() || b[open - 1] == b'_');
    let candidates: Vec<_> = found
        .iter()
        .filter(|(open, close, ..)| named(*open) && close > &(open + 1))
        .collect();
    let pick = candidates
        .iter()
        .filter(|(_, _, commas, _)| !commas.is_empty())
        .min_by_key(|(_, _, _, depth)| *depth)
        .or_else(|| candidates.iter().min_by_key(|(_, _, _, depth)| *depth))?;
    let (open, close, commas, _) = pick;
    let mut items = Vec::new();
    let mut start = open + 1;
    for &c in commas {
        items.push(format!("{},", line[start..c].trim()));
        start = c + 1;
    }
    let last = line[start..*close].trim();
    if !last.is_empty() {
        items.push(format!("{last},"));
    }
    Some(Split {
        head: &line[..=*open],
        items,
        tail: &line[*close..],
    })
}

/// A `//` or `///` comment too wide for its line, wrapped at spaces.
fn wrap_comment(line: &str, depth: usize) -> Option<Vec<String>> {
    let marker = ["/// ", "// "].into_iter().find(|m| line.starts_with(m))?;
    let width = WIDTH
        .saturating_sub(depth * INDENT.len() + marker.len())
        .max(20);
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in line[marker.len()..].split(' ') {
        if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > width {
            lines.push(format!("{marker}{current}"));
            current.clear();
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    lines.push(format!("{marker}{current}"));
    Some(lines)
}

/// A signature's `where` clause on lines of its own: the text before it,
/// `where`, each predicate (one deeper), and the `{` that opens the body.
fn split_where(line: &str) -> Option<Vec<(String, usize)>> {
    if !line.contains("where ") {
        return None;
    }
    let (before, clause) = match line.strip_prefix("where ") {
        Some(clause) => ("", clause),
        None => {
            let at = top_level(line, " where ")?;
            (&line[..at], &line[at + " where ".len()..])
        }
    };
    // What follows the clause: a body's `{`, an empty body, or nothing.
    // A declaration's clause ends it: `where Self: Sized;`.
    let (clause, semi) = match clause.strip_suffix(';') {
        Some(c) => (c, true),
        None => (clause, false),
    };
    let (clause, body) = if let Some(c) = clause.strip_suffix(" {}") {
        (c, Some("{}"))
    } else if let Some(c) = clause.strip_suffix(" {") {
        (c, Some("{"))
    } else {
        (clause, None)
    };
    let mut parts = vec![(before.to_string(), 0), ("where".to_string(), 0)];
    let mut start = 0;
    for c in top_level_all(clause, ",") {
        parts.push((format!("{},", clause[start..c].trim()), 1));
        start = c + 1;
    }
    let last = clause[start..].trim();
    if !last.is_empty() {
        parts.push((format!("{last}{}", if semi { ";" } else { "," }), 1));
    }
    if let Some(body) = body {
        parts.push((body.to_string(), 0));
    }
    Some(parts)
}

/// A long bound list (`D: A + B + C,`) one bound per line, each after
/// the first starting with `+`.
fn split_bounds(line: &str) -> Option<Vec<String>> {
    if !line.contains(" + ") {
        return None;
    }
    let pluses = top_level_all(line, " + ");
    if pluses.is_empty() || !line.contains(": ") {
        return None;
    }
    let mut out = Vec::new();
    let mut start = 0;
    for p in pluses {
        out.push(line[start..p].trim().to_string());
        start = p + 1;
    }
    out.push(line[start..].trim().to_string());
    Some(out)
}

/// The first place `pat` occurs outside any bracket, generics and
/// literals.
fn top_level(line: &str, pat: &str) -> Option<usize> {
    top_level_all(line, pat).into_iter().next()
}

fn top_level_all(line: &str, pat: &str) -> Vec<usize> {
    let toks = tokens(line);
    let mut depth: isize = 0;
    // Byte ranges at depth 0, from the structural tokens.
    let mut out = Vec::new();
    let mut last = 0;
    let check = |from: usize, to: usize, out: &mut Vec<usize>| {
        let mut s = from;
        while let Some(i) = line[s..to].find(pat) {
            out.push(s + i);
            s += i + pat.len();
        }
    };
    for t in &toks {
        match t.kind {
            Kind::Open | Kind::Lt => {
                if depth == 0 {
                    check(last, t.at, &mut out);
                }
                depth += 1;
            }
            Kind::Close | Kind::Gt => {
                depth -= 1;
                if depth == 0 {
                    last = t.at + 1;
                }
            }
            Kind::Pipe | Kind::Comma | Kind::Semi | Kind::Other => {}
        }
    }
    if depth == 0 {
        check(last, line.len(), &mut out);
    }
    // A pattern inside a string literal is not structure.
    out.retain(|i| !in_literal(line, *i));
    out
}

/// Whether byte `at` of `line` is inside a string literal.
fn in_literal(line: &str, at: usize) -> bool {
    let b = line.as_bytes();
    let mut inside = false;
    let mut i = 0;
    while i < at.min(b.len()) {
        match b[i] {
            b'\\' if inside => i += 1,
            b'"' => inside = !inside,
            _ => {}
        }
        i += 1;
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<&str> {
        text.lines().collect()
    }

    #[test]
    fn short_lines_are_only_indented() {
        assert_eq!(
            format("pub mod a {\nfn f() {}\n}\n"),
            "pub mod a {\n    fn f() {}\n}\n"
        );
    }

    #[test]
    fn a_long_signature_breaks_its_parameters_and_where_clause() {
        let raw = "pub fn add_to_linker<T, D>(linker: &mut wasmtime::component::Linker<T>, host_getter: fn(&mut T) -> D::Data<'_>) -> wasmtime::Result<()> where D: wasmtime::component::HasData + a::b::HostWithStore<T>, for<'a> D::Data<'a>: a::b::Host, T: 'static {\nOk(())\n}\n";
        assert_eq!(
            lines(&format(raw)),
            [
                "pub fn add_to_linker<T, D>(",
                "    linker: &mut wasmtime::component::Linker<T>,",
                "    host_getter: fn(&mut T) -> D::Data<'_>,",
                ") -> wasmtime::Result<()>",
                "where",
                "    D: wasmtime::component::HasData + a::b::HostWithStore<T>,",
                "    for<'a> D::Data<'a>: a::b::Host,",
                "    T: 'static,",
                "{",
                "    Ok(())",
                "}",
            ]
        );
    }

    #[test]
    fn a_closure_breaks_into_statements_and_literals_stay_whole() {
        let raw = "inst.func_wrap(\"[method]a.b(c)\", move |mut caller: wasmtime::StoreContextMut<'_, T>, (arg0,): (String,)| { let host = &mut host_getter(caller.data_mut()); let r = Host::get(host, arg0); Ok((r,)) })?;\n";
        assert_eq!(
            lines(&format(raw)),
            [
                "inst.func_wrap(",
                "    \"[method]a.b(c)\",",
                "    move |mut caller: wasmtime::StoreContextMut<'_, T>, (arg0,): (String,)| {",
                "        let host = &mut host_getter(caller.data_mut());",
                "        let r = Host::get(host, arg0);",
                "        Ok((r,))",
                "    },",
                ")?;",
            ]
        );
    }

    #[test]
    fn macros_get_no_trailing_comma_and_tuples_keep_theirs() {
        let raw = "tracing::event!(tracing::Level::TRACE, entries = tracing::field::debug(\"...\"), tags = tracing::field::debug(&arg1), \"call\");\n";
        let out = format(raw);
        assert!(out.contains("\n    \"call\"\n);"), "{out}");
        let raw = format!("let x: ({},) = f();\n", "a".repeat(120));
        assert!(format(&raw).contains(",\n) = f();"), "{}", format(&raw));
    }

    #[test]
    fn one_level_per_line_however_many_it_opens() {
        assert_eq!(
            format("Ok(Self {\na: 1,\n})\n"),
            "Ok(Self {\n    a: 1,\n})\n"
        );
    }

    #[test]
    fn a_body_and_a_lone_parameter_go_on_lines_of_their_own() {
        let raw = format!(
            "fn new_(&mut self) -> wasmtime::Result<wasmtime::component::Resource<{}>> {{ HostIndices::new_(*self) }}\n",
            "I".repeat(20)
        );
        let out = format(&raw);
        assert!(out.starts_with("fn new_(&mut self) -> "), "{out}");
        assert!(
            out.contains(" {\n    HostIndices::new_(*self)\n}\n"),
            "{out}"
        );
        let raw = format!("fn f(&mut self) -> {};\n", "R".repeat(100));
        assert!(
            format(&raw).starts_with("fn f(\n    &mut self,\n) -> "),
            "{}",
            format(&raw)
        );
    }

    #[test]
    fn attributes_and_keywords_get_no_added_comma() {
        let raw = format!("#[component(name = \"{}\")]\n", "x".repeat(100));
        assert_eq!(format(&raw), raw);
        let raw = format!("if (s == \"{}\") {{ x }}\n", "z".repeat(100));
        assert!(!format(&raw).contains(",\n)"), "{}", format(&raw));
    }

    #[test]
    fn chars_and_lifetimes_are_told_apart() {
        let toks = tokens("f('(', 'a, '\\'', '\\'', \"{\")");
        let opens = toks.iter().filter(|t| t.kind == Kind::Open).count();
        assert_eq!(opens, 1);
    }
}
