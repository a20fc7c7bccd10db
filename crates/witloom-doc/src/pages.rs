//! What the documentation says, walked once over the IR into
//! [`model`](crate::model) blocks: the index of packages; per package its
//! worlds (imports and exports, types and inline interfaces) and its
//! interfaces (uses, every type with its fields, cases and flags, every
//! function with its full signature, resources with their constructor,
//! methods and static functions), with gates as badges and named items
//! linked.

use crate::model::{
    Block, Inline, Item, Line, PackageDoc, Row, code, first_line, one_line, plural, text,
};
use crate::site::Site;
use crate::wit::{Pieces, badges};
use witloom_ir::{
    Function, FunctionKind, Gate, InterfaceId, Owner, PackageId, Type, TypeDefKind, TypeId,
    WorldId, WorldItem, WorldItemKind,
};

/// The index of packages: those asked for, then their dependencies, of
/// every site (an application may use several WIT directories); a package
/// two sites share is listed once.
pub fn index(sites: &[&Site]) -> Vec<Block> {
    let mut out = vec![heading(1, None, vec![text("WIT packages")], None)];
    let mut listed: Vec<&str> = Vec::new();
    for (title, deps) in [("Packages", false), ("Dependencies", true)] {
        let mut items = Vec::new();
        for site in sites {
            for p in site.packages() {
                let stem = site.stem(p);
                if site.ir.roots.contains(&p) == deps || listed.contains(&stem) {
                    continue;
                }
                listed.push(stem);
                let pkg = &site.ir[p];
                let mut line = vec![
                    Inline::Package {
                        text: pkg.qualified_name.clone(),
                        stem: stem.to_string(),
                    },
                    text(&format!(
                        ": {} world{}, {} interface{}",
                        pkg.worlds.len(),
                        plural(pkg.worlds.len()),
                        pkg.interfaces.len(),
                        plural(pkg.interfaces.len()),
                    )),
                ];
                if let Some(summary) = first_line(pkg.docs.as_deref()) {
                    line.push(text(". "));
                    line.push(Inline::Docs(summary));
                }
                items.push(line);
            }
        }
        if !items.is_empty() {
            out.push(heading(2, None, vec![text(title)], None));
            out.push(Block::List(items));
        }
    }
    out
}

/// Everything about package `p`.
pub fn package(site: &Site, p: PackageId) -> PackageDoc {
    let pkg = &site.ir[p];
    let mut head = vec![heading(
        1,
        None,
        vec![text("Package "), code(&pkg.qualified_name)],
        Some(Item {
            kind: "package",
            name: pkg.qualified_name.clone(),
            path: String::new(),
        }),
    )];
    if let Some(docs) = &pkg.docs {
        head.push(Block::Docs(docs.clone()));
    }
    // A table of contents: packages with many interfaces are long pages.
    let contents = |title: &str, links: Vec<(String, String)>| {
        let mut line = vec![text(title)];
        for (i, (name, anchor)) in links.into_iter().enumerate() {
            if i > 0 {
                line.push(text(", "));
            }
            line.push(Inline::Code(Pieces::linked(&name, Some(p), anchor)));
        }
        line.push(text("."));
        Block::Para(line)
    };
    if !pkg.worlds.is_empty() {
        let links = pkg
            .worlds
            .values()
            .map(|w| (site.ir[*w].name.clone(), site.world_anchor(*w)))
            .collect();
        head.push(contents("Worlds: ", links));
    }
    if !pkg.interfaces.is_empty() {
        let links = pkg
            .interfaces
            .iter()
            .map(|(name, i)| (name.clone(), site.interface_anchor(*i)))
            .collect();
        head.push(contents("Interfaces: ", links));
    }
    head.push(Block::Para(vec![Inline::Index("All packages")]));
    PackageDoc {
        head,
        worlds: pkg.worlds.values().map(|w| world(site, p, *w)).collect(),
        interfaces: pkg
            .interfaces
            .values()
            .map(|i| {
                let mut out = Vec::new();
                interface(site, *i, 2, &mut out);
                (*i, out)
            })
            .collect(),
    }
}

