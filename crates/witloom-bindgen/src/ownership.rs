//! `bindgen!`'s `ownership: Borrowing { duplicate_if_necessary }`: types
//! the host only ever passes to the guest are defined borrowing (`Foo<'a>`
//! with `&'a str` and `&'a [T]` fields), so calling an export needs no
//! owned copy; with `duplicate_if_necessary`, a type both passed and
//! received is defined twice, `FooParam<'a>` and `FooResult`.
//!
//! Which types are passed (export parameters) and which are received
//! (import parameters, every result) is computed once per definition site
//! (a type is defined once per module that holds it: an interface both
//! imported and exported has two), like wit-bindgen's `Types::analyze`.

use crate::context::{Gen, ModPath};
use std::collections::HashMap;
use witloom_ir::{Owner, Type, TypeDefKind, TypeId, WorldItemKind};

/// How types are defined (`bindgen!`'s `ownership`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Ownership {
    /// Every type owns its data (the default).
    #[default]
    Owning,
    /// Types only passed to the guest borrow; with `duplicate_if_necessary`
    /// a type both passed and received gets a borrowing `…Param` and an
    /// owning `…Result` definition.
    Borrowing { duplicate_if_necessary: bool },
}

impl Ownership {
    /// `owning`, `borrowing` or `borrowing-duplicate-if-necessary`.
    pub fn parse(text: &str) -> Result<Ownership, UnknownOwnership> {
        match text.trim() {
            "owning" => Ok(Ownership::Owning),
            "borrowing" => Ok(Ownership::Borrowing {
                duplicate_if_necessary: false,
            }),
            "borrowing-duplicate-if-necessary" => Ok(Ownership::Borrowing {
                duplicate_if_necessary: true,
            }),
            other => Err(UnknownOwnership(other.to_string())),
        }
    }
}

/// A word that is not one of `bindgen!`'s ownerships.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an ownership (owning, borrowing, borrowing-duplicate-if-necessary)")]
pub struct UnknownOwnership(pub String);

/// Where a named type is defined: the type, and whether the definition is
/// in an export module.
pub type Site = (TypeId, bool);

/// How uses reach a definition site.
#[derive(Debug, Clone, Copy, Default)]
pub struct Uses {
    /// Passed to the guest (an export's parameter).
    pub passed: bool,
    /// Received from the guest or given to the host (an import's
    /// parameter, any result).
    pub received: bool,
}

/// How a definition site is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One owning definition, `Foo`.
    Owned,
    /// One borrowing definition, `Foo<'a>`.
    Lent,
    /// `FooParam<'a>` and `FooResult`.
    Both,
}

