//! Lowers a `wit_parser::Resolve` into the [`Ir`](crate::Ir).
//!
//! Two modes share one pass: the whole `Resolve` (ids stay equal to
//! wit-parser's), or only what one world reaches (ids are renumbered densely,
//! in the same relative order). The pass first decides what to keep and
//! assigns new ids, then translates every kept item through that mapping, so
//! no item can refer to one that was dropped.

use crate::model::*;
use crate::source::SourceCache;
use indexmap::IndexMap;
use std::collections::HashMap;
use wit_parser as wp;

/// Lowers all of `resolve`. `roots` are the packages that were asked for.
pub fn lower(resolve: &wp::Resolve, roots: &[wp::PackageId]) -> Ir {
    Lowerer::new(resolve, Keep::all(resolve)).run(roots)
}

/// [`lower`], with the text of the source files already read (by name as
/// in the resolve's source map), so that none is read again for locations.
pub(crate) fn lower_with_sources(
    resolve: &wp::Resolve,
    roots: &[wp::PackageId],
    sources: impl IntoIterator<Item = (String, String)>,
) -> Ir {
    let mut lowerer = Lowerer::new(resolve, Keep::all(resolve));
    lowerer.sources = SourceCache::with_texts(sources);
    lowerer.run(roots)
}

/// Lowers the part of `resolve` that `world` reaches: the world, every
/// interface it imports or exports, the types those mention, and their
/// packages.
pub fn lower_world(resolve: &wp::Resolve, world: wp::WorldId) -> Ir {
    let keep = Keep::world(resolve, world);
    let root = resolve.worlds[world].package;
    Lowerer::new(resolve, keep).run(root.as_slice())
}

/// Which items survive, as a map from wit-parser index to new id.
struct Keep {
    packages: Vec<Option<PackageId>>,
    worlds: Vec<Option<WorldId>>,
    interfaces: Vec<Option<InterfaceId>>,
    types: Vec<Option<TypeId>>,
}

/// Assigns dense ids, in order, to the indices marked in `mask`.
fn renumber<I: ArenaId>(mask: &[bool]) -> Vec<Option<I>> {
    let mut next = 0;
    mask.iter()
        .map(|&kept| {
            kept.then(|| {
                next += 1;
                I::from_index(next - 1)
            })
        })
        .collect()
}

impl Keep {
    fn all(r: &wp::Resolve) -> Keep {
        Keep {
            packages: renumber(&vec![true; r.packages.len()]),
            worlds: renumber(&vec![true; r.worlds.len()]),
            interfaces: renumber(&vec![true; r.interfaces.len()]),
            types: renumber(&vec![true; r.types.len()]),
        }
    }

    fn world(r: &wp::Resolve, world: wp::WorldId) -> Keep {
        let mut worlds = vec![false; r.worlds.len()];
        let mut interfaces = vec![false; r.interfaces.len()];
        let mut types = vec![false; r.types.len()];
        let mut type_queue = Vec::new();
        let mut iface_queue = Vec::new();

        worlds[world.index()] = true;
        let w = &r.worlds[world];
        for item in w.imports.values().chain(w.exports.values()) {
            match item {
                wp::WorldItem::Interface { id, .. } => iface_queue.push(*id),
                wp::WorldItem::Function(f) => push_function_types(f, &mut type_queue),
                wp::WorldItem::Type { id, .. } => type_queue.push(*id),
            }
        }
        // A fixpoint over both queues: an interface brings in its types and
        // signatures, a type brings in what it mentions and its owner.
        loop {
            if let Some(i) = iface_queue.pop() {
                if std::mem::replace(&mut interfaces[i.index()], true) {
                    continue;
                }
                let iface = &r.interfaces[i];
                type_queue.extend(iface.types.values().copied());
                for f in iface.functions.values() {
                    push_function_types(f, &mut type_queue);
                }
            } else if let Some(t) = type_queue.pop() {
                if std::mem::replace(&mut types[t.index()], true) {
                    continue;
                }
                let def = &r.types[t];
                if let wp::TypeOwner::Interface(i) = def.owner {
                    iface_queue.push(i);
                }
                for_each_type_in_kind(&def.kind, |ty| {
                    if let wp::Type::Id(id) = ty {
                        type_queue.push(id);
                    }
                });
            } else {
                break;
            }
        }

        let mut packages = vec![false; r.packages.len()];
        let owners = r
            .worlds
            .iter()
            .filter(|(id, _)| worlds[id.index()])
            .map(|(_, w)| w.package)
            .chain(
                r.interfaces
                    .iter()
                    .filter(|(id, _)| interfaces[id.index()])
                    .map(|(_, i)| i.package),
            );
        for p in owners.flatten() {
            packages[p.index()] = true;
        }
        Keep {
            packages: renumber(&packages),
            worlds: renumber(&worlds),
            interfaces: renumber(&interfaces),
            types: renumber(&types),
        }
    }
}

