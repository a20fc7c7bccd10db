//! The IR itself: arenas of packages, worlds, interfaces and types addressed by
//! typed ids, in the spirit of `wit_parser::Resolve`, but shaped for
//! generators: resources carry their functions, `use` links are explicit,
//! async-ness is a flag rather than a separate function kind, every item has a
//! fully qualified name and a source location, and everything serializes with
//! serde in a deterministic order.
//!
//! Ids are indices. When the IR is lowered from a whole `Resolve` the indices
//! equal wit-parser's own, so code that holds both (for example a generator
//! that hands the `Resolve` to wit-bindgen-c) can move between them freely.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::marker::PhantomData;
use std::ops::{Index, IndexMut};

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident => $item:ident in $field:ident,)*) => {$(
        $(#[$doc])*
        #[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u32);

        impl $name {
            /// The position of the item in its arena.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl ArenaId for $name {
            fn from_index(index: usize) -> Self {
                $name(u32::try_from(index).expect("arena larger than u32::MAX items"))
            }
            fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl Index<$name> for Ir {
            type Output = $item;
            fn index(&self, id: $name) -> &$item {
                &self.$field[id]
            }
        }
    )*};
}

ids! {
    /// Names a [`Package`] in [`Ir::packages`].
    PackageId => Package in packages,
    /// Names a [`World`] in [`Ir::worlds`].
    WorldId => World in worlds,
    /// Names an [`Interface`] in [`Ir::interfaces`].
    InterfaceId => Interface in interfaces,
    /// Names a [`TypeDef`] in [`Ir::types`].
    TypeId => TypeDef in types,
}

/// An id that addresses an [`Arena`].
pub trait ArenaId: Copy {
    /// The id of the item at `index`.
    fn from_index(index: usize) -> Self;
    /// The index this id addresses.
    fn index(self) -> usize;
}

/// A vector addressed by a typed id; serialized as a plain JSON array whose
/// positions are the ids.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Arena<I, T> {
    items: Vec<T>,
    #[serde(skip)]
    _id: PhantomData<fn() -> I>,
}

impl<I, T> Default for Arena<I, T> {
    fn default() -> Self {
        Arena {
            items: Vec::new(),
            _id: PhantomData,
        }
    }
}

impl<I: ArenaId, T> Arena<I, T> {
    /// Appends `item` and returns its id.
    pub fn alloc(&mut self, item: T) -> I {
        self.items.push(item);
        I::from_index(self.items.len() - 1)
    }
    /// How many items there are.
    pub fn len(&self) -> usize {
        self.items.len()
    }
    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    /// The item behind `id`, if it exists.
    pub fn get(&self, id: I) -> Option<&T> {
        self.items.get(id.index())
    }
    /// Every item with its id, in id order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (I, &T)> + '_ {
        self.items
            .iter()
            .enumerate()
            .map(|(i, t)| (I::from_index(i), t))
    }
}

impl<I: ArenaId, T> Index<I> for Arena<I, T> {
    type Output = T;
    fn index(&self, id: I) -> &T {
        &self.items[id.index()]
    }
}

impl<I: ArenaId, T> IndexMut<I> for Arena<I, T> {
    fn index_mut(&mut self, id: I) -> &mut T {
        &mut self.items[id.index()]
    }
}

impl<I, T: fmt::Debug> fmt::Debug for Arena<I, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.items).finish()
    }
}

/// A set of WIT packages, resolved and lowered.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Ir {
    /// The packages that were asked for (the directory's own package, the
    /// file's packages, or the component's synthesized root package), as
    /// opposed to those that only came in through `deps/`.
    pub roots: Vec<PackageId>,
    /// Every package, dependencies first.
    pub packages: Arena<PackageId, Package>,
    /// Every world.
    pub worlds: Arena<WorldId, World>,
    /// Every interface, named or anonymous (inline in a world).
    pub interfaces: Arena<InterfaceId, Interface>,
    /// Every type definition. Primitive types are not here: see [`Type`].
    pub types: Arena<TypeId, TypeDef>,
}

/// `ns:name@version`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PackageName {
    pub namespace: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

impl fmt::Display for PackageName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.namespace, self.name)?;
        if let Some(v) = &self.version {
            write!(f, "@{v}")?;
        }
        Ok(())
    }
}