impl Gen<'_> {
    /// Whether a definition of named type `id` seen from `here` is the one
    /// in an export module.
    pub fn site(&self, id: TypeId, here: &ModPath) -> Site {
        let export = match self.ir.types[id].owner {
            Owner::Interface(i) => self.module_of(i, here).is_some_and(Gen::is_export_module),
            Owner::World(_) | Owner::None => false,
        };
        (id, export)
    }

    /// Marks every definition site each function's types reach.
    pub fn analyze_uses(&mut self) {
        if self.opts.ownership == Ownership::Owning {
            return;
        }
        // (parameters, result, the module they are written in, how the
        // parameters are used: passed to the guest (an export's), received
        // (an import's, or a concurrent export's: its arguments outlive the
        // caller's borrows, so the `…Result` definition is the one it
        // takes, while `bindgen!` still counts them as passed))
        let mut funcs: Vec<(Vec<Type>, Option<Type>, ModPath, Uses)> = Vec::new();
        let root: ModPath = Vec::new();
        for (items, import) in [(&self.world.imports, true), (&self.world.exports, false)] {
            for item in items.iter() {
                if let WorldItemKind::Function { function: f } = &item.kind {
                    let params = f.params.iter().map(|p| p.r#type).collect();
                    let flags = self.export_flags(None, &f.name);
                    let owned = import || (flags.asynchronous && flags.store);
                    let params_use = Uses {
                        passed: !import,
                        received: owned,
                    };
                    funcs.push((params, f.result, root.clone(), params_use));
                }
            }
        }
        for (ifaces, import) in [(&self.imports, true), (&self.exports, false)] {
            for i in ifaces.iter() {
                for f in self.ir.interfaces[i.id].functions.values() {
                    let params = f.params.iter().map(|p| p.r#type).collect();
                    let flags = self.export_flags(Some(i.id), &f.name);
                    let owned = import || (flags.asynchronous && flags.store);
                    let params_use = Uses {
                        passed: !import,
                        received: owned,
                    };
                    funcs.push((params, f.result, i.module.clone(), params_use));
                }
            }
        }
        let mut uses: HashMap<Site, Uses> = HashMap::new();
        for (params, result, here, params_use) in funcs {
            for p in params {
                if params_use.passed {
                    self.mark(p, &here, true, &mut uses);
                }
                if params_use.received {
                    self.mark(p, &here, false, &mut uses);
                }
            }
            if let Some(r) = result {
                self.mark(r, &here, false, &mut uses);
            }
        }
        self.uses = uses;
    }

    /// Marks the sites `ty` (used from `here`) reaches as passed or
    /// received.
    fn mark(&self, ty: Type, here: &ModPath, passed: bool, uses: &mut HashMap<Site, Uses>) {
        let Type::Id(id) = ty else { return };
        let def = &self.ir.types[id];
        let mut here = here.clone();
        if def.name.is_some() {
            let site = self.site(id, &here);
            let u = uses.entry(site).or_default();
            let seen = if passed { u.passed } else { u.received };
            if seen {
                return;
            }
            if passed {
                u.passed = true;
            } else {
                u.received = true;
            }
            // Inside the definition, names resolve from its module.
            if let Owner::Interface(i) = def.owner
                && let Some(m) = self.module_of(i, &here)
            {
                here = m.clone();
            }
        }
        let children: Vec<Type> = match &def.kind {
            TypeDefKind::Record { fields } => fields.iter().map(|f| f.r#type).collect(),
            TypeDefKind::Variant { cases } => cases.iter().filter_map(|c| c.r#type).collect(),
            TypeDefKind::Tuple { types } => types.clone(),
            TypeDefKind::Option { r#type }
            | TypeDefKind::List { element: r#type }
            | TypeDefKind::FixedSizeList {
                element: r#type, ..
            }
            | TypeDefKind::Alias { target: r#type } => vec![*r#type],
            TypeDefKind::Result { ok, err } => ok.iter().chain(err).copied().collect(),
            TypeDefKind::Future { r#type } | TypeDefKind::Stream { r#type } => {
                r#type.iter().copied().collect()
            }
            _ => Vec::new(),
        };
        for c in children {
            self.mark(c, &here, passed, uses);
        }
    }

    /// How the definition of named type `id` in the module `here` is
    /// written.
    pub fn shape(&self, id: TypeId, here: &ModPath) -> Shape {
        let Ownership::Borrowing {
            duplicate_if_necessary,
        } = self.opts.ownership
        else {
            return Shape::Owned;
        };
        // Types from elsewhere (`with`) and types without strings or lists
        // (nothing to borrow) keep one owning definition.
        let from_elsewhere =
            matches!(self.ir.types[id].owner, Owner::Interface(i) if self.with.contains_key(&i));
        if from_elsewhere || !self.has_data_to_lend(Type::Id(id)) {
            return Shape::Owned;
        }
        let u = self
            .uses
            .get(&self.site(id, here))
            .copied()
            .unwrap_or_default();
        match (u.passed, u.received) {
            (true, false) => Shape::Lent,
            (true, true) if duplicate_if_necessary => Shape::Both,
            _ => Shape::Owned,
        }
    }
}
