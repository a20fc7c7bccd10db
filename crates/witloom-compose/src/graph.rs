//! The wiring as a picture: Graphviz dot or Mermaid, one node per part plus
//! the host and the application's exports; an edge per wire, labelled with
//! the interface.

use crate::split_version;
use crate::wire::Plan;

/// A graph language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    Dot,
    Mermaid,
}

/// Draws `plan`: edges go from provider to consumer.
pub fn graph(plan: &Plan, format: GraphFormat) -> String {
    let short = |name: &str| split_version(name).0.to_string();
    let mut edges: Vec<(String, String, String)> = Vec::new();
    for w in &plan.wires {
        edges.push((
            plan.names[w.provider].clone(),
            plan.names[w.consumer].clone(),
            short(&w.import),
        ));
    }
    for (name, users) in &plan.host {
        for u in users {
            edges.push(("host".into(), plan.names[*u].clone(), short(name)));
        }
    }
    for name in &plan.exports {
        edges.push((plan.names[plan.root].clone(), "exports".into(), short(name)));
    }
    match format {
        GraphFormat::Dot => {
            let mut out = String::from("digraph app {\n  rankdir=LR;\n  node [shape=box];\n");
            out.push_str("  host [shape=ellipse];\n  exports [shape=ellipse];\n");
            for name in &plan.names {
                out.push_str(&format!("  \"{name}\";\n"));
            }
            for (from, to, label) in &edges {
                out.push_str(&format!("  \"{from}\" -> \"{to}\" [label=\"{label}\"];\n"));
            }
            out.push_str("}\n");
            out
        }
        GraphFormat::Mermaid => {
            // Mermaid ids must be plain; labels carry the real names.
            let id = |name: &str| match name {
                "host" | "exports" => name.to_string(),
                _ => format!("c_{}", name.replace('-', "_")),
            };
            let mut out = String::from("flowchart LR\n  host([host])\n  exports([exports])\n");
            for name in &plan.names {
                out.push_str(&format!("  {}[{name}]\n", id(name)));
            }
            for (from, to, label) in &edges {
                out.push_str(&format!("  {} -->|\"{label}\"| {}\n", id(from), id(to)));
            }
            out
        }
    }
}
