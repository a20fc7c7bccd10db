//! The http class's requests: one generator per family of damage
//! (request lines, headers, framing, bodies, pipelines, byte mutations,
//! slow clients, and the `--max-body` limit when the binary has it), each
//! making one [`Case`] of bytes to send and how to send them.

use crate::Rng;
use std::time::Duration;

/// One generated request (or several, or a fragment).
#[derive(Debug, Clone)]
pub(super) struct Case {
    /// The family, for messages.
    pub kind: &'static str,
    /// What this instance is, in words.
    pub desc: String,
    /// What is written, in order.
    pub pieces: Vec<Piece>,
    /// Shut the write side after sending: the client gave up mid-request,
    /// so a server waiting for the rest sees the end instead.
    pub half_close: bool,
    /// A slow client, watched on its own thread.
    pub slow: bool,
    /// The status the server promises (`--max-body`: 413).
    pub expect: Option<u16>,
}

#[derive(Debug, Clone)]
pub(super) struct Piece {
    /// Wait this long before writing.
    pub delay: Duration,
    pub bytes: Vec<u8>,
}

impl Case {
    pub fn new(kind: &'static str, desc: impl Into<String>, bytes: Vec<u8>) -> Case {
        Case {
            kind,
            desc: desc.into(),
            pieces: vec![Piece {
                delay: Duration::ZERO,
                bytes,
            }],
            half_close: false,
            slow: false,
            expect: None,
        }
    }

    fn half_closed(mut self) -> Case {
        self.half_close = true;
        self
    }
}

/// A well-formed GET, the base most damage starts from.
fn get(path: &str, extra: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n").into_bytes()
}

fn post(headers: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n").into_bytes();
    out.extend_from_slice(body);
    out
}

fn concat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// One case, by family; the family is picked by weight.
pub(super) fn generate(rng: &mut Rng, port: u16, max_body: Option<u64>) -> Case {
    type Gen = fn(&mut Rng, u16) -> Case;
    let mut families: Vec<(u32, Gen)> = vec![
        (3, request_line),
        (2, version),
        (2, uri_form),
        (2, long_uri),
        (3, control_bytes),
        (2, line_endings),
        (2, big_headers),
        (3, header_names),
        (2, obs_fold),
        (3, content_length),
        (3, transfer_encoding),
        (3, chunks),
        (2, host),
        (3, bodies),
        (2, pipelined),
        (1, expect_upgrade),
        (4, mutated),
        (1, slow_client),
    ];
    if max_body.is_some() {
        families.push((3, limit_case));
    }
    let total: u32 = families.iter().map(|(w, _)| w).sum();
    let mut at = rng.below(total as usize) as u32;
    for (w, family) in &families {
        if at < *w {
            return family(rng, port);
        }
        at -= w;
    }
    request_line(rng, port)
}

fn request_line(rng: &mut Rng, _: u16) -> Case {
    let long = "A".repeat(10_000);
    let methods: [&[u8]; 12] = [
        b"",
        b"G\x00T",
        b"GE T",
        b"get",
        b"FOOBARBAZ",
        b"CONNECT",
        b"TRACE",
        b"\x16\x03\x01\x02\x00",
        "GÉT".as_bytes(),
        long.as_bytes(),
        b"DELETE",
        b"M-SEARCH",
    ];
    let m = rng.below(methods.len());
    let bytes = concat(&[methods[m], b" / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"]);
    Case::new(
        "request-line/method",
        format!(
            "method {:?}",
            String::from_utf8_lossy(&methods[m][..methods[m].len().min(40)])
        ),
        bytes,
    )
}

fn version(rng: &mut Rng, _: u16) -> Case {
    match rng.below(4) {
        0 => Case::new(
            "request-line/no-version",
            "GET / with no version",
            b"GET /\r\nHost: 127.0.0.1\r\n\r\n".to_vec(),
        ),
        1 => Case::new(
            "request-line/http0.9",
            "HTTP/0.9 simple request",
            b"GET /\r\n".to_vec(),
        )
        .half_closed(),
        2 => {
            let preface = concat(&[
                b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
                // An empty SETTINGS frame, as a real HTTP/2 client sends next.
                &[0, 0, 0, 4, 0, 0, 0, 0, 0],
            ]);
            Case::new(
                "request-line/h2-preface",
                "HTTP/2 connection preface and SETTINGS",
                preface,
            )
        }
        _ => {
            let versions = [
                "HTTP/1.2",
                "HTTP/2.0",
                "HTTP/9.9",
                "HTTP/1.1.1",
                "http/1.1",
                "HTTP/01.1",
                "HTTP/1",
                "HTTP/1.0",
                "HTTPS/1.1",
                "HTTP/1.1 extra",
            ];
            let v = rng.pick(&versions);
            Case::new(
                "request-line/version",
                format!("version {v:?}"),
                format!("GET / {v}\r\nHost: 127.0.0.1\r\n\r\n").into_bytes(),
            )
        }
    }
}

