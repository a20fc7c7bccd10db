//! Where every documented item lives: each package's page, and an anchor
//! for each world, interface, type and function, so any page can link to
//! any item, across packages and `deps/`.
//!
//! Anchors cannot collide: interfaces keep their WIT name, their items
//! are `iface.item` (and `iface.resource.method`), worlds are
//! `world:name`; `.` and `:` never occur in WIT names.

use std::collections::HashMap;
use witloom_ir::{Function, InterfaceId, Ir, Owner, PackageId, TypeId, WorldId};

/// Page names and anchors for one IR.
pub struct Site<'a> {
    pub ir: &'a Ir,
    /// Page file stem per package (`wasi-io`; with the version when two
    /// packages share a name).
    stems: HashMap<PackageId, String>,
}

impl<'a> Site<'a> {
    pub fn new(ir: &'a Ir) -> Self {
        let mut stems = HashMap::new();
        let dashed = |n: &witloom_ir::PackageName| format!("{}-{}", n.namespace, n.name);
        for (id, p) in ir.packages.iter() {
            // `a-b:c` and `a:b-c` would share `a-b-c`: those keep their `:`
            // as a `.`, which kebab-case names cannot hold.
            let clash = ir.packages.iter().any(|(_, q)| {
                dashed(&q.name) == dashed(&p.name)
                    && (&q.name.namespace, &q.name.name) != (&p.name.namespace, &p.name.name)
            });
            let plain = if clash {
                format!("{}.{}", p.name.namespace, p.name.name)
            } else {
                dashed(&p.name)
            };
            let shared = ir
                .packages
                .iter()
                .filter(|(_, q)| q.name.namespace == p.name.namespace && q.name.name == p.name.name)
                .count()
                > 1;
            let stem = match (&p.name.version, shared) {
                (Some(v), true) => format!("{plain}-{v}"),
                _ => plain,
            };
            stems.insert(id, stem);
        }
        Site { ir, stems }
    }

    /// The packages to document: the ones asked for first, then `deps/`.
    pub fn packages(&self) -> Vec<PackageId> {
        let mut ids = self.ir.roots.clone();
        for (id, _) in self.ir.packages.iter() {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids
    }

    pub fn stem(&self, package: PackageId) -> &str {
        &self.stems[&package]
    }

    pub fn world_anchor(&self, world: WorldId) -> String {
        format!("world:{}", self.ir[world].name)
    }

    /// The anchor of an interface; an inline one (in a world) is reached
    /// through its world.
    pub fn interface_anchor(&self, iface: InterfaceId) -> String {
        let i = &self.ir[iface];
        match &i.name {
            Some(name) => name.clone(),
            // `ns:pkg/world@version#name`: under its world's anchor.
            None => {
                let (path, name) = i
                    .qualified_name
                    .rsplit_once('#')
                    .unwrap_or((&i.qualified_name, "inline"));
                let world = path.rsplit_once('/').map_or(path, |(_, w)| w);
                let world = world.split_once('@').map_or(world, |(w, _)| w);
                format!("world:{world}.{name}")
            }
        }
    }

    /// The package an interface's page is, if it has one.
    pub fn interface_package(&self, iface: InterfaceId) -> Option<PackageId> {
        self.ir[iface].package
    }

    pub fn type_anchor(&self, ty: TypeId) -> Option<String> {
        let def = &self.ir.types[ty];
        let name = def.name.as_ref()?;
        match def.owner {
            Owner::Interface(i) => Some(format!("{}.{name}", self.interface_anchor(i))),
            Owner::World(w) => Some(format!("{}.{name}", self.world_anchor(w))),
            Owner::None => None,
        }
    }

    /// The package whose page holds type `ty`.
    pub fn type_package(&self, ty: TypeId) -> Option<PackageId> {
        match self.ir.types[ty].owner {
            Owner::Interface(i) => self.ir[i].package,
            Owner::World(w) => self.ir[w].package,
            Owner::None => None,
        }
    }

    /// The anchor of a function of interface (or world) `scope`.
    /// A property's getter and setter share a name: theirs end in `:get`
    /// and `:set`.
    pub fn function_anchor(&self, scope: &str, f: &Function) -> String {
        use witloom_ir::FunctionKind as K;
        let accessor = match f.kind {
            K::Getter | K::MethodGetter | K::StaticGetter => ":get",
            K::Setter | K::MethodSetter | K::StaticSetter => ":set",
            _ => "",
        };
        match f.resource {
            Some(r) => {
                let resource = self.ir.types[r].name.as_deref().unwrap_or("resource");
                format!("{scope}.{resource}.{}{accessor}", f.item_name)
            }
            None => format!("{scope}.{}{accessor}", f.item_name),
        }
    }

    /// A type defined in `types` that only brings in another through `use`.
    pub fn is_used(&self, iface: InterfaceId, ty: TypeId) -> bool {
        self.ir[iface]
            .uses
            .iter()
            .any(|u| u.names.iter().any(|n| n.local == ty))
    }
}
