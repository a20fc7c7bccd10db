//! The static HTML site: `index.html` lists the packages; each package has
//! a page (`<stem>.html`: its worlds, with their inline interfaces and
//! types) and each of its interfaces a page of its own
//! (`<stem>/<interface>.html`); every item has an anchor. Client-side
//! search runs over a JSON index of every name and all doc text, with a
//! little plain JavaScript; nothing is loaded from the network, and the
//! site works from `file://` (which is why the index is a script, not a
//! file to fetch). The CSS has light and dark themes.

mod render;
mod search;

use crate::Page;
use crate::model::Block;
use crate::pages;
use crate::site::Site;
use render::Html;
use std::fmt::Write as _;

const STYLE: &str = include_str!("style.css");
const SEARCH: &str = include_str!("search.js");

/// Where an item lives in the site: worlds (and what is inline in them)
/// on their package's page, interface items on the interface's page.
/// Anchors start with the interface's name (`streams.input-stream.read`)
/// or with `world:`; neither `.` nor `:` occurs in WIT names.
pub fn item_page(stem: &str, anchor: &str) -> String {
    if anchor.is_empty() || anchor.starts_with("world:") {
        return format!("{stem}.html");
    }
    let interface = anchor.split(['.', ':']).next().unwrap_or(anchor);
    format!("{stem}/{interface}.html")
}

/// A page before it is wrapped in the site's shell.
pub struct Draft<'a> {
    pub path: String,
    pub title: String,
    pub blocks: Vec<Block>,
    /// The site that resolves the page's WIT links, and its package.
    pub site: Option<&'a Site<'a>>,
    pub package: Option<&'a str>,
}

/// The index and package pages of `sites` (an application may use
/// several WIT directories), the index written as `index`.
pub fn drafts<'a>(sites: &[&'a Site<'a>], index: &str) -> Vec<Draft<'a>> {
    let mut out = vec![Draft {
        path: index.to_string(),
        title: "WIT packages".to_string(),
        blocks: pages::index(sites),
        site: sites.first().copied(),
        package: None,
    }];
    for site in sites {
        for p in site.packages() {
            let stem = site.stem(p);
            if out.iter().any(|d| d.path == format!("{stem}.html")) {
                continue;
            }
            let doc = pages::package(site, p);
            let mut blocks = doc.head;
            blocks.extend(pages::interface_list(site, p));
            for w in doc.worlds {
                blocks.extend(w);
            }
            out.push(Draft {
                path: format!("{stem}.html"),
                title: site.ir[p].qualified_name.clone(),
                blocks,
                site: Some(*site),
                package: Some(stem),
            });
            for (id, mut blocks) in doc.interfaces {
                // An interface heads its own page.
                for b in &mut blocks {
                    if let Block::Heading { level, .. } = b {
                        *level -= 1;
                    }
                }
                out.push(Draft {
                    path: item_page(stem, &site.interface_anchor(id)),
                    title: site.ir[id].qualified_name.clone(),
                    blocks,
                    site: Some(*site),
                    package: Some(stem),
                });
            }
        }
    }
    out
}

/// The site for `site`'s packages: its pages, the search index and the
/// assets.
pub fn pages(site: &Site) -> Vec<Page> {
    let drafts = drafts(&[site], "index.html");
    finish("WIT packages", "index.html", "index.html", &[site], drafts)
}

/// Wraps `drafts` in the shell (header with search, navigation, footer),
/// and adds the search index and assets. `home` is the first page, `index`
/// the list of packages.
pub fn finish(
    title: &str,
    home: &str,
    index: &str,
    sites: &[&Site],
    drafts: Vec<Draft>,
) -> Vec<Page> {
    let nav = Nav::new(sites);
    let mut entries = Vec::new();
    let mut out = Vec::new();
    for d in &drafts {
        let html = Html {
            site: d.site,
            page: &d.path,
            index,
        };
        entries.extend(search::entries(&d.path, &d.blocks));
        let body = html.render(&d.blocks);
        out.push(Page {
            path: d.path.clone().into(),
            text: shell(title, home, d, &nav, &body),
        });
    }
    out.push(Page {
        path: "assets/search-index.js".into(),
        text: search::script(&entries),
    });
    out.push(Page {
        path: "assets/style.css".into(),
        text: STYLE.to_string(),
    });
    out.push(Page {
        path: "assets/search.js".into(),
        text: SEARCH.to_string(),
    });
    out
}