fn uri_form(rng: &mut Rng, port: u16) -> Case {
    let targets = [
        "http://example.com/x".to_string(),
        format!("http://127.0.0.1:{port}/"),
        "https://[::1]:99999/".to_string(),
        "foo://x".to_string(),
        "example.com:443".to_string(),
        "*".to_string(),
        "//double/slash".to_string(),
        "http://user:pass@host/".to_string(),
        "?only=query".to_string(),
        "#frag".to_string(),
        "/%00".to_string(),
        "/%".to_string(),
        "/%zz".to_string(),
        "/%2e%2e/%2e%2e/etc/passwd".to_string(),
        "/../../../../etc/passwd".to_string(),
        "/\u{202e}txt.exe".to_string(),
    ];
    let methods = ["GET", "CONNECT", "OPTIONS", "POST"];
    let t = rng.pick(&targets).clone();
    let m = rng.pick(&methods);
    Case::new(
        "request-line/uri-form",
        format!("{m} {t}"),
        format!("{m} {t} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").into_bytes(),
    )
}

fn long_uri(rng: &mut Rng, _: u16) -> Case {
    let sizes = [8 << 10, 64 << 10, 65 << 10, 1 << 20];
    let n = *rng.pick(&sizes);
    let path = match rng.below(3) {
        0 => format!("/{}", "a".repeat(n)),
        1 => format!("/?q={}", "%41".repeat(n / 3)),
        _ => "/..".repeat(n / 3),
    };
    Case::new(
        "request-line/long-uri",
        format!("URI of {} bytes", path.len()),
        get(&path, ""),
    )
}

fn control_bytes(rng: &mut Rng, _: u16) -> Case {
    let bytes = [
        0x00u8, 0x01, 0x7f, 0x1b, 0x08, 0x0b, 0x0c, 0xff, 0x80, b'\r', b'\n', b' ',
    ];
    let mut req = get("/path", "X-A: b\r\n");
    let head_len = req.len() - 2;
    let count = 1 + rng.below(3);
    let mut what = Vec::new();
    for _ in 0..count {
        let b = *rng.pick(&bytes);
        let at = rng.below(head_len);
        req.insert(at, b);
        what.push(format!("{b:#04x}@{at}"));
    }
    // An inserted line break can leave the head unfinished.
    Case::new(
        "request-line/control-bytes",
        format!("inserted {}", what.join(", ")),
        req,
    )
    .half_closed()
}

fn line_endings(rng: &mut Rng, _: u16) -> Case {
    let req = get("/", "X-A: b\r\n");
    let text = String::from_utf8_lossy(&req).into_owned();
    match rng.below(3) {
        0 => Case::new(
            "framing/bare-lf",
            "every line ends in LF alone",
            text.replace("\r\n", "\n").into_bytes(),
        ),
        1 => Case::new(
            "framing/bare-cr",
            "every line ends in CR alone",
            text.replace("\r\n", "\r").into_bytes(),
        )
        .half_closed(),
        _ => Case::new(
            "framing/leading-blank",
            "empty lines before the request",
            concat(&[b"\r\n\r\n\r\n", &req]),
        ),
    }
}

fn big_headers(rng: &mut Rng, _: u16) -> Case {
    match rng.below(4) {
        0 => Case::new(
            "headers/1MB-value",
            "one header value of 1 MiB",
            get("/", &format!("X-Big: {}\r\n", "v".repeat(1 << 20))),
        ),
        1 => {
            let many: String = (0..10_000).map(|i| format!("X-H{i}: {i}\r\n")).collect();
            Case::new("headers/10000", "10,000 distinct headers", get("/", &many))
        }
        2 => {
            let many = "X-Same: 1\r\n".repeat(10_000);
            Case::new(
                "headers/10000-same",
                "10,000 copies of one header",
                get("/", &many),
            )
        }
        _ => Case::new(
            "headers/64KB-name",
            "one header name of 64 KiB",
            get("/", &format!("{}: v\r\n", "N".repeat(64 << 10))),
        ),
    }
}

