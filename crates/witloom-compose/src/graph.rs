//! The wiring as a picture: Graphviz dot or Mermaid, one node per part plus
//! the host and the application's exports; an edge per wire, labelled with
//! the interface.

use crate::split_version;
use crate::wire::Plan;

/// A graph language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum GraphFormat {
    Dot,
    Mermaid,
}

/// One end of an arrow: the host, a part (by index into `Plan::names`),
/// or the application's exports. By index, so that a part may be named
/// `host` or `exports`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Host,
    Part(usize),
    Exports,
}

/// One arrow of the picture: `from` provides `interface` to `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    pub from: End,
    pub to: End,
    /// The interface's full name, with its version.
    pub interface: String,
}

/// The arrows of `plan`: wires, then what the host provides, then what the
/// application exports.
pub fn edges(plan: &Plan) -> Vec<Edge> {
    let edge = |from: End, to: End, interface: &str| Edge {
        from,
        to,
        interface: interface.to_string(),
    };
    let mut out = Vec::new();
    for w in &plan.wires {
        out.push(edge(
            End::Part(w.provider),
            End::Part(w.consumer),
            &w.import,
        ));
    }
    for (name, users) in &plan.host {
        for u in users {
            out.push(edge(End::Host, End::Part(*u), name));
        }
    }
    for name in &plan.exports {
        out.push(edge(End::Part(plan.root), End::Exports, name));
    }
    out
}

/// Draws `plan`: edges go from provider to consumer.
pub fn graph(plan: &Plan, format: GraphFormat) -> String {
    let name = |end: End| match end {
        End::Host => "host".to_string(),
        End::Part(i) => plan.names[i].clone(),
        End::Exports => "exports".to_string(),
    };
    let edges: Vec<(String, String, String)> = edges(plan)
        .into_iter()
        .map(|e| {
            let label = split_version(&e.interface).0.to_string();
            (name(e.from), name(e.to), label)
        })
        .collect();
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
