//! The application page of a `witloom.toml`: its components (language,
//! world, what each provides), the wiring as a Mermaid graph, what is left
//! for the host and what the application exports; each interface linked to
//! its documentation, which is written next to it.

use crate::Page;
use crate::site::Site;
use std::fmt::Write as _;
use witloom_compose::{GraphFormat, Provider};
use witloom_ir::Diagnostic;
use witloom_manifest::Manifest;

/// The application page (`README.md`) and the pages of every package the
/// components' worlds come from.
pub fn pages(manifest: &Manifest) -> Result<Vec<Page>, Diagnostic> {
    let parts = witloom_compose::app_parts(manifest, false)?;
    let plan = witloom_compose::plan(&parts, &witloom_compose::app_options(manifest))?;

    // Package pages, once per WIT directory (components usually share
    // one), from the IRs the plan was made from.
    let mut sites: Vec<(&std::path::Path, Site)> = Vec::new();
    for (c, part) in manifest.components.values().zip(&parts) {
        if !sites.iter().any(|(p, _)| *p == c.wit) {
            sites.push((&c.wit, Site::new(&part.wit.ir)));
        }
    }
    let mut pages: Vec<Page> = Vec::new();
    for (_, site) in &sites {
        for page in crate::markdown::pages(site) {
            let page = if page.path.as_os_str() == "README.md" {
                Page {
                    path: "packages.md".into(),
                    ..page
                }
            } else {
                page
            };
            if !pages.iter().any(|p| p.path == page.path) {
                pages.push(page);
            }
        }
    }
    // An interface's page and anchor, from whichever IR defines it.
    let link = |qualified: &str| -> Option<String> {
        sites.iter().find_map(|(_, site)| {
            let (id, iface) = site
                .ir
                .interfaces
                .iter()
                .find(|(_, i)| i.qualified_name == qualified)?;
            let package = iface.package?;
            Some(format!(
                "{}.md#{}",
                site.stem(package),
                site.interface_anchor(id)
            ))
        })
    };
    let world_link = |c: &witloom_manifest::Component| -> Option<String> {
        let (_, site) = sites.iter().find(|(p, _)| *p == c.wit)?;
        let id = site.ir.find_world(&c.world)?;
        let package = site.ir[id].package?;
        Some(format!(
            "{}.md#{}",
            site.stem(package),
            site.world_anchor(id)
        ))
    };
    let linked = |name: &str| match link(name) {
        Some(href) => format!("[`{name}`]({href})"),
        None => format!("`{name}`"),
    };

    let mut out = format!("# Application `{}`\n\n", manifest.app.name);
    out.push_str("From `witloom.toml`: the components, how they are wired, and what the host must provide. [All packages](packages.md).\n\n");
    out.push_str(
        "## Components\n\n| component | language | world | provides |\n| --- | --- | --- | --- |\n",
    );
    for (i, (name, c)) in manifest.components.iter().enumerate() {
        let world = match world_link(c) {
            Some(href) => format!("[`{}`]({href})", c.world),
            None => format!("`{}`", c.world),
        };
        let mut provides: Vec<String> = plan
            .wires
            .iter()
            .filter(|w| w.provider == i)
            .map(|w| format!("{} to `{}`", linked(&w.export), plan.names[w.consumer]))
            .collect();
        if i == plan.root {
            provides.extend(
                plan.exports
                    .iter()
                    .map(|e| format!("{} (the application's export)", linked(e))),
            );
        }
        provides.dedup();
        let _ = writeln!(
            out,
            "| `{name}` | {} | {world} | {} |",
            language(c.language),
            provides.join("<br>")
        );
    }
    out.push_str("\n## Wiring\n\nArrows go from provider to consumer.\n\n```mermaid\n");
    out.push_str(&witloom_compose::graph(&plan, GraphFormat::Mermaid));
    out.push_str("```\n\n## Left for the host\n\n");
    for (name, users) in &plan.host {
        let users: Vec<String> = users
            .iter()
            .map(|u| format!("`{}`", plan.names[*u]))
            .collect();
        let _ = writeln!(out, "- {} (imported by {})", linked(name), users.join(", "));
    }
    out.push_str("- WASI, as the guests' language runtimes need it (`witloom compose --check` lists it once the components are built)\n");
    out.push_str("\n## Exported\n\n");
    for e in &plan.exports {
        let _ = writeln!(out, "- {} (from `{}`)", linked(e), plan.names[plan.root]);
    }
    // Everything each consumer imports, and from where.
    out.push_str("\n## Imports, component by component\n\n");
    for (i, part) in parts.iter().enumerate() {
        let world = &part.wit.ir[part.world];
        let imports: Vec<String> = world
            .imports
            .iter()
            .filter(|item| matches!(item.kind, witloom_ir::WorldItemKind::Interface { .. }))
            .map(|item| {
                let from = match plan.provider_of(i, &item.name) {
                    Provider::Part(p) => format!("`{}`", plan.names[p]),
                    Provider::Host => "the host".to_string(),
                };
                format!("{} from {from}", linked(&item.name))
            })
            .collect();
        if imports.is_empty() {
            let _ = writeln!(out, "- `{}` imports nothing", plan.names[i]);
        } else {
            let _ = writeln!(out, "- `{}` imports {}", plan.names[i], imports.join(", "));
        }
    }
    out.push_str("\n<sub>Generated by `witloom doc` from `witloom.toml` and WIT.</sub>\n");
    pages.insert(
        0,
        Page {
            path: "README.md".into(),
            text: out,
        },
    );
    Ok(pages)
}

fn language(l: witloom_manifest::Language) -> &'static str {
    match l {
        witloom_manifest::Language::C => "C",
        witloom_manifest::Language::Rust => "Rust",
        witloom_manifest::Language::Go => "Go",
    }
}