fn push_function_types(f: &wp::Function, out: &mut Vec<wp::TypeId>) {
    for ty in f.params.iter().map(|p| p.ty).chain(f.result) {
        if let wp::Type::Id(id) = ty {
            out.push(id);
        }
    }
    if let Some(resource) = function_resource(&f.kind) {
        out.push(resource);
    }
}

/// Calls `f` with every type a definition mentions directly.
fn for_each_type_in_kind(kind: &wp::TypeDefKind, mut f: impl FnMut(wp::Type)) {
    use wp::TypeDefKind as K;
    match kind {
        K::Record(r) => r.fields.iter().for_each(|x| f(x.ty)),
        K::Variant(v) => v.cases.iter().filter_map(|c| c.ty).for_each(f),
        K::Tuple(t) => t.types.iter().copied().for_each(f),
        K::Option(t) | K::List(t) | K::FixedLengthList(t, _) | K::Type(t) => f(*t),
        K::Map(k, v) => {
            f(*k);
            f(*v);
        }
        K::Result(r) => r.ok.into_iter().chain(r.err).for_each(f),
        K::Future(t) | K::Stream(t) => t.iter().copied().for_each(f),
        K::Handle(wp::Handle::Own(id) | wp::Handle::Borrow(id)) => f(wp::Type::Id(*id)),
        K::Resource | K::Flags(_) | K::Enum(_) | K::Unknown => {}
    }
}

fn function_resource(kind: &wp::FunctionKind) -> Option<wp::TypeId> {
    use wp::FunctionKind as K;
    match kind {
        K::Freestanding | K::AsyncFreestanding | K::Getter | K::Setter => None,
        K::Method(id)
        | K::AsyncMethod(id)
        | K::MethodGetter(id)
        | K::MethodSetter(id)
        | K::Static(id)
        | K::AsyncStatic(id)
        | K::StaticGetter(id)
        | K::StaticSetter(id)
        | K::Constructor(id) => Some(*id),
    }
}

struct Lowerer<'a> {
    r: &'a wp::Resolve,
    keep: Keep,
    sources: SourceCache,
    /// Qualified names of kept interfaces and worlds, by wit-parser id, which
    /// types and functions build theirs on.
    iface_names: HashMap<wp::InterfaceId, String>,
    world_names: HashMap<wp::WorldId, String>,
}

impl<'a> Lowerer<'a> {
    fn new(r: &'a wp::Resolve, keep: Keep) -> Self {
        Lowerer {
            r,
            keep,
            sources: SourceCache::default(),
            iface_names: HashMap::new(),
            world_names: HashMap::new(),
        }
    }

    fn run(mut self, roots: &[wp::PackageId]) -> Ir {
        self.name_worlds_and_interfaces();
        let mut ir = Ir {
            roots: roots.iter().filter_map(|p| self.package_id(*p)).collect(),
            ..Ir::default()
        };
        let r = self.r;
        for (id, pkg) in r.packages.iter() {
            if self.package_id(id).is_some() {
                ir.packages.alloc(self.package(pkg));
            }
        }
        for (id, world) in r.worlds.iter() {
            if self.world_id(id).is_some() {
                let w = self.world(id, world);
                ir.worlds.alloc(w);
            }
        }
        for (id, iface) in r.interfaces.iter() {
            if self.iface_id(id).is_some() {
                let i = self.interface(id, iface);
                ir.interfaces.alloc(i);
            }
        }
        let resources = self.resource_functions();
        for (id, def) in r.types.iter() {
            if self.type_id(id).is_some() {
                let t = self.typedef(id, def, &resources);
                ir.types.alloc(t);
            }
        }
        ir
    }

