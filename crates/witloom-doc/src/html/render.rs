//! Blocks as HTML: headings carry their item's anchor as `id`, signatures
//! are code with every named type linked, doc comments are rendered as
//! the Markdown they are (raw HTML in them shown as text, never run).

use super::{escape, item_page};
use crate::model::{Block, Inline, Line};
use crate::site::Site;
use crate::wit::Pieces;
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use std::fmt::Write as _;

/// How one page writes links: relative to where it is, so the site works
/// from any directory and from `file://`.
pub struct Html<'a> {
    pub site: Option<&'a Site<'a>>,
    /// This page's path in the site (`wasi-io/streams.html`).
    pub page: &'a str,
    /// The page that lists all packages.
    pub index: &'a str,
}

impl Html<'_> {
    pub fn render(&self, blocks: &[Block]) -> String {
        let mut out = String::new();
        let mut sections = Vec::new();
        for block in blocks {
            self.block(block, &mut sections, &mut out);
        }
        for _ in sections {
            out.push_str("</section>\n");
        }
        out
    }

    /// The link from this page to `anchor` on `stem`'s pages.
    fn href(&self, stem: &str, anchor: &str) -> String {
        let target = item_page(stem, anchor);
        let fragment = if anchor.is_empty() {
            String::new()
        } else {
            format!("#{anchor}")
        };
        if target == self.page {
            return fragment;
        }
        let root = "../".repeat(self.page.matches('/').count());
        format!("{root}{target}{fragment}")
    }

    /// `sections`: the heading levels of the item sections open, nested.
    fn block(&self, block: &Block, sections: &mut Vec<usize>, out: &mut String) {
        match block {
            Block::Heading {
                level,
                anchor,
                title,
                item,
            } => {
                let h = (*level).clamp(1, 6);
                // Each documented item below the page's title is a
                // section (a card in the CSS) up to the next heading of its
                // level or above; a resource's methods are inside its own.
                while sections.last().is_some_and(|open| h <= *open) {
                    sections.pop();
                    out.push_str("</section>\n");
                }
                if let Some(item) = item.as_ref().filter(|_| h > 1) {
                    let kind = item.kind.replace(' ', "-");
                    let _ = writeln!(out, "<section class=\"item {kind}\">");
                    sections.push(h);
                }
                match anchor {
                    Some(a) => {
                        let a = escape(a);
                        let _ = writeln!(
                            out,
                            "<h{h} id=\"{a}\">{}<a class=\"anchor\" href=\"#{a}\" aria-label=\"link to this item\">#</a></h{h}>",
                            self.line(title)
                        );
                    }
                    None => {
                        let _ = writeln!(out, "<h{h}>{}</h{h}>", self.line(title));
                    }
                }
            }
            Block::Para(line) => {
                let _ = writeln!(out, "<p>{}</p>", self.line(line));
            }
            Block::Signature(p) => {
                let _ = writeln!(
                    out,
                    "<pre class=\"sig\"><code>{}</code></pre>",
                    self.pieces(p)
                );
            }
            Block::Docs(docs) => {
                let _ = writeln!(out, "<div class=\"docs\">{}</div>", markdown(docs));
            }
            Block::List(lines) => {
                out.push_str("<ul>\n");
                for line in lines {
                    let _ = writeln!(out, "<li>{}</li>", self.line(line));
                }
                out.push_str("</ul>\n");
            }
            Block::Table { head, rows } => {
                out.push_str("<table>\n<thead><tr>");
                for h in head {
                    let _ = write!(out, "<th>{}</th>", escape(h));
                }
                out.push_str("</tr></thead>\n<tbody>\n");
                for row in rows {
                    let _ = write!(out, "<tr><td><code>{}</code></td>", escape(&row.name));
                    for cell in &row.cells {
                        let _ = write!(out, "<td>{}</td>", self.line(cell));
                    }
                    out.push_str("</tr>\n");
                }
                out.push_str("</tbody>\n</table>\n");
            }
            Block::Label(label) => {
                let _ = writeln!(out, "<p class=\"label\">{}</p>", escape(label));
            }
            Block::Graph { svg, .. } => {
                let _ = writeln!(out, "<figure class=\"graph\">\n{svg}</figure>");
            }
        }
    }

    fn line(&self, line: &Line) -> String {
        let mut out = String::new();
        for inline in line {
            match inline {
                Inline::Code(p) => {
                    let _ = write!(out, "<code>{}</code>", self.pieces(p));
                }
                Inline::Text(t) => out.push_str(&escape(t)),
                Inline::Docs(d) => out.push_str(&markdown_inline(d)),
                Inline::Badges(badges) => {
                    for b in badges {
                        let class = b.split([' ', ':']).next().unwrap_or("");
                        let _ = write!(out, " <span class=\"badge {class}\">{}</span>", escape(b));
                    }
                }
                Inline::Link { text, stem, anchor } => {
                    let _ = write!(
                        out,
                        "<a href=\"{}\"><code>{}</code></a>",
                        escape(&self.href(stem, anchor)),
                        escape(text)
                    );
                }
                Inline::Package { text, stem } => {
                    let _ = write!(
                        out,
                        "<a href=\"{}\"><code>{}</code></a>",
                        escape(&self.href(stem, "")),
                        escape(text)
                    );
                }
                Inline::Index(text) => {
                    let root = "../".repeat(self.page.matches('/').count());
                    let _ = write!(out, "<a href=\"{root}{}\">{}</a>", self.index, escape(text));
                }
                Inline::Break => out.push_str("<br>"),
            }
        }
        out
    }

    /// WIT text, each named item a link to its documentation.
    fn pieces(&self, p: &Pieces) -> String {
        let mut out = String::new();
        for (text, link) in p.resolved(self.site) {
            let href = match link {
                Some((Some(stem), anchor)) => self.href(stem, anchor),
                Some((None, anchor)) => format!("#{anchor}"),
                None => {
                    out.push_str(&escape(text));
                    continue;
                }
            };
            let _ = write!(out, "<a href=\"{}\">{}</a>", escape(&href), escape(text));
        }
        out
    }
}