fn header_names(rng: &mut Rng, _: u16) -> Case {
    let lines = [
        "Bad Name: x",
        "Bad:Name:: x",
        ": empty-name",
        "\0x: y",
        "Name : space-before-colon",
        "Nämé: utf8",
        "(x): y",
        "no-colon-at-all",
        "X-Cr: a\rb",
        "X-Nul: a\0b",
        "X-Esc: \x1b[31mred",
        "X-Del: \x7f",
        "X-Latin1: \u{ff}",
    ];
    let l = rng.pick(&lines);
    Case::new(
        "headers/invalid",
        format!("header line {l:?}"),
        get("/", &format!("{l}\r\n")),
    )
}

fn obs_fold(rng: &mut Rng, _: u16) -> Case {
    let folds = [
        "X-Folded: a\r\n b\r\n",
        "X-Folded: a\r\n\tb\r\n",
        "Content-Length: 0\r\n 5\r\n",
        " leading-space: x\r\n",
    ];
    let f = rng.pick(&folds);
    Case::new(
        "headers/obs-fold",
        format!("folded header {f:?}"),
        get("/", f),
    )
}

fn content_length(rng: &mut Rng, _: u16) -> Case {
    let variants = [
        "Content-Length: 5\r\nContent-Length: 5\r\n",
        "Content-Length: 5\r\nContent-Length: 6\r\n",
        "Content-Length: 5, 6\r\n",
        "Content-Length: 5, 5\r\n",
        "Content-Length: -1\r\n",
        "Content-Length: +5\r\n",
        "Content-Length: 0x5\r\n",
        "Content-Length:  5 \r\n",
        "Content-Length: 99999999999999999999999\r\n",
        "Content-Length: 18446744073709551615\r\n",
        "Content-Length: 9223372036854775808\r\n",
        "Content-Length: \r\n",
        "Content-Length: 5\0\r\n",
    ];
    let v = rng.pick(&variants);
    Case::new(
        "framing/content-length",
        format!("{v:?} with body \"hello\""),
        post(v, b"hello"),
    )
    .half_closed()
}

fn transfer_encoding(rng: &mut Rng, _: u16) -> Case {
    let body = b"5\r\nhello\r\n0\r\n\r\n";
    let variants = [
        "Content-Length: 15\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n",
        "Transfer-Encoding: chunked, identity\r\n",
        "Transfer-Encoding: gzip, chunked\r\n",
        "Transfer-Encoding: identity\r\n",
        "Transfer-Encoding: Chunked\r\n",
        "Transfer-Encoding: xchunked\r\n",
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n",
        "Transfer-Encoding:\tchunked\r\n",
        "Transfer-Encoding: chunked\0\r\n",
    ];
    let v = rng.pick(&variants);
    Case::new(
        "framing/transfer-encoding",
        format!("{v:?} with a 5-byte chunked body"),
        post(v, body),
    )
    .half_closed()
}

fn chunks(rng: &mut Rng, _: u16) -> Case {
    let bodies: [&[u8]; 12] = [
        b"zz\r\nhello\r\n0\r\n\r\n",
        b"-1\r\nhello\r\n0\r\n\r\n",
        b"ffffffffffffffff\r\nhello",
        b"10000000000000000\r\nhello\r\n0\r\n\r\n",
        b"7fffffffffffffff\r\nhello",
        b"5;ext=\"unterminated\r\nhello\r\n0\r\n\r\n",
        b"5\r\nhelloXX0\r\n\r\n",
        b"5\r\nhel",
        b"5\r\nhello\r\n0\r\nBad Trailer\r\n\r\n",
        b"5\nhello\n0\n\n",
        b" 5\r\nhello\r\n0\r\n\r\n",
        b"0000000000000000000000000000005\r\nhello\r\n0\r\n\r\n",
    ];
    let i = rng.below(bodies.len() + 2);
    let (desc, body) = match i {
        n if n < bodies.len() => (
            format!("chunked body {:?}", String::from_utf8_lossy(bodies[n])),
            bodies[n].to_vec(),
        ),
        n if n == bodies.len() => {
            let ext = format!("1;{}\r\nx\r\n0\r\n\r\n", "e".repeat(1 << 20));
            ("a 1 MiB chunk extension".to_string(), ext.into_bytes())
        }
        _ => {
            let mut many = b"1\r\nx\r\n".repeat(100_000);
            many.extend_from_slice(b"0\r\n\r\n");
            ("100,000 one-byte chunks".to_string(), many)
        }
    };
    Case::new(
        "framing/chunks",
        desc,
        post("Transfer-Encoding: chunked\r\n", &body),
    )
    .half_closed()
}