    fn package_id(&self, id: wp::PackageId) -> Option<PackageId> {
        self.keep.packages.get(id.index()).copied().flatten()
    }
    fn world_id(&self, id: wp::WorldId) -> Option<WorldId> {
        self.keep.worlds.get(id.index()).copied().flatten()
    }
    fn iface_id(&self, id: wp::InterfaceId) -> Option<InterfaceId> {
        self.keep.interfaces.get(id.index()).copied().flatten()
    }
    fn type_id(&self, id: wp::TypeId) -> Option<TypeId> {
        self.keep.types.get(id.index()).copied().flatten()
    }

    /// A kept type's new id. Only called for types reachable from kept
    /// items, which [`Keep`] guarantees are kept too.
    fn tid(&self, id: wp::TypeId) -> TypeId {
        self.type_id(id)
            .expect("Keep includes every type reachable from a kept item")
    }

    fn name_worlds_and_interfaces(&mut self) {
        let r = self.r;
        for (id, w) in r.worlds.iter() {
            let name = match w.package {
                Some(p) => package_name(&r.packages[p].name).item(&w.name),
                None => w.name.clone(),
            };
            self.world_names.insert(id, name);
        }
        for (id, iface) in r.interfaces.iter() {
            let pkg = iface.package.map(|p| package_name(&r.packages[p].name));
            let name = match (&iface.name, pkg) {
                (Some(name), Some(pkg)) => pkg.item(name),
                (Some(name), None) => name.clone(),
                (None, _) => format!("interface-{}", id.index()),
            };
            self.iface_names.insert(id, name);
        }
        // Inline interfaces take the world's name and their key in it.
        for (wid, w) in r.worlds.iter() {
            for (key, item) in w.imports.iter().chain(&w.exports) {
                if let (wp::WorldKey::Name(key), wp::WorldItem::Interface { id, .. }) = (key, item)
                    && r.interfaces[*id].name.is_none()
                {
                    let name = format!("{}#{key}", self.world_names[&wid]);
                    self.iface_names.insert(*id, name);
                }
            }
        }
    }

    fn package(&self, pkg: &wp::Package) -> Package {
        let name = package_name(&pkg.name);
        Package {
            qualified_name: name.to_string(),
            name,
            docs: docs(&pkg.docs),
            interfaces: pkg
                .interfaces
                .iter()
                .filter_map(|(n, id)| Some((n.clone(), self.iface_id(*id)?)))
                .collect(),
            worlds: pkg
                .worlds
                .iter()
                .filter_map(|(n, id)| Some((n.clone(), self.world_id(*id)?)))
                .collect(),
        }
    }

    fn world(&mut self, id: wp::WorldId, w: &wp::World) -> World {
        let qualified_name = self.world_names[&id].clone();
        let mut items = |map: &wp::IndexMap<wp::WorldKey, wp::WorldItem>| -> Vec<WorldItem> {
            map.iter()
                .map(|(key, item)| self.world_item(&qualified_name, key, item))
                .collect()
        };
        let imports = items(&w.imports);
        let exports = items(&w.exports);
        World {
            name: w.name.clone(),
            package: w.package.and_then(|p| self.package_id(p)),
            docs: docs(&w.docs),
            gate: gate(&w.stability),
            location: self.sources.location(self.r, w.span),
            imports,
            exports,
            qualified_name,
        }
    }

