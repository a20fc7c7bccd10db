//! Type definitions: records, variants and enums with wasmtime's
//! `ComponentType`/`Lift`/`Lower` derives, flags through its `flags!`
//! macro, aliases (and `use`) as `pub type`, and an uninhabited enum per
//! host-implemented resource for `Resource<T>` to point at.

use crate::context::{Gen, ModPath, Mode};
use crate::naming::{camel, shouty, snake};
use crate::ownership::Shape;
use crate::source::Source;
use witloom_ir::{Type, TypeDefKind, TypeId};

const WT: &str = "wasmtime::component";

impl Gen<'_> {
    /// `derives` and the user's additional derives, each once (`Clone`
    /// and `std::clone::Clone` are one derive).
    fn with_additional(&self, derives: &str) -> String {
        let mut all: Vec<&str> = derives.split(", ").filter(|d| !d.is_empty()).collect();
        let last = |d: &str| d.rsplit("::").next().unwrap_or(d).trim().to_string();
        for extra in &self.opts.additional_derives {
            if !all.iter().any(|d| last(d) == last(extra)) {
                all.push(extra.as_str());
            }
        }
        all.join(", ")
    }

    /// Defines the named type `id` in `module`: once, or (with `ownership:
    /// Borrowing`) borrowing, or twice as `…Param<'a>` and `…Result`.
    pub fn define_type(&self, id: TypeId, module: &ModPath, out: &mut Source) {
        let name = self.def_name(id);
        match self.shape(id, module) {
            Shape::Owned => self.define_as(id, module, out, &name, Mode::Owned),
            Shape::Lent => {
                self.define_as(id, module, out, &format!("{name}<'a>"), Mode::Lent("'a"))
            }
            Shape::Both => {
                self.define_as(id, module, out, &format!("{name}Result"), Mode::Owned);
                self.define_as(
                    id,
                    module,
                    out,
                    &format!("{name}Param<'a>"),
                    Mode::Lent("'a"),
                );
            }
        }
    }

    /// Defines `id` as `rust` (a name, with its generics), its contents
    /// spelled in `mode`.
    fn define_as(&self, id: TypeId, module: &ModPath, out: &mut Source, rust: &str, mode: Mode) {
        let def = &self.ir.types[id];
        let ty = Type::Id(id);
        // Plain data gets the derives people compare and copy with; types
        // holding handles cannot be cloned or compared. A borrowing type
        // is only ever lowered into the guest.
        let lent = matches!(mode, Mode::Lent(_));
        // An `error-context` has no `Debug` in wasmtime 48: the type gets
        // one of its own that shows it as opaque (below).
        let opaque = self.has_error_context(ty);
        let derives = if opaque {
            ""
        } else if self.has_handle(ty) || self.has_async_handle(ty) {
            "Debug"
        } else if lent {
            "Clone, Debug"
        } else if self.needs_borrow(ty) {
            "Clone, Debug, PartialEq"
        } else {
            "Clone, Copy, Debug, PartialEq"
        };
        let derives = self.with_additional(derives);
        let derives = if derives.is_empty() {
            String::new()
        } else {
            format!(", {derives}")
        };
        let lift = if lent {
            String::new()
        } else {
            format!("{WT}::Lift, ")
        };
        match &def.kind {
            TypeDefKind::Record { fields } => {
                out.docs(def.docs.as_deref());
                out.line(format!(
                    "#[derive({WT}::ComponentType, {lift}{WT}::Lower{derives})]"
                ));
                out.line("#[component(record)]");
                out.line(format!("pub struct {rust} {{"));
                for f in fields {
                    out.docs(f.docs.as_deref());
                    out.line(format!("#[component(name = {:?})]", f.name));
                    out.line(format!(
                        "pub {}: {},",
                        snake(&f.name),
                        self.render(f.r#type, module, mode)
                    ));
                }
                out.line("}");
            }
            TypeDefKind::Variant { cases } => {
                out.docs(def.docs.as_deref());
                out.line(format!(
                    "#[derive({WT}::ComponentType, {lift}{WT}::Lower{derives})]"
                ));
                out.line("#[component(variant)]");
                out.line(format!("pub enum {rust} {{"));
                for c in cases {
                    out.docs(c.docs.as_deref());
                    out.line(format!("#[component(name = {:?})]", c.name));
                    match c.r#type {
                        Some(t) => out.line(format!(
                            "{}({}),",
                            camel(&c.name),
                            self.render(t, module, mode)
                        )),
                        None => out.line(format!("{},", camel(&c.name))),
                    }
                }
                out.line("}");
            }
            TypeDefKind::Enum { cases } => {
                out.docs(def.docs.as_deref());
                out.line(format!(
                    "#[derive({WT}::ComponentType, {WT}::Lift, {WT}::Lower, {})]",
                    self.with_additional("Clone, Copy, Debug, PartialEq, Eq, Hash")
                ));
                out.line("#[component(enum)]");
                out.line(if cases.len() <= 256 {
                    "#[repr(u8)]"
                } else {
                    "#[repr(u16)]"
                });
                out.line(format!("pub enum {rust} {{"));
                for c in cases {
                    out.docs(c.docs.as_deref());
                    out.line(format!("#[component(name = {:?})]", c.name));
                    out.line(format!("{},", camel(&c.name)));
                }
                out.line("}");
            }
            TypeDefKind::Flags { flags } => {
                // `flags!` takes no doc attributes on the type.
                out.line(format!("{WT}::flags! {{"));
                out.line(format!("{rust} {{"));
                for f in flags {
                    out.line(format!("#[component(name = {:?})]", f.name));
                    out.line(format!("const {};", shouty(&f.name)));
                }
                out.line("}");
                out.line("}");
            }
            TypeDefKind::Resource { .. } => {
                // The guest implements exported resources; the host holds
                // them as `ResourceAny`, under the resource's name.
                if self.is_guest_resource(id, module) {
                    out.docs(def.docs.as_deref());
                    out.line(format!("pub type {rust} = {WT}::ResourceAny;"));
                    return;
                }
                out.docs(def.docs.as_deref());
                out.line(format!(
                    "/// A handle type for `Resource<{rust}>`; the host's own type lives in its `ResourceTable`."
                ));
                out.line("#[derive(Debug)]");
                out.line(format!("pub enum {rust} {{}}"));
            }
            TypeDefKind::Alias { target } => {
                out.docs(def.docs.as_deref());
                out.line(format!(
                    "pub type {rust} = {};",
                    self.render(*target, module, mode)
                ));
            }
            // Anonymous kinds with a name: `type x = list<u8>` lowers to an
            // alias, but a named tuple/option/result/list/handle may too.
            TypeDefKind::Tuple { .. }
            | TypeDefKind::Option { .. }
            | TypeDefKind::Result { .. }
            | TypeDefKind::List { .. }
            | TypeDefKind::FixedSizeList { .. }
            | TypeDefKind::Own { .. }
            | TypeDefKind::Borrow { .. } => {
                out.docs(def.docs.as_deref());
                out.line(format!(
                    "pub type {rust} = {};",
                    self.render_kind(&def.kind, module, mode)
                ));
            }
            // `type bytes = stream<u8>`: the reader the host holds.
            TypeDefKind::Future { .. } | TypeDefKind::Stream { .. } => {
                out.docs(def.docs.as_deref());
                out.line(format!(
                    "pub type {rust} = {};",
                    self.render_kind(&def.kind, module, mode)
                ));
            }
            // Refused by `check_supported`.
            TypeDefKind::Map { .. } => {}
        }
        if opaque
            && matches!(
                def.kind,
                TypeDefKind::Record { .. } | TypeDefKind::Variant { .. }
            )
        {
            let generics = if rust.ends_with("<'a>") { "<'a>" } else { "" };
            let bare = rust.trim_end_matches("<'a>");
            out.line(format!("impl{generics} core::fmt::Debug for {rust} {{"));
            out.line(format!(
                "fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {{ f.debug_struct({bare:?}).finish_non_exhaustive() }}"
            ));
            out.line("}");
        }
        if self.errors.contains(&id) {
            self.error_impls(id, rust, out);
        }
    }

    /// For a type some function returns as its error, as `bindgen!` does:
    /// `Display` (its `Debug`) and `Error`, so `?` and `anyhow` take it;
    /// an enum also gets `name()` (the WIT case) and `message()` (its docs).
    fn error_impls(&self, id: TypeId, rust: &str, out: &mut Source) {
        let kind = &self.ir.types[id].kind;
        if !matches!(
            kind,
            TypeDefKind::Record { .. } | TypeDefKind::Variant { .. } | TypeDefKind::Enum { .. }
        ) {
            return;
        }
        let generics = if rust.ends_with("<'a>") { "<'a>" } else { "" };
        out.line(format!("impl{generics} core::fmt::Display for {rust} {{"));
        out.line("fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result { write!(f, \"{:?}\", self) }");
        out.line("}");
        out.line(format!("impl{generics} core::error::Error for {rust} {{}}"));
        if let TypeDefKind::Enum { cases } = kind {
            out.line(format!("impl {rust} {{"));
            out.line("/// The case's WIT name.");
            out.line("pub fn name(&self) -> &'static str {");
            out.line("match self {");
            for c in cases {
                out.line(format!("{rust}::{} => {:?},", camel(&c.name), c.name));
            }
            out.line("}");
            out.line("}");
            out.line("/// The case's documentation in the WIT.");
            out.line("pub fn message(&self) -> &'static str {");
            out.line("match self {");
            for c in cases {
                let docs = c.docs.as_deref().unwrap_or("").trim();
                out.line(format!("{rust}::{} => {docs:?},", camel(&c.name)));
            }
            out.line("}");
            out.line("}");
            out.line("}");
        }
    }
}