/// The packages in the navigation, each with its worlds and interfaces.
struct Nav {
    packages: Vec<NavPackage>,
}

struct NavPackage {
    stem: String,
    name: String,
    dependency: bool,
    /// (name, page and anchor)
    items: Vec<(String, String)>,
}

impl Nav {
    fn new(sites: &[&Site]) -> Self {
        let mut packages: Vec<NavPackage> = Vec::new();
        for site in sites {
            for p in site.packages() {
                let stem = site.stem(p).to_string();
                if packages.iter().any(|n| n.stem == stem) {
                    continue;
                }
                let pkg = &site.ir[p];
                let mut items = Vec::new();
                for w in pkg.worlds.values() {
                    let anchor = site.world_anchor(*w);
                    let href = format!("{}#{anchor}", item_page(&stem, &anchor));
                    items.push((format!("world {}", site.ir[*w].name), href));
                }
                for (name, i) in &pkg.interfaces {
                    items.push((name.clone(), item_page(&stem, &site.interface_anchor(*i))));
                }
                packages.push(NavPackage {
                    stem,
                    name: pkg.qualified_name.clone(),
                    dependency: !site.ir.roots.contains(&p),
                    items,
                });
            }
        }
        // The packages asked for first, then their dependencies.
        packages.sort_by_key(|p| p.dependency);
        Nav { packages }
    }
}

fn shell(title: &str, home: &str, page: &Draft, nav: &Nav, body: &str) -> String {
    let root = "../".repeat(page.path.matches('/').count());
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="witloom doc">
<title>{} · {}</title>
<link rel="stylesheet" href="{root}assets/style.css">
<script src="{root}assets/search-index.js" defer></script>
<script src="{root}assets/search.js" defer></script>
</head>
<body>
<header class="top">
<a class="home" href="{root}{home}">{}</a>
<div class="search" role="search">
<input id="witloom-search" type="search" placeholder="Search names and docs" aria-label="Search names and docs" autocomplete="off" spellcheck="false">
<kbd class="hint">/</kbd>
<ol id="witloom-results" hidden></ol>
</div>
</header>
<div class="layout">
<nav class="side" aria-label="Packages">
"#,
        escape(&page.title),
        escape(title),
        escape(title),
    );
    for (heading, deps) in [("Packages", false), ("Dependencies", true)] {
        let packages: Vec<&NavPackage> = nav
            .packages
            .iter()
            .filter(|p| p.dependency == deps)
            .collect();
        if packages.is_empty() {
            continue;
        }
        let _ = writeln!(out, "<h2>{heading}</h2>\n<ul>");
        for p in packages {
            let here = page.package == Some(p.stem.as_str());
            let class = if here { " class=\"here\"" } else { "" };
            let _ = write!(
                out,
                "<li{class}><a href=\"{root}{}.html\">{}</a>",
                escape(&p.stem),
                escape(&p.name)
            );
            if here {
                out.push_str("\n<ul>\n");
                for (name, href) in &p.items {
                    let current = href == &page.path;
                    let _ = write!(
                        out,
                        "<li{}><a href=\"{root}{}\">{}</a>",
                        if current { " class=\"current\"" } else { "" },
                        escape(href),
                        escape(name)
                    );
                    if current {
                        out.push_str(&contents(&page.blocks));
                    }
                    out.push_str("</li>\n");
                }
                out.push_str("</ul>\n");
            }
            out.push_str("</li>\n");
        }
        out.push_str("</ul>\n");
    }
    let _ = write!(
        out,
        "</nav>\n<main>\n{body}</main>\n</div>\n<footer>Generated by <code>witloom doc</code> from WIT.</footer>\n</body>\n</html>\n"
    );
    out
}

/// What a page documents at its top levels (types, functions), for the
/// navigation: big interfaces are long pages.
fn contents(blocks: &[Block]) -> String {
    let mut out = String::new();
    for b in blocks {
        if let Block::Heading {
            level: 2 | 3,
            anchor: Some(anchor),
            item: Some(item),
            ..
        } = b
        {
            let _ = writeln!(
                out,
                "<li><a href=\"#{}\">{}</a></li>",
                escape(anchor),
                escape(&item.name)
            );
        }
    }
    if out.is_empty() {
        return out;
    }
    format!("\n<ul class=\"contents\">\n{out}</ul>\n")
}

/// Text for HTML: `&`, `<`, `>` and quotes escaped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