    fn world_item(&mut self, owner: &str, key: &wp::WorldKey, item: &wp::WorldItem) -> WorldItem {
        let name = self.r.name_world_key(key);
        match item {
            wp::WorldItem::Interface {
                id,
                stability,
                docs: d,
                ..
            } => WorldItem {
                name,
                gate: gate(stability),
                docs: docs(d),
                kind: WorldItemKind::Interface {
                    interface: self
                        .iface_id(*id)
                        .expect("a kept world keeps the interfaces it names"),
                },
            },
            wp::WorldItem::Function(f) => {
                let function = self.function(owner, f);
                WorldItem {
                    name,
                    gate: function.gate.clone(),
                    docs: function.docs.clone(),
                    kind: WorldItemKind::Function {
                        function: Box::new(function),
                    },
                }
            }
            wp::WorldItem::Type { id, .. } => {
                let def = &self.r.types[*id];
                WorldItem {
                    name,
                    gate: gate(&def.stability),
                    docs: docs(&def.docs),
                    kind: WorldItemKind::Type {
                        r#type: self.tid(*id),
                    },
                }
            }
        }
    }

    fn interface(&mut self, id: wp::InterfaceId, iface: &wp::Interface) -> Interface {
        let qualified_name = self.iface_names[&id].clone();
        let functions = iface
            .functions
            .iter()
            .map(|(name, f)| (name.clone(), self.function(&qualified_name, f)))
            .collect();
        Interface {
            name: iface.name.clone(),
            package: iface.package.and_then(|p| self.package_id(p)),
            docs: docs(&iface.docs),
            gate: gate(&iface.stability),
            location: self.sources.location(self.r, iface.span),
            types: iface
                .types
                .iter()
                .map(|(n, t)| (n.clone(), self.tid(*t)))
                .collect(),
            functions,
            uses: self.uses(id, iface),
            qualified_name,
        }
    }

    /// Recovers `use` statements: wit-parser records `use a.{b as c}` as a
    /// type `c` here that aliases `b` in `a`. A plain `type x = y;` can only
    /// name a type of its own interface, so an alias across interfaces is
    /// always a `use`.
    fn uses(&self, id: wp::InterfaceId, iface: &wp::Interface) -> Vec<Use> {
        let mut uses: IndexMap<wp::InterfaceId, Vec<UseName>> = IndexMap::new();
        for (name, &local) in &iface.types {
            let wp::TypeDefKind::Type(wp::Type::Id(target)) = self.r.types[local].kind else {
                continue;
            };
            let wp::TypeOwner::Interface(from) = self.r.types[target].owner else {
                continue;
            };
            if from == id {
                continue;
            }
            uses.entry(from).or_default().push(UseName {
                name: name.clone(),
                local: self.tid(local),
                target: self.tid(target),
            });
        }
        uses.into_iter()
            .map(|(from, names)| Use {
                from: self
                    .iface_id(from)
                    .expect("a kept type's owner interface is kept"),
                names,
            })
            .collect()
    }

    fn function(&mut self, owner: &str, f: &wp::Function) -> Function {
        use wp::FunctionKind as K;
        let (kind, is_async) = match f.kind {
            K::Freestanding => (FunctionKind::Freestanding, false),
            K::AsyncFreestanding => (FunctionKind::Freestanding, true),
            K::Getter => (FunctionKind::Getter, false),
            K::Setter => (FunctionKind::Setter, false),
            K::Method(_) => (FunctionKind::Method, false),
            K::AsyncMethod(_) => (FunctionKind::Method, true),
            K::MethodGetter(_) => (FunctionKind::MethodGetter, false),
            K::MethodSetter(_) => (FunctionKind::MethodSetter, false),
            K::Static(_) => (FunctionKind::Static, false),
            K::AsyncStatic(_) => (FunctionKind::Static, true),
            K::StaticGetter(_) => (FunctionKind::StaticGetter, false),
            K::StaticSetter(_) => (FunctionKind::StaticSetter, false),
            K::Constructor(_) => (FunctionKind::Constructor, false),
        };
        let item_name = item_name(f);
        let resource = function_resource(&f.kind);
        let accessor = matches!(
            kind,
            FunctionKind::Getter
                | FunctionKind::Setter
                | FunctionKind::MethodGetter
                | FunctionKind::MethodSetter
                | FunctionKind::StaticGetter
                | FunctionKind::StaticSetter
        );
        let local = match resource.and_then(|r| self.r.types[r].name.as_deref()) {
            _ if accessor => f.name.clone(),
            Some(res) => format!("{res}.{item_name}"),
            None => item_name.clone(),
        };
        Function {
            name: f.name.clone(),
            qualified_name: format!("{owner}#{local}"),
            item_name,
            kind,
            resource: resource.map(|r| self.tid(r)),
            is_async,
            params: f
                .params
                .iter()
                .map(|p| Param {
                    name: p.name.clone(),
                    r#type: self.ty(p.ty),
                })
                .collect(),
            result: f.result.map(|t| self.ty(t)),
            docs: docs(&f.docs),
            gate: gate(&f.stability),
            location: self.sources.location(self.r, f.span),
        }
    }