/// Doc text as HTML. Docs are prose: raw HTML in them is shown as text,
/// images as their alt text (the site loads nothing), and only links to
/// `http`, `https` and `mailto` stay links; others (`javascript:`, paths
/// into a repository we do not have) become their text.
pub fn markdown(docs: &str) -> String {
    // Whether each open link was kept, to drop the ends of those that were not.
    let mut links: Vec<bool> = Vec::new();
    let events = Parser::new_ext(docs.trim(), Options::ENABLE_TABLES).filter_map(|e| match e {
        Event::Html(s) | Event::InlineHtml(s) => Some(Event::Text(s)),
        Event::Start(Tag::Link { ref dest_url, .. }) => {
            let url = dest_url.to_ascii_lowercase();
            let keep = ["http://", "https://", "mailto:"]
                .iter()
                .any(|scheme| url.starts_with(scheme));
            links.push(keep);
            keep.then_some(e)
        }
        Event::End(TagEnd::Link) => links.pop().unwrap_or(false).then_some(e),
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
        e => Some(e),
    });
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, events);
    out
}

/// One line of doc text as inline HTML: without its paragraph.
fn markdown_inline(docs: &str) -> String {
    let html = markdown(docs);
    let html = html.trim_end();
    html.strip_prefix("<p>")
        .and_then(|h| h.strip_suffix("</p>"))
        .unwrap_or(html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::markdown;

    #[test]
    fn docs_cannot_run_script_or_load_anything() {
        let html = markdown(
            "[web](https://example.org) [bad](javascript:alert(1)) <javascript:x> \
             ![logo](https://example.org/a.png) <b onclick=\"x\">b</b> [rel](../README.md)",
        );
        assert!(
            html.contains("<a href=\"https://example.org\">web</a>"),
            "{html}"
        );
        assert!(!html.contains("href=\"javascript"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("logo"), "{html}");
        assert!(html.contains("&lt;b onclick"), "{html}");
        assert!(!html.contains("README.md\""), "{html}");
        assert!(html.contains("bad") && html.contains("rel"), "{html}");
    }
}