impl PackageName {
    /// The qualified name of item `item` of this package:
    /// `ns:pkg/item@version`, the form WIT and component imports use.
    pub fn item(&self, item: &str) -> String {
        match &self.version {
            Some(v) => format!("{}:{}/{item}@{v}", self.namespace, self.name),
            None => format!("{}:{}/{item}", self.namespace, self.name),
        }
    }
}

pub use witloom_diag::Location;

/// A feature gate: `@since`, `@unstable` and `@deprecated`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Gate {
    /// No gate was written.
    #[default]
    None,
    /// `@since(version = V)`, possibly `@deprecated(version = D)`.
    Stable {
        since: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        deprecated: Option<String>,
    },
    /// `@unstable(feature = F)`, possibly `@deprecated(version = D)`.
    Unstable {
        feature: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        deprecated: Option<String>,
    },
}

impl Gate {
    /// Whether no gate was written.
    pub fn is_none(&self) -> bool {
        matches!(self, Gate::None)
    }
    /// The version the item was deprecated in, if it was.
    pub fn deprecated(&self) -> Option<&str> {
        match self {
            Gate::None => None,
            Gate::Stable { deprecated, .. } | Gate::Unstable { deprecated, .. } => {
                deprecated.as_deref()
            }
        }
    }
}

/// The `///` doc comments of an item, without the slashes.
pub type Docs = Option<String>;

/// One WIT package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Package {
    pub name: PackageName,
    /// `ns:name@version`.
    pub qualified_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docs: Docs,
    /// Named interfaces, in source order.
    pub interfaces: IndexMap<String, InterfaceId>,
    /// Worlds, in source order.
    pub worlds: IndexMap<String, WorldId>,
}

/// A world: what a component imports and exports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct World {
    pub name: String,
    /// `ns:pkg/world@version`.
    pub qualified_name: String,
    pub package: Option<PackageId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docs: Docs,
    #[serde(default, skip_serializing_if = "Gate::is_none")]
    pub gate: Gate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// After `include`s and `use`s are elaborated: every interface the world
    /// needs is here, including those only reached through types.
    pub imports: Vec<WorldItem>,
    pub exports: Vec<WorldItem>,
}

/// One import or export of a world.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorldItem {
    /// The name in the component's import or export section:
    /// `ns:pkg/iface@version` for a named interface, a plain kebab name for a
    /// function, a type or an inline interface.
    pub name: String,
    #[serde(default, skip_serializing_if = "Gate::is_none")]
    pub gate: Gate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docs: Docs,
    #[serde(flatten)]
    pub kind: WorldItemKind,
}

/// What a [`WorldItem`] is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "item")]
pub enum WorldItemKind {
    Interface { interface: InterfaceId },
    Function { function: Box<Function> },
    Type { r#type: TypeId },
}

/// An interface: a named one in a package, or an inline one in a world.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interface {
    /// `None` for an interface written inline in a world.
    pub name: Option<String>,
    /// `ns:pkg/iface@version`; for an inline interface,
    /// `ns:pkg/world@version#name`.
    pub qualified_name: String,
    pub package: Option<PackageId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docs: Docs,
    #[serde(default, skip_serializing_if = "Gate::is_none")]
    pub gate: Gate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// Every type the interface names, defined here or brought in with `use`.
    pub types: IndexMap<String, TypeId>,
    /// Every function, freestanding or belonging to a resource, keyed by its
    /// canonical name (`[method]file.read`).
    pub functions: IndexMap<String, Function>,
    /// The `use` statements, grouped by the interface they take from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uses: Vec<Use>,
}

/// `use other.{a, b as c};`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Use {
    pub from: InterfaceId,
    /// `(local name, type in this interface, type in `from`)`.
    pub names: Vec<UseName>,
}

/// One name of a [`Use`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UseName {
    /// The name here (differs from the original with `as`).
    pub name: String,
    /// The alias type defined here.
    pub local: TypeId,
    /// The type it refers to in the other interface.
    pub target: TypeId,
}