    /// For each resource, its functions' canonical names in declaration
    /// order: `(constructor, methods, statics)`.
    fn resource_functions(&self) -> HashMap<wp::TypeId, ResourceFunctions> {
        let mut out: HashMap<wp::TypeId, ResourceFunctions> = HashMap::new();
        let r = self.r;
        let world_functions = r.worlds.iter().flat_map(|(_, w)| {
            w.imports
                .values()
                .chain(w.exports.values())
                .filter_map(|item| match item {
                    wp::WorldItem::Function(f) => Some(f),
                    _ => None,
                })
        });
        let functions = r
            .interfaces
            .iter()
            .flat_map(|(_, i)| i.functions.values())
            .chain(world_functions);
        for f in functions {
            let Some(res) = function_resource(&f.kind) else {
                continue;
            };
            let entry = out.entry(res).or_default();
            match f.kind {
                wp::FunctionKind::Constructor(_) => entry.constructor = Some(f.name.clone()),
                wp::FunctionKind::Static(_)
                | wp::FunctionKind::AsyncStatic(_)
                | wp::FunctionKind::StaticGetter(_)
                | wp::FunctionKind::StaticSetter(_) => entry.statics.push(f.name.clone()),
                _ => entry.methods.push(f.name.clone()),
            }
        }
        out
    }

    fn typedef(
        &mut self,
        id: wp::TypeId,
        def: &wp::TypeDef,
        resources: &HashMap<wp::TypeId, ResourceFunctions>,
    ) -> TypeDef {
        use wp::TypeDefKind as K;
        let kind = match &def.kind {
            K::Record(r) => TypeDefKind::Record {
                fields: r
                    .fields
                    .iter()
                    .map(|f| Field {
                        name: f.name.clone(),
                        r#type: self.ty(f.ty),
                        docs: docs(&f.docs),
                    })
                    .collect(),
            },
            K::Variant(v) => TypeDefKind::Variant {
                cases: v
                    .cases
                    .iter()
                    .map(|c| Case {
                        name: c.name.clone(),
                        r#type: c.ty.map(|t| self.ty(t)),
                        docs: docs(&c.docs),
                    })
                    .collect(),
            },
            K::Enum(e) => TypeDefKind::Enum {
                cases: e
                    .cases
                    .iter()
                    .map(|c| EnumCase {
                        name: c.name.clone(),
                        docs: docs(&c.docs),
                    })
                    .collect(),
            },
            K::Flags(f) => TypeDefKind::Flags {
                flags: f
                    .flags
                    .iter()
                    .map(|f| Flag {
                        name: f.name.clone(),
                        docs: docs(&f.docs),
                    })
                    .collect(),
            },
            K::Tuple(t) => TypeDefKind::Tuple {
                types: t.types.iter().map(|t| self.ty(*t)).collect(),
            },
            K::Option(t) => TypeDefKind::Option {
                r#type: self.ty(*t),
            },
            K::Result(r) => TypeDefKind::Result {
                ok: r.ok.map(|t| self.ty(t)),
                err: r.err.map(|t| self.ty(t)),
            },
            K::List(t) => TypeDefKind::List {
                element: self.ty(*t),
            },
            K::FixedLengthList(t, size) => TypeDefKind::FixedSizeList {
                element: self.ty(*t),
                size: *size,
            },
            K::Map(k, v) => TypeDefKind::Map {
                key: self.ty(*k),
                value: self.ty(*v),
            },
            K::Future(t) => TypeDefKind::Future {
                r#type: t.map(|t| self.ty(t)),
            },
            K::Stream(t) => TypeDefKind::Stream {
                r#type: t.map(|t| self.ty(t)),
            },
            K::Resource => {
                let f = resources.get(&id).cloned().unwrap_or_default();
                TypeDefKind::Resource {
                    constructor: f.constructor,
                    methods: f.methods,
                    statics: f.statics,
                }
            }
            K::Handle(wp::Handle::Own(r)) => TypeDefKind::Own {
                resource: self.tid(*r),
            },
            K::Handle(wp::Handle::Borrow(r)) => TypeDefKind::Borrow {
                resource: self.tid(*r),
            },
            K::Type(t) => TypeDefKind::Alias {
                target: self.ty(*t),
            },
            // wit-parser removes these while resolving; should one survive,
            // an alias to nothing would be wrong, so keep it visible.
            K::Unknown => TypeDefKind::Alias {
                target: Type::ErrorContext,
            },
        };
        let (owner, owner_name) = match def.owner {
            wp::TypeOwner::Interface(i) => (
                self.iface_id(i).map_or(Owner::None, Owner::Interface),
                self.iface_names.get(&i),
            ),
            wp::TypeOwner::World(w) => (
                self.world_id(w).map_or(Owner::None, Owner::World),
                self.world_names.get(&w),
            ),
            wp::TypeOwner::None => (Owner::None, None),
        };
        TypeDef {
            qualified_name: match (owner_name, &def.name) {
                (Some(owner), Some(name)) => Some(format!("{owner}#{name}")),
                _ => None,
            },
            name: def.name.clone(),
            owner,
            docs: docs(&def.docs),
            gate: gate(&def.stability),
            location: self.sources.location(self.r, def.span),
            kind,
        }
    }