/// The interfaces of package `p`, each linked with its summary: where the
/// HTML package page points to the interfaces' own pages.
pub fn interface_list(site: &Site, p: PackageId) -> Vec<Block> {
    let interfaces = &site.ir[p].interfaces;
    if interfaces.is_empty() {
        return Vec::new();
    }
    let lines = interfaces
        .iter()
        .map(|(name, i)| {
            let mut line = vec![
                Inline::Code(Pieces::linked(name, Some(p), site.interface_anchor(*i))),
                badge(&site.ir[*i].gate),
            ];
            summary(site.ir[*i].docs.as_deref(), &mut line);
            line
        })
        .collect();
    vec![
        heading(2, None, vec![text("Interfaces")], None),
        Block::List(lines),
    ]
}

fn world(site: &Site, here: PackageId, id: WorldId) -> Vec<Block> {
    let w = &site.ir[id];
    let mut out = vec![heading(
        2,
        Some(site.world_anchor(id)),
        vec![text("World "), code(&w.name), badge(&w.gate)],
        Some(Item {
            kind: "world",
            name: w.name.clone(),
            path: w.qualified_name.clone(),
        }),
    )];
    out.push(Block::Para(vec![code(&w.qualified_name)]));
    if let Some(docs) = &w.docs {
        out.push(Block::Docs(docs.clone()));
    }
    for (title, items) in [("Imports", &w.imports), ("Exports", &w.exports)] {
        out.push(heading(3, None, vec![text(title)], None));
        if items.is_empty() {
            out.push(Block::Para(vec![text("(none)")]));
        } else {
            let lines = items
                .iter()
                .map(|item| world_item(site, here, id, item))
                .collect();
            out.push(Block::List(lines));
        }
    }
    // Types and functions defined in the world itself, and interfaces
    // written inline, are documented here.
    let scope = site.world_anchor(id);
    let local_types: Vec<TypeId> = w
        .imports
        .iter()
        .filter_map(|i| match i.kind {
            WorldItemKind::Type { r#type } => Some(r#type),
            _ => None,
        })
        .filter(|t| site.ir.types[*t].owner == Owner::World(id))
        .collect();
    if !local_types.is_empty() {
        out.push(heading(
            3,
            None,
            vec![text("Types of world "), code(&w.name)],
            None,
        ));
        for t in local_types {
            type_def(site, t, &scope, &w.qualified_name, &[], 4, &mut out);
        }
    }
    for item in w.imports.iter().chain(&w.exports) {
        if let WorldItemKind::Interface { interface: id } = item.kind
            && site.ir[id].name.is_none()
        {
            interface(site, id, 3, &mut out);
        }
    }
    out
}

fn world_item(site: &Site, here: PackageId, world: WorldId, item: &WorldItem) -> Line {
    match &item.kind {
        WorldItemKind::Interface { interface } => {
            let i = &site.ir[*interface];
            let name = match &i.name {
                Some(_) => item.name.clone(),
                None => format!("{} (inline)", item.name),
            };
            let mut line = vec![
                text("interface "),
                Inline::Code(Pieces::linked(
                    &name,
                    site.interface_package(*interface).or(Some(here)),
                    site.interface_anchor(*interface),
                )),
                badge(&item.gate),
            ];
            summary(item.docs.as_deref().or(i.docs.as_deref()), &mut line);
            line
        }
        WorldItemKind::Function { function } => {
            let mut line = vec![
                text("function "),
                Inline::Code(site.signature(function)),
                badge(&item.gate),
            ];
            summary(function.docs.as_deref(), &mut line);
            line
        }
        WorldItemKind::Type { r#type } => {
            let def = &site.ir.types[*r#type];
            let mut p = Pieces::default();
            site.spell(Type::Id(*r#type), &mut p);
            let what = if def.owner == Owner::World(world) {
                def.kind.keyword()
            } else {
                "type"
            };
            vec![text(&format!("{what} ")), Inline::Code(p)]
        }
    }
}

fn interface(site: &Site, id: InterfaceId, level: usize, out: &mut Vec<Block>) {
    let i = &site.ir[id];
    let anchor = site.interface_anchor(id);
    let name = match &i.name {
        Some(name) => name.as_str(),
        None => anchor.rsplit_once('.').map_or(anchor.as_str(), |(_, n)| n),
    };
    let title = if i.name.is_some() {
        "Interface "
    } else {
        "Inline interface "
    };
    out.push(heading(
        level,
        Some(anchor.clone()),
        vec![text(title), code(name), badge(&i.gate)],
        Some(Item {
            kind: "interface",
            name: name.to_string(),
            path: i.qualified_name.clone(),
        }),
    ));
    out.push(Block::Para(vec![code(&i.qualified_name)]));
    if let Some(docs) = &i.docs {
        out.push(Block::Docs(docs.clone()));
    }
    if !i.uses.is_empty() {
        out.push(heading(level + 1, None, vec![text("Uses")], None));
        let lines = i
            .uses
            .iter()
            .map(|u| {
                let mut line = vec![
                    text("from "),
                    code(&site.ir[u.from].qualified_name),
                    text(": "),
                ];
                for (k, n) in u.names.iter().enumerate() {
                    if k > 0 {
                        line.push(text(", "));
                    }
                    let mut p = Pieces::default();
                    site.spell(Type::Id(n.target), &mut p);
                    line.push(Inline::Code(p));
                    if site.ir.types[n.target].name.as_deref() != Some(n.name.as_str()) {
                        line.push(text(" as "));
                        line.push(code(&n.name));
                    }
                }
                line
            })
            .collect();
        out.push(Block::List(lines));
    }
    let types: Vec<TypeId> = i
        .types
        .values()
        .copied()
        .filter(|t| !site.is_used(id, *t))
        .collect();
    let functions: Vec<&Function> = i.functions.values().collect();
    if !types.is_empty() {
        out.push(heading(level + 1, None, vec![text("Types")], None));
        for t in types {
            let path = &i.qualified_name;
            type_def(site, t, &anchor, path, &functions, level + 2, out);
        }
    }
    let free: Vec<&Function> = functions
        .iter()
        .copied()
        .filter(|f| f.resource.is_none())
        .collect();
    if !free.is_empty() {
        out.push(heading(level + 1, None, vec![text("Functions")], None));
        for f in free {
            function(site, &anchor, &i.qualified_name, f, level + 2, out);
        }
    }
}

/// Type `id`, documented under `scope` (an interface's or world's anchor)
/// whose qualified name is `path`.
fn type_def(
    site: &Site,
    id: TypeId,
    scope: &str,
    path: &str,
    functions: &[&Function],
    level: usize,
    out: &mut Vec<Block>,
) {
    let def = &site.ir.types[id];
    let name = def.name.as_deref().unwrap_or("(anonymous)");
    let anchor = site
        .type_anchor(id)
        .unwrap_or_else(|| format!("{scope}.{name}"));
    out.push(heading(
        level,
        Some(anchor),
        vec![
            text(&format!("{} ", def.kind.keyword())),
            code(name),
            badge(&def.gate),
        ],
        Some(Item {
            kind: def.kind.keyword(),
            name: name.to_string(),
            path: path.to_string(),
        }),
    ));
    if let Some(docs) = &def.docs {
        out.push(Block::Docs(docs.clone()));
    }
    let spelled = |t: Type| {
        let mut p = Pieces::default();
        site.spell(t, &mut p);
        vec![Inline::Code(p)]
    };
    let docs = |d: Option<&str>| one_line(d).map(Inline::Docs).into_iter().collect::<Line>();
    match &def.kind {
        TypeDefKind::Record { fields } => out.push(Block::Table {
            head: vec!["field", "type", ""],
            rows: fields
                .iter()
                .map(|f| Row {
                    name: f.name.clone(),
                    cells: vec![spelled(f.r#type), docs(f.docs.as_deref())],
                })
                .collect(),
        }),
        TypeDefKind::Variant { cases } => out.push(Block::Table {
            head: vec!["case", "payload", ""],
            rows: cases
                .iter()
                .map(|c| Row {
                    name: c.name.clone(),
                    cells: vec![
                        c.r#type.map(spelled).unwrap_or_default(),
                        docs(c.docs.as_deref()),
                    ],
                })
                .collect(),
        }),
        TypeDefKind::Enum { cases } => out.push(Block::Table {
            head: vec!["case", ""],
            rows: cases
                .iter()
                .map(|c| Row {
                    name: c.name.clone(),
                    cells: vec![docs(c.docs.as_deref())],
                })
                .collect(),
        }),
        TypeDefKind::Flags { flags } => out.push(Block::Table {
            head: vec!["flag", ""],
            rows: flags
                .iter()
                .map(|f| Row {
                    name: f.name.clone(),
                    cells: vec![docs(f.docs.as_deref())],
                })
                .collect(),
        }),
        TypeDefKind::Resource { .. } => {
            let own = site.resource_functions(functions.iter().copied(), id);
            let groups = [
                ("Constructor", FunctionKind::Constructor),
                ("Methods", FunctionKind::Method),
                ("Static functions", FunctionKind::Static),
            ];
            for (label, kind) in groups {
                let fs: Vec<&Function> = own.iter().copied().filter(|f| f.kind == kind).collect();
                if fs.is_empty() {
                    continue;
                }
                out.push(Block::Label(label));
                for f in fs {
                    function(site, scope, path, f, level + 1, out);
                }
            }
            // Getters and setters, and the like, under their own names.
            for f in own
                .iter()
                .filter(|f| !groups.iter().any(|(_, k)| *k == f.kind))
            {
                function(site, scope, path, f, level + 1, out);
            }
        }
        other => {
            // Aliases and anonymous shapes: `type name = …`.
            let mut p = Pieces::plain(&format!("type {name} = "));
            match other {
                TypeDefKind::Alias { target } => site.spell(*target, &mut p),
                _ => site.spell(Type::Id(id), &mut p),
            }
            out.push(Block::Signature(p));
        }
    }
}

fn function(
    site: &Site,
    scope: &str,
    path: &str,
    f: &Function,
    level: usize,
    out: &mut Vec<Block>,
) {
    let resource = f
        .resource
        .map(|r| site.ir.types[r].name.as_deref().unwrap_or(""));
    let (title, name) = match (f.kind, resource) {
        (FunctionKind::Constructor, Some(r)) => {
            (vec![code(r), text(" constructor")], r.to_string())
        }
        (_, Some(r)) => {
            let name = format!("{r}.{}", f.item_name);
            (vec![code(&name)], name)
        }
        (_, None) => (vec![code(&f.item_name)], f.item_name.clone()),
    };
    let mut title = title;
    title.push(badge(&f.gate));
    let kind = match f.kind {
        FunctionKind::Freestanding => "func",
        FunctionKind::Method => "method",
        FunctionKind::Static => "static func",
        FunctionKind::Constructor => "constructor",
        _ => "property",
    };
    out.push(heading(
        level,
        Some(site.function_anchor(scope, f)),
        title,
        Some(Item {
            kind,
            name,
            path: path.to_string(),
        }),
    ));
    out.push(Block::Signature(site.signature(f)));
    if let Some(docs) = &f.docs {
        out.push(Block::Docs(docs.clone()));
    }
}

fn heading(level: usize, anchor: Option<String>, title: Line, item: Option<Item>) -> Block {
    Block::Heading {
        level,
        anchor,
        title,
        item,
    }
}

fn badge(gate: &Gate) -> Inline {
    Inline::Badges(badges(gate))
}

/// `: summary` after a list item, when it has docs.
fn summary(docs: Option<&str>, line: &mut Line) {
    if let Some(s) = first_line(docs) {
        line.push(text(": "));
        line.push(Inline::Docs(s));
    }
}
