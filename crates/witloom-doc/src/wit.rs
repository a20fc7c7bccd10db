//! Types and signatures spelled in WIT, as pieces of text of which the
//! named types are links; each output format renders the pieces its way
//! (code spans and links in Markdown).

use crate::site::Site;
use witloom_ir::{Function, FunctionKind, Gate, PackageId, Type, TypeDefKind, TypeId};

/// A run of WIT text, linked to an item's page and anchor when it names one.
#[derive(Debug, Clone, PartialEq)]
pub struct Piece {
    pub text: String,
    pub link: Option<(Option<PackageId>, String)>,
}

/// Pieces being assembled; consecutive plain text is merged.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pieces(pub Vec<Piece>);

impl Pieces {
    pub fn text(&mut self, text: &str) {
        match self.0.last_mut() {
            Some(last) if last.link.is_none() => last.text.push_str(text),
            _ => self.0.push(Piece {
                text: text.to_string(),
                link: None,
            }),
        }
    }

    pub fn link(&mut self, text: &str, package: Option<PackageId>, anchor: String) {
        self.0.push(Piece {
            text: text.to_string(),
            link: Some((package, anchor)),
        });
    }

    /// One run of plain text.
    pub fn plain(text: &str) -> Self {
        let mut p = Pieces::default();
        p.text(text);
        p
    }

    /// Each piece's text, and where it links if it names an item: the page
    /// stem of its package (`None`: the page it is written on) and anchor.
    /// Without a site, nothing is linked.
    pub fn resolved<'a>(
        &'a self,
        site: Option<&'a Site<'a>>,
    ) -> impl Iterator<Item = (&'a str, Option<(Option<&'a str>, &'a str)>)> {
        self.0.iter().map(move |piece| {
            let link = match (&piece.link, site) {
                (Some((package, anchor)), Some(site)) => {
                    Some((package.map(|p| site.stem(p)), anchor.as_str()))
                }
                _ => None,
            };
            (piece.text.as_str(), link)
        })
    }

    /// One linked name.
    pub fn linked(text: &str, package: Option<PackageId>, anchor: String) -> Self {
        let mut p = Pieces::default();
        p.link(text, package, anchor);
        p
    }
}

impl Site<'_> {
    /// `ty` in WIT syntax, named types linked.
    pub fn spell(&self, ty: Type, out: &mut Pieces) {
        let Type::Id(id) = ty else {
            out.text(ty.primitive_name().unwrap_or_default());
            return;
        };
        let def = &self.ir.types[id];
        if let Some(name) = &def.name {
            // A name brought in by `use` is documented where it is defined.
            let target = match def.owner {
                witloom_ir::Owner::Interface(i) if self.is_used(i, id) => self.ir.dealias(id),
                _ => id,
            };
            match self.type_anchor(target) {
                Some(anchor) => out.link(name, self.type_package(target), anchor),
                None => out.text(name),
            }
            return;
        }
        let list = |out: &mut Pieces, keyword: &str, types: &[Option<Type>]| {
            out.text(keyword);
            out.text("<");
            for (i, t) in types.iter().enumerate() {
                if i > 0 {
                    out.text(", ");
                }
                match t {
                    Some(t) => self.spell(*t, out),
                    None => out.text("_"),
                }
            }
            out.text(">");
        };
        match &def.kind {
            TypeDefKind::Tuple { types } => {
                let types: Vec<_> = types.iter().map(|t| Some(*t)).collect();
                list(out, "tuple", &types)
            }
            TypeDefKind::Option { r#type } => list(out, "option", &[Some(*r#type)]),
            TypeDefKind::Result {
                ok: None,
                err: None,
            } => out.text("result"),
            TypeDefKind::Result { ok, err: None } => list(out, "result", &[*ok]),
            TypeDefKind::Result { ok, err } => list(out, "result", &[*ok, *err]),
            TypeDefKind::List { element } => list(out, "list", &[Some(*element)]),
            TypeDefKind::FixedSizeList { element, size } => {
                out.text("list<");
                self.spell(*element, out);
                out.text(&format!(", {size}>"));
            }
            TypeDefKind::Map { key, value } => list(out, "map", &[Some(*key), Some(*value)]),
            TypeDefKind::Future { r#type: None } => out.text("future"),
            TypeDefKind::Future { r#type } => list(out, "future", &[*r#type]),
            TypeDefKind::Stream { r#type: None } => out.text("stream"),
            TypeDefKind::Stream { r#type } => list(out, "stream", &[*r#type]),
            TypeDefKind::Own { resource } => self.spell(Type::Id(*resource), out),
            TypeDefKind::Borrow { resource } => list(out, "borrow", &[Some(Type::Id(*resource))]),
            TypeDefKind::Alias { target } => self.spell(*target, out),
            other => out.text(other.keyword()),
        }
    }

    /// A function's signature as WIT declares it: `name: func(a: t) -> r`,
    /// `constructor(a: t)`, `name: static func(…)`; a method's `self` is
    /// implicit, as in WIT.
    pub fn signature(&self, f: &Function) -> Pieces {
        let mut out = Pieces::default();
        let params = match f.kind {
            FunctionKind::Method | FunctionKind::MethodGetter | FunctionKind::MethodSetter => {
                &f.params[1.min(f.params.len())..]
            }
            _ => &f.params[..],
        };
        let name = &f.item_name;
        match f.kind {
            FunctionKind::Constructor => out.text("constructor("),
            FunctionKind::Static => out.text(&format!("{name}: static {}func(", asynch(f))),
            FunctionKind::Getter | FunctionKind::MethodGetter => out.text(&format!("{name}: get(")),
            FunctionKind::Setter | FunctionKind::MethodSetter => out.text(&format!("{name}: set(")),
            FunctionKind::StaticGetter => out.text(&format!("{name}: static get(")),
            FunctionKind::StaticSetter => out.text(&format!("{name}: static set(")),
            FunctionKind::Freestanding | FunctionKind::Method => {
                out.text(&format!("{name}: {}func(", asynch(f)))
            }
        }
        for (i, p) in params.iter().enumerate() {
            if i > 0 {
                out.text(", ");
            }
            out.text(&format!("{}: ", p.name));
            self.spell(p.r#type, &mut out);
        }
        out.text(")");
        if let Some(r) = f.result {
            // A constructor's result is the resource itself: not written.
            if f.kind != FunctionKind::Constructor {
                out.text(" -> ");
                self.spell(r, &mut out);
            }
        }
        out
    }

    /// The functions (constructor, methods, statics) of `resource`.
    pub fn resource_functions<'f>(
        &self,
        functions: impl Iterator<Item = &'f Function>,
        resource: TypeId,
    ) -> Vec<&'f Function> {
        functions.filter(|f| f.resource == Some(resource)).collect()
    }
}

fn asynch(f: &Function) -> &'static str {
    if f.is_async { "async " } else { "" }
}

/// The badges of a gate: `since 0.2.0`, `unstable: feature`,
/// `deprecated 0.2.2`.
pub fn badges(gate: &Gate) -> Vec<String> {
    let mut out = Vec::new();
    match gate {
        Gate::None => {}
        Gate::Stable { since, .. } => out.push(format!("since {since}")),
        Gate::Unstable { feature, .. } => out.push(format!("unstable: {feature}")),
    }
    if let Some(d) = gate.deprecated() {
        out.push(format!("deprecated {d}"));
    }
    out
}