    fn ty(&self, ty: wp::Type) -> Type {
        match ty {
            wp::Type::Bool => Type::Bool,
            wp::Type::U8 => Type::U8,
            wp::Type::U16 => Type::U16,
            wp::Type::U32 => Type::U32,
            wp::Type::U64 => Type::U64,
            wp::Type::S8 => Type::S8,
            wp::Type::S16 => Type::S16,
            wp::Type::S32 => Type::S32,
            wp::Type::S64 => Type::S64,
            wp::Type::F32 => Type::F32,
            wp::Type::F64 => Type::F64,
            wp::Type::Char => Type::Char,
            wp::Type::String => Type::String,
            wp::Type::ErrorContext => Type::ErrorContext,
            wp::Type::Id(id) => Type::Id(self.tid(id)),
        }
    }
}

#[derive(Default, Clone)]
struct ResourceFunctions {
    constructor: Option<String>,
    methods: Vec<String>,
    statics: Vec<String>,
}

/// The name as written in WIT. wit-parser's own `Function::item_name`
/// assumes well-formed canonical names; a decoded component may not have
/// them, so this never slices blindly.
fn item_name(f: &wp::Function) -> String {
    use wp::FunctionKind as K;
    let after = |c: char| f.name.split_once(c).map_or(f.name.as_str(), |(_, s)| s);
    match f.kind {
        K::Freestanding | K::AsyncFreestanding => f.name.clone(),
        K::Constructor(_) => "constructor".to_string(),
        K::Getter | K::Setter => after(']').to_string(),
        _ => after('.').to_string(),
    }
}

pub(crate) fn package_name(n: &wp::PackageName) -> PackageName {
    PackageName {
        namespace: n.namespace.clone(),
        name: n.name.clone(),
        version: n.version.as_ref().map(|v| v.to_string()),
    }
}

fn docs(d: &wp::Docs) -> Docs {
    d.contents.clone()
}

fn gate(s: &wp::Stability) -> Gate {
    match s {
        wp::Stability::Unknown => Gate::None,
        wp::Stability::Stable { since, deprecated } => Gate::Stable {
            since: since.to_string(),
            deprecated: deprecated.as_ref().map(|v| v.to_string()),
        },
        wp::Stability::Unstable {
            feature,
            deprecated,
        } => Gate::Unstable {
            feature: feature.clone(),
            deprecated: deprecated.as_ref().map(|v| v.to_string()),
        },
    }
}