fn host(rng: &mut Rng, _: u16) -> Case {
    let long = format!("Host: {}\r\n", "h".repeat(64 << 10));
    let variants = [
        "",
        "Host: a\r\nHost: b\r\n",
        "Host: \r\n",
        "Host: a\0b\r\n",
        "Host: [::1\r\n",
        "Host: 127.0.0.1:99999\r\n",
        "Host: user@evil\r\n",
        long.as_str(),
    ];
    let v = rng.pick(&variants);
    let req = format!("GET / HTTP/1.1\r\n{v}\r\n").into_bytes();
    Case::new(
        "headers/host",
        format!("host header(s) {:?}", &v[..v.len().min(60)]),
        req,
    )
}

fn bodies(rng: &mut Rng, _: u16) -> Case {
    match rng.below(6) {
        0 => Case::new(
            "body/short",
            "Content-Length 1000, 10 bytes sent",
            post("Content-Length: 1000\r\n", b"0123456789"),
        ),
        1 => Case::new(
            "body/short-eof",
            "Content-Length 1000, 10 bytes sent, then EOF",
            post("Content-Length: 1000\r\n", b"0123456789"),
        )
        .half_closed(),
        2 => Case::new(
            "body/long",
            "Content-Length 5, 1000 bytes sent",
            post("Content-Length: 5\r\n", &[b'x'; 1000]),
        ),
        3 => {
            let body = vec![b'b'; 16 << 20];
            Case::new(
                "body/16MB",
                "a 16 MiB body with its Content-Length",
                post(&format!("Content-Length: {}\r\n", body.len()), &body),
            )
        }
        4 => {
            let mut body = Vec::with_capacity((16 << 20) + 64);
            for _ in 0..256 {
                body.extend_from_slice(b"10000\r\n");
                body.extend_from_slice(&[b'c'; 0x10000]);
                body.extend_from_slice(b"\r\n");
            }
            body.extend_from_slice(b"0\r\n\r\n");
            Case::new(
                "body/16MB-chunked",
                "a 16 MiB chunked body",
                post("Transfer-Encoding: chunked\r\n", &body),
            )
        }
        _ => Case::new(
            "body/unframed",
            "POST with neither length nor chunking, bytes, EOF",
            post("", b"unframed body bytes"),
        )
        .half_closed(),
    }
}

fn pipelined(rng: &mut Rng, _: u16) -> Case {
    let n = 2 + rng.below(49);
    match rng.below(3) {
        0 => Case::new(
            "pipeline/valid",
            format!("{n} GETs in one write"),
            get("/", "").repeat(n),
        ),
        1 => {
            let bytes = concat(&[&get("/", ""), b"BAD REQUEST LINE\r\n\r\n", &get("/", "")]);
            Case::new("pipeline/mixed", "GET, a bad request line, GET", bytes)
        }
        _ => {
            // The body of the first hides a second request if the framing
            // is read two ways.
            let inner = get("/smuggled", "");
            let bytes = concat(&[
                &post(
                    &format!(
                        "Content-Length: {}\r\nTransfer-Encoding: chunked\r\n",
                        inner.len() + 5
                    ),
                    b"0\r\n\r\n",
                ),
                &inner,
            ]);
            Case::new(
                "pipeline/smuggle",
                "CL and TE disagree over where a second request starts",
                bytes,
            )
        }
    }
}

fn expect_upgrade(rng: &mut Rng, _: u16) -> Case {
    let variants = [
        "Expect: 100-continue\r\nContent-Length: 5\r\n",
        "Expect: 999-weird\r\nContent-Length: 5\r\n",
        "Connection: Upgrade\r\nUpgrade: websocket\r\nContent-Length: 5\r\n",
        "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\nContent-Length: 5\r\n",
        "Connection: close, close, keep-alive\r\nContent-Length: 5\r\n",
    ];
    let v = rng.pick(&variants);
    Case::new(
        "headers/expect-upgrade",
        format!("{v:?}"),
        post(v, b"hello"),
    )
}