/// A type definition: anything with a name, and every compound type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypeDef {
    /// `None` for anonymous types such as `list<u8>` in a signature.
    pub name: Option<String>,
    /// `ns:pkg/iface@version#name` for named types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualified_name: Option<String>,
    pub owner: Owner,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docs: Docs,
    #[serde(default, skip_serializing_if = "Gate::is_none")]
    pub gate: Gate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    pub kind: TypeDefKind,
}

/// Where a type definition lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Owner {
    World(WorldId),
    Interface(InterfaceId),
    /// Anonymous types, which belong to whoever mentions them.
    None,
}

/// A reference to a type: a primitive, or a definition in [`Ir::types`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Type {
    Bool,
    U8,
    U16,
    U32,
    U64,
    S8,
    S16,
    S32,
    S64,
    F32,
    F64,
    Char,
    String,
    ErrorContext,
    Id(TypeId),
}

impl Type {
    /// The WIT spelling of a primitive type; `None` for [`Type::Id`].
    pub fn primitive_name(self) -> Option<&'static str> {
        Some(match self {
            Type::Bool => "bool",
            Type::U8 => "u8",
            Type::U16 => "u16",
            Type::U32 => "u32",
            Type::U64 => "u64",
            Type::S8 => "s8",
            Type::S16 => "s16",
            Type::S32 => "s32",
            Type::S64 => "s64",
            Type::F32 => "f32",
            Type::F64 => "f64",
            Type::Char => "char",
            Type::String => "string",
            Type::ErrorContext => "error-context",
            Type::Id(_) => return None,
        })
    }
}

/// The shape of a [`TypeDef`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum TypeDefKind {
    Record {
        fields: Vec<Field>,
    },
    Variant {
        cases: Vec<Case>,
    },
    Enum {
        cases: Vec<EnumCase>,
    },
    Flags {
        flags: Vec<Flag>,
    },
    Tuple {
        types: Vec<Type>,
    },
    Option {
        r#type: Type,
    },
    Result {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ok: Option<Type>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        err: Option<Type>,
    },
    List {
        element: Type,
    },
    /// `list<T, N>`.
    FixedSizeList {
        element: Type,
        size: u32,
    },
    /// `map<K, V>`.
    Map {
        key: Type,
        value: Type,
    },
    Future {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        r#type: Option<Type>,
    },
    Stream {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        r#type: Option<Type>,
    },
    /// A resource with its functions; the keys name entries of the owning
    /// interface's (or world's) function map.
    Resource {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        constructor: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        methods: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        statics: Vec<String>,
    },
    /// `own<R>` (also written plainly as `R`). `resource` may be an alias
    /// of the resource: see [`Ir::dealias`].
    Own {
        resource: TypeId,
    },
    /// `borrow<R>`.
    Borrow {
        resource: TypeId,
    },
    /// `type a = b;`, and every name brought in by `use`.
    Alias {
        target: Type,
    },
}

impl TypeDefKind {
    /// The WIT keyword for this kind of type.
    pub fn keyword(&self) -> &'static str {
        match self {
            TypeDefKind::Record { .. } => "record",
            TypeDefKind::Variant { .. } => "variant",
            TypeDefKind::Enum { .. } => "enum",
            TypeDefKind::Flags { .. } => "flags",
            TypeDefKind::Tuple { .. } => "tuple",
            TypeDefKind::Option { .. } => "option",
            TypeDefKind::Result { .. } => "result",
            TypeDefKind::List { .. } | TypeDefKind::FixedSizeList { .. } => "list",
            TypeDefKind::Map { .. } => "map",
            TypeDefKind::Future { .. } => "future",
            TypeDefKind::Stream { .. } => "stream",
            TypeDefKind::Resource { .. } => "resource",
            TypeDefKind::Own { .. } => "own",
            TypeDefKind::Borrow { .. } => "borrow",
            TypeDefKind::Alias { .. } => "type",
        }
    }
}

/// A record field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    pub r#type: Type,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docs: Docs,
}

/// A variant case, with an optional payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<Type>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docs: Docs,
}

/// An enum case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnumCase {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docs: Docs,
}

/// One flag of a `flags` type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flag {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docs: Docs,
}

/// A function: freestanding, or a resource's constructor, method or static
/// function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Function {
    /// The canonical name, as in the component binary: `greet`,
    /// `[constructor]file`, `[method]file.read`, `[static]file.open`.
    pub name: String,
    /// The name as written in WIT: `greet`, `read`, `open`; `constructor`
    /// for constructors.
    pub item_name: String,
    /// `ns:pkg/iface@version#greet` or `ns:pkg/iface@version#file.read`;
    /// getters and setters keep their canonical name (`#[get]level`), as the
    /// two share an item name.
    pub qualified_name: String,
    pub kind: FunctionKind,
    /// The resource a constructor, method or static function belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<TypeId>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_async: bool,
    /// Parameters in order. For methods the first one is the implicit
    /// `self: borrow<R>`.
    pub params: Vec<Param>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Type>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docs: Docs,
    #[serde(default, skip_serializing_if = "Gate::is_none")]
    pub gate: Gate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// What kind of function a [`Function`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FunctionKind {
    Freestanding,
    Constructor,
    Method,
    Static,
    Getter,
    Setter,
    MethodGetter,
    MethodSetter,
    StaticGetter,
    StaticSetter,
}

/// A function parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Param {
    pub name: String,
    pub r#type: Type,
}

/// How much an [`Ir`] holds; what `witloom wit check` prints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub packages: usize,
    pub worlds: usize,
    pub interfaces: usize,
    pub types: usize,
    pub functions: usize,
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn n(f: &mut fmt::Formatter<'_>, count: usize, what: &str) -> fmt::Result {
            write!(f, "{count} {what}{}", if count == 1 { "" } else { "s" })
        }
        n(f, self.packages, "package")?;
        f.write_str(", ")?;
        n(f, self.worlds, "world")?;
        f.write_str(", ")?;
        n(f, self.interfaces, "interface")?;
        f.write_str(", ")?;
        n(f, self.types, "type")?;
        f.write_str(", ")?;
        n(f, self.functions, "function")
    }
}

impl Ir {
    /// How many of each item there are. Functions count those of interfaces
    /// and those a world imports or exports directly.
    pub fn counts(&self) -> Counts {
        let world_functions = self
            .worlds
            .iter()
            .flat_map(|(_, w)| w.imports.iter().chain(&w.exports))
            .filter(|item| matches!(item.kind, WorldItemKind::Function { .. }))
            .count();
        Counts {
            packages: self.packages.len(),
            worlds: self.worlds.len(),
            interfaces: self.interfaces.len(),
            types: self.types.len(),
            functions: world_functions
                + self
                    .interfaces
                    .iter()
                    .map(|(_, i)| i.functions.len())
                    .sum::<usize>(),
        }
    }