/// Random byte damage of a valid request: flips, inserts, deletions and
/// repeats, 1 to 8 of them.
fn mutated(rng: &mut Rng, _: u16) -> Case {
    let bases = [
        get("/a/b?c=d", "Accept: */*\r\nUser-Agent: fuzz\r\n"),
        post("Content-Length: 5\r\n", b"hello"),
        post("Transfer-Encoding: chunked\r\n", b"5\r\nhello\r\n0\r\n\r\n"),
    ];
    let mut req = rng.pick(&bases).clone();
    let n = 1 + rng.below(8);
    let mut what = Vec::new();
    for _ in 0..n {
        if req.is_empty() {
            break;
        }
        let at = rng.below(req.len());
        match rng.below(4) {
            0 => {
                let bit = 1u8 << rng.below(8);
                req[at] ^= bit;
                what.push(format!("flip {bit:#x}@{at}"));
            }
            1 => {
                let b = (rng.next_u64() & 0xff) as u8;
                req.insert(at, b);
                what.push(format!("insert {b:#04x}@{at}"));
            }
            2 => {
                req.remove(at);
                what.push(format!("delete @{at}"));
            }
            _ => {
                let len = (1 + rng.below(16)).min(req.len() - at);
                let slice = req[at..at + len].to_vec();
                let times = 1 + rng.below(64);
                for _ in 0..times {
                    req.splice(at..at, slice.iter().copied());
                }
                what.push(format!("repeat {len} bytes x{times}@{at}"));
            }
        }
    }
    Case::new("mutated", what.join(", "), req).half_closed()
}

/// One byte every 100 ms for a few bytes, then silence. Half the time it
/// is a request head (which the header timeout must end), half the time a
/// complete head whose body stalls.
fn slow_client(rng: &mut Rng, _: u16) -> Case {
    let (kind, bytes): (&'static str, Vec<u8>) = match rng.below(2) {
        0 => ("slow/head", b"GET / HTTP/1.1\r\nHo".to_vec()),
        _ => ("slow/body", post("Content-Length: 1000\r\n", b"")),
    };
    let n = 3 + rng.below(6);
    let mut pieces: Vec<Piece> = Vec::new();
    match kind {
        "slow/head" => {
            for &b in bytes.iter().take(n) {
                pieces.push(Piece {
                    delay: Duration::from_millis(100),
                    bytes: vec![b],
                });
            }
        }
        _ => {
            pieces.push(Piece {
                delay: Duration::ZERO,
                bytes,
            });
            for _ in 0..n {
                pieces.push(Piece {
                    delay: Duration::from_millis(100),
                    bytes: vec![b'z'],
                });
            }
        }
    }
    Case {
        kind,
        desc: format!("{n} bytes one per 100 ms, then silence"),
        pieces,
        half_close: false,
        slow: true,
        expect: None,
    }
}

/// The `--max-body` limit (1 MiB): a larger declared length is answered
/// 413 before the guest runs; a streamed body is cut at the limit.
fn limit_case(rng: &mut Rng, _: u16) -> Case {
    let limit = super::MAX_BODY as usize;
    match rng.below(6) {
        n @ 0..=2 => {
            let len = limit - 1 + n;
            let mut c = Case::new(
                "limit/content-length",
                format!("Content-Length {len} (limit {limit}), body sent"),
                post(&format!("Content-Length: {len}\r\n"), &vec![b'l'; len]),
            );
            c.expect = (len > limit).then_some(413);
            c
        }
        3 => {
            let mut c = Case::new(
                "limit/huge-declared",
                "Content-Length 10 GiB, no body sent",
                post("Content-Length: 10737418240\r\n", b""),
            );
            c.expect = Some(413);
            c
        }
        4 => {
            let mut c = Case::new(
                "limit/u64-declared",
                "Content-Length 2^64-2, no body sent",
                post("Content-Length: 18446744073709551614\r\n", b""),
            );
            // hyper refuses lengths at u64's top (its own markers for
            // chunked and close-delimited bodies) with 431 before witloom
            // sees the request: refused, too, with no guest run.
            c.expect = Some(431);
            c
        }
        _ => {
            let mut body = Vec::new();
            for _ in 0..32 {
                body.extend_from_slice(b"10000\r\n");
                body.extend_from_slice(&[b's'; 0x10000]);
                body.extend_from_slice(b"\r\n");
            }
            body.extend_from_slice(b"0\r\n\r\n");
            Case::new(
                "limit/chunked-over",
                "a 2 MiB chunked body (limit 1 MiB)",
                post("Transfer-Encoding: chunked\r\n", &body),
            )
        }
    }
}