    /// The first use of the component model's async features in this IR,
    /// in WIT terms (`` async func `fetch` (`demo:x/api@0.1.0#fetch`) ``,
    /// `` `stream<u8>` ``, `` `error-context` ``), if there is one: what a
    /// toolchain without async support cannot build. Ask it of the IR of
    /// one world ([`crate::Loaded::world_ir`]) for what that world reaches.
    pub fn async_use(&self) -> Option<String> {
        let functions = self
            .interfaces
            .iter()
            .flat_map(|(_, i)| i.functions.values())
            .chain(self.worlds.iter().flat_map(|(_, w)| {
                w.imports
                    .iter()
                    .chain(&w.exports)
                    .filter_map(|item| match &item.kind {
                        WorldItemKind::Function { function } => Some(&**function),
                        _ => None,
                    })
            }));
        let mut mentioned = Vec::new();
        for f in functions {
            if f.is_async {
                return Some(format!(
                    "async func `{}` (`{}`)",
                    f.item_name, f.qualified_name
                ));
            }
            mentioned.extend(f.params.iter().map(|p| p.r#type).chain(f.result));
        }
        for (id, def) in self.types.iter() {
            match &def.kind {
                TypeDefKind::Future { .. } | TypeDefKind::Stream { .. } => {
                    return Some(format!("`{}`", self.type_name(Type::Id(id))));
                }
                TypeDefKind::Record { fields } => mentioned.extend(fields.iter().map(|f| f.r#type)),
                TypeDefKind::Variant { cases } => {
                    mentioned.extend(cases.iter().filter_map(|c| c.r#type))
                }
                TypeDefKind::Tuple { types } => mentioned.extend(types.iter().copied()),
                TypeDefKind::Option { r#type } => mentioned.push(*r#type),
                TypeDefKind::Result { ok, err } => mentioned.extend(ok.iter().chain(err).copied()),
                TypeDefKind::List { element } | TypeDefKind::FixedSizeList { element, .. } => {
                    mentioned.push(*element)
                }
                TypeDefKind::Map { key, value } => mentioned.extend([*key, *value]),
                TypeDefKind::Alias { target } => mentioned.push(*target),
                _ => {}
            }
        }
        mentioned
            .contains(&Type::ErrorContext)
            .then(|| "`error-context`".to_string())
    }

    /// The IR as pretty JSON, the form `witloom wit ir` prints and the golden
    /// tests compare.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("the IR always serializes");
        s.push('\n');
        s
    }

    /// Finds a world by name: `w` in a root package; `ns:pkg/w` or
    /// `ns:pkg/w@version`; or a bare `w` that names exactly one world
    /// anywhere.
    pub fn find_world(&self, name: &str) -> Option<WorldId> {
        let unversioned = |w: &World| {
            w.package.map(|p| {
                let pkg = &self.packages[p].name;
                format!("{}:{}/{}", pkg.namespace, pkg.name, w.name)
            })
        };
        if let Some((id, _)) = self
            .worlds
            .iter()
            .find(|(_, w)| w.qualified_name == name || unversioned(w).as_deref() == Some(name))
        {
            return Some(id);
        }
        if let Some(id) = self
            .roots
            .iter()
            .find_map(|p| self.packages[*p].worlds.get(name).copied())
        {
            return Some(id);
        }
        let mut bare = self.worlds.iter().filter(|(_, w)| w.name == name);
        match (bare.next(), bare.next()) {
            (Some((id, _)), None) => Some(id),
            _ => None,
        }
    }

    /// The display name of a type reference in WIT syntax (`list<u8>`,
    /// `fraction`, `borrow<file>`).
    pub fn type_name(&self, ty: Type) -> String {
        let id = match ty {
            Type::Id(id) => id,
            other => return other.primitive_name().unwrap_or_default().to_string(),
        };
        let def = &self.types[id];
        if let Some(name) = &def.name {
            return name.clone();
        }
        let opt = |t: &Option<Type>| t.map_or("_".to_string(), |t| self.type_name(t));
        match &def.kind {
            TypeDefKind::Tuple { types } => format!(
                "tuple<{}>",
                types
                    .iter()
                    .map(|t| self.type_name(*t))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            TypeDefKind::Option { r#type } => format!("option<{}>", self.type_name(*r#type)),
            TypeDefKind::Result {
                ok: None,
                err: None,
            } => "result".to_string(),
            TypeDefKind::Result { ok, err: None } => format!("result<{}>", opt(ok)),
            TypeDefKind::Result { ok, err } => format!("result<{}, {}>", opt(ok), opt(err)),
            TypeDefKind::List { element } => format!("list<{}>", self.type_name(*element)),
            TypeDefKind::FixedSizeList { element, size } => {
                format!("list<{}, {size}>", self.type_name(*element))
            }
            TypeDefKind::Map { key, value } => {
                format!("map<{}, {}>", self.type_name(*key), self.type_name(*value))
            }
            TypeDefKind::Future { r#type: None } => "future".to_string(),
            TypeDefKind::Future { r#type: Some(t) } => format!("future<{}>", self.type_name(*t)),
            TypeDefKind::Stream { r#type: None } => "stream".to_string(),
            TypeDefKind::Stream { r#type: Some(t) } => format!("stream<{}>", self.type_name(*t)),
            TypeDefKind::Own { resource } => self.type_name(Type::Id(*resource)),
            TypeDefKind::Borrow { resource } => {
                format!("borrow<{}>", self.type_name(Type::Id(*resource)))
            }
            TypeDefKind::Alias { target } => self.type_name(*target),
            // Named kinds always have a name; an anonymous one is malformed
            // input from a decoder, shown by kind rather than panicking.
            other => other.keyword().to_string(),
        }
    }
}

impl Ir {
    /// Follows `type a = b` and `use` aliases to the definition they name.
    /// A handle's resource may be such an alias (`own<r>` after `use i.{r}`).
    pub fn dealias(&self, mut id: TypeId) -> TypeId {
        // Bounded: an alias chain is never longer than the arena.
        for _ in 0..self.types.len() {
            match self.types.get(id).map(|t| &t.kind) {
                Some(TypeDefKind::Alias {
                    target: Type::Id(next),
                }) => id = *next,
                _ => break,
            }
        }
        id
    }

    /// Checks that every id points into its arena, every handle names a
    /// resource, and every resource's functions exist in its owner. Lowering
    /// guarantees this; an IR read back from JSON may not.
    pub fn check(&self) -> Result<(), Inconsistent> {
        let ty = |t: &Type| match t {
            Type::Id(id) if self.types.get(*id).is_none() => {
                Err(Inconsistent(format!("dangling {id:?}")))
            }
            _ => Ok(()),
        };
        let func = |f: &Function| -> Result<(), Inconsistent> {
            f.params.iter().try_for_each(|p| ty(&p.r#type))?;
            f.result.iter().try_for_each(ty)?;
            f.resource.map(|r| ty(&Type::Id(r))).transpose().map(|_| ())
        };
        for (id, t) in self.types.iter() {
            match &t.kind {
                TypeDefKind::Record { fields } => fields.iter().try_for_each(|f| ty(&f.r#type))?,
                TypeDefKind::Variant { cases } => cases
                    .iter()
                    .filter_map(|c| c.r#type.as_ref())
                    .try_for_each(ty)?,
                TypeDefKind::Tuple { types } => types.iter().try_for_each(ty)?,
                TypeDefKind::Option { r#type }
                | TypeDefKind::Alias { target: r#type }
                | TypeDefKind::List { element: r#type }
                | TypeDefKind::FixedSizeList {
                    element: r#type, ..
                } => ty(r#type)?,
                TypeDefKind::Map { key, value } => {
                    ty(key)?;
                    ty(value)?;
                }
                TypeDefKind::Result { ok, err } => ok.iter().chain(err).try_for_each(ty)?,
                TypeDefKind::Future { r#type } | TypeDefKind::Stream { r#type } => {
                    r#type.iter().try_for_each(ty)?
                }
                TypeDefKind::Own { resource } | TypeDefKind::Borrow { resource } => {
                    match self.types.get(self.dealias(*resource)).map(|r| &r.kind) {
                        Some(TypeDefKind::Resource { .. }) => {}
                        _ => {
                            return Err(Inconsistent(format!(
                                "{id:?} is a handle to a non-resource"
                            )));
                        }
                    }
                }
                TypeDefKind::Resource {
                    constructor,
                    methods,
                    statics,
                } => {
                    let functions = match t.owner {
                        Owner::Interface(i) => match self.interfaces.get(i) {
                            Some(i) => &i.functions,
                            None => {
                                return Err(Inconsistent(format!("{id:?} has a dangling owner")));
                            }
                        },
                        Owner::World(_) | Owner::None => continue,
                    };
                    for f in constructor.iter().chain(methods).chain(statics) {
                        if !functions.contains_key(f) {
                            return Err(Inconsistent(format!(
                                "resource function `{f}` is missing"
                            )));
                        }
                    }
                }
                TypeDefKind::Enum { .. } | TypeDefKind::Flags { .. } => {}
            }
        }
        for (_, i) in self.interfaces.iter() {
            i.functions.values().try_for_each(func)?;
            i.types.values().try_for_each(|t| ty(&Type::Id(*t)))?;
        }
        for (_, w) in self.worlds.iter() {
            for item in w.imports.iter().chain(&w.exports) {
                match &item.kind {
                    WorldItemKind::Interface { interface } => {
                        if self.interfaces.get(*interface).is_none() {
                            return Err(Inconsistent(format!(
                                "world `{}` names a dangling interface",
                                w.name
                            )));
                        }
                    }
                    WorldItemKind::Type { r#type } => ty(&Type::Id(*r#type))?,
                    WorldItemKind::Function { function } => func(function)?,
                }
            }
        }
        Ok(())
    }
}

/// What [`Ir::check`] found wrong: an id that points nowhere, or a
/// resource whose functions are missing (an IR read back from JSON).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Inconsistent(pub String);
