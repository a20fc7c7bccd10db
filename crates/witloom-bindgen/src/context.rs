//! The generator's state: which interfaces are imported and exported and
//! the module each gets, and how a WIT type is spelled in Rust from a given
//! module. Everything else asks this file for names and paths.

use crate::Options;
use crate::flags::{Flags, FunctionConfig, Matcher};
use crate::naming::{snake, type_name, version_suffix};
use crate::ownership::Shape;
use crate::source::Source;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use witloom_ir::{
    Diagnostic, Function, FunctionKind, InterfaceId, Ir, Owner, Type, TypeDefKind, TypeId, World,
    WorldId, WorldItemKind,
};

/// A module path from the root of the generated file.
pub type ModPath = Vec<String>;

/// An interface of the world, imported or exported.
#[derive(Debug, Clone)]
pub struct Iface {
    pub id: InterfaceId,
    /// The interface's own name, which its `add_to_linker` links under:
    /// `ns:pkg/iface@version`, or a plain name for an interface written
    /// inline in the world.
    pub link_name: String,
    pub module: ModPath,
    /// Whether the world imports it under its own name.
    pub plain: bool,
    /// Other names the world imports it under (`import hot: store;`): one
    /// module and one `Host`, linked under each name.
    pub named: Vec<String>,
}

/// How a value crosses into Rust: owned (what the host receives, and every
/// result), or borrowed (arguments the host passes to the guest: `&str`,
/// `&[T]`, `&Record`); with `ownership: Borrowing`, lent all the way down
/// under a lifetime (`&'a [&'a str]`, `Foo<'a>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Owned,
    Borrowed,
    Lent(&'static str),
}

pub struct Gen<'a> {
    pub ir: &'a Ir,
    pub world: &'a World,
    pub opts: &'a Options,
    pub imports: Vec<Iface>,
    pub exports: Vec<Iface>,
    /// Interfaces bound elsewhere (`with`): their Rust path.
    pub with: HashMap<InterfaceId, String>,
    /// Trappable error types: WIT type → Rust type.
    pub trappable: HashMap<TypeId, String>,
    /// Code per module.
    pub modules: BTreeMap<ModPath, Source>,
    /// Each imported function's flags, by interface (`None` for the world)
    /// and canonical name (`[drop]r` for a resource's destructor).
    pub import_flags: HashMap<(Option<InterfaceId>, String), Flags>,
    /// Each exported function's flags, keyed the same way.
    pub export_flags: HashMap<(Option<InterfaceId>, String), Flags>,
    /// `@unstable` features that gate linking the world's imports (its
    /// own, its import items', and every imported interface's): the fields
    /// of the root `LinkOptions`, as `bindgen!` makes it.
    pub features: BTreeSet<String>,
    /// Each generated imported interface's own features (its
    /// `LinkOptions`).
    pub iface_features: HashMap<InterfaceId, BTreeSet<String>>,
    /// Types some function returns as the error of its `result`
    /// (dealiased), which get `Display` and `Error`.
    pub errors: HashSet<TypeId>,
    /// With `ownership: Borrowing`: how each definition site is used.
    pub uses: HashMap<crate::ownership::Site, crate::ownership::Uses>,
}

impl<'a> Gen<'a> {
    pub fn new(ir: &'a Ir, world_id: WorldId, opts: &'a Options) -> Result<Gen<'a>, Diagnostic> {
        let world = &ir.worlds[world_id];
        let mut g = Gen {
            ir,
            world,
            opts,
            imports: Vec::new(),
            exports: Vec::new(),
            with: HashMap::new(),
            trappable: HashMap::new(),
            modules: BTreeMap::new(),
            import_flags: HashMap::new(),
            export_flags: HashMap::new(),
            uses: HashMap::new(),
            errors: HashSet::new(),
            features: BTreeSet::new(),
            iface_features: HashMap::new(),
        };
        // Two versions of one package get versioned modules (`foo0_2_0`),
        // named as `bindgen!` names them.
        let mut versions: HashMap<(String, String), HashSet<Option<String>>> = HashMap::new();
        for (_, p) in ir.packages.iter() {
            versions
                .entry((p.name.namespace.clone(), p.name.name.clone()))
                .or_default()
                .insert(p.name.version.clone());
        }
        let module_of = |id: InterfaceId, item_name: &str| -> ModPath {
            let iface = &ir.interfaces[id];
            match (iface.package, &iface.name) {
                (Some(p), Some(name)) => {
                    let pkg = &ir.packages[p].name;
                    let several = versions
                        .get(&(pkg.namespace.clone(), pkg.name.clone()))
                        .is_some_and(|v| v.len() > 1);
                    let mut pkg_mod = snake(&pkg.name);
                    if several && let Some(v) = &pkg.version {
                        pkg_mod = format!("{pkg_mod}{}", version_suffix(v));
                    }
                    vec![snake(&pkg.namespace), pkg_mod, snake(name)]
                }
                _ => vec![snake(item_name)],
            }
        };
        for item in &world.imports {
            if let WorldItemKind::Interface { interface } = item.kind {
                let iface = &ir.interfaces[interface];
                // `import hot: ns:pkg/store;` names a packaged interface
                // with a plain name: bound once, linked under each name.
                // (An interface written inline in the world has no name of
                // its own: its item name is its only one.)
                let named =
                    iface.package.is_some() && iface.name.is_some() && !item.name.contains(':');
                let own = if named {
                    iface.qualified_name.clone()
                } else {
                    item.name.clone()
                };
                match g.imports.iter_mut().find(|i| i.id == interface) {
                    Some(seen) if named => seen.named.push(item.name.clone()),
                    Some(seen) => seen.plain = true,
                    None => g.imports.push(Iface {
                        id: interface,
                        link_name: own,
                        module: module_of(interface, &item.name),
                        plain: !named,
                        named: if named {
                            vec![item.name.clone()]
                        } else {
                            Vec::new()
                        },
                    }),
                }
            }
        }
        for item in &world.exports {
            if let WorldItemKind::Interface { interface } = item.kind {
                let mut module = vec!["exports".to_string()];
                module.extend(module_of(interface, &item.name));
                g.exports.push(Iface {
                    id: interface,
                    link_name: item.name.clone(),
                    module,
                    plain: true,
                    named: Vec::new(),
                });
            }
        }
        g.resolve_with()?;
        g.resolve_trappable()?;
        g.check_supported()?;
        g.import_flags = g.side_flags(&world.imports, &opts.imports, "imports")?;
        g.export_flags = g.side_flags(&world.exports, &opts.exports, "exports")?;
        g.analyze_uses();
        g.errors = g.error_types();
        g.link_features();
        Ok(g)
    }

    /// Every function's flags on one side of the world, computed once; a
    /// rule that names no function is an error, as in `bindgen!`.
    fn side_flags(
        &self,
        items: &[witloom_ir::WorldItem],
        config: &FunctionConfig,
        side: &str,
    ) -> Result<HashMap<(Option<InterfaceId>, String), Flags>, Diagnostic> {
        let mut m = Matcher::new(config);
        let mut out = HashMap::new();
        let drop_name = |id: TypeId| {
            format!(
                "[drop]{}",
                self.ir.types[id].name.as_deref().unwrap_or_default()
            )
        };
        for item in items {
            match &item.kind {
                WorldItemKind::Interface { interface } => {
                    let iface = &self.ir.interfaces[*interface];
                    let at = if iface.package.is_some() && iface.name.is_some() {
                        iface.qualified_name.as_str()
                    } else {
                        item.name.as_str()
                    };
                    for f in iface.functions.values() {
                        let flags = m.function(self.ir, Some((iface, at)), f);
                        out.insert((Some(*interface), f.name.clone()), flags);
                    }
                    for id in iface.types.values() {
                        if matches!(self.ir.types[*id].kind, TypeDefKind::Resource { .. }) {
                            let name = drop_name(*id);
                            let flags = m.flags(self.ir, Some((iface, at)), &name, false);
                            out.insert((Some(*interface), name), flags);
                        }
                    }
                }
                WorldItemKind::Function { function } => {
                    let flags = m.function(self.ir, None, function);
                    out.insert((None, function.name.clone()), flags);
                }
                WorldItemKind::Type { r#type } => {
                    if matches!(self.ir.types[*r#type].kind, TypeDefKind::Resource { .. }) {
                        let name = drop_name(*r#type);
                        let flags = m.flags(self.ir, None, &name, false);
                        out.insert((None, name), flags);
                    }
                }
            }
        }
        let unused = m.unused();
        if !unused.is_empty() {
            let names: Vec<String> = unused.iter().map(|n| format!("`{n}`")).collect();
            return Err(Diagnostic::new(format!(
                "the `{side}` rule{} {} name{} no {} function of world `{}`",
                if names.len() == 1 { "" } else { "s" },
                names.join(", "),
                if names.len() == 1 { "s" } else { "" },
                side.trim_end_matches('s'),
                self.world.name
            ))
            .with_help(
                "name a function as `ns:pkg/iface.func` (`ns:pkg/iface.[method]res.func`, `ns:pkg/iface.[drop]res`), an interface, package or namespace, or a world-level function by its name",
            ));
        }
        Ok(out)
    }

    /// The `@unstable` features linking depends on, once.
    fn link_features(&mut self) {
        let mut root = BTreeSet::new();
        root.extend(feature(&self.world.gate));
        for item in &self.world.imports {
            match &item.kind {
                WorldItemKind::Interface { interface } => {
                    root.extend(feature(&item.gate));
                    let iface = &self.ir.interfaces[*interface];
                    let mut own = BTreeSet::new();
                    own.extend(feature(&iface.gate));
                    for t in iface.types.values() {
                        own.extend(feature(&self.ir.types[*t].gate));
                    }
                    for f in iface.functions.values() {
                        own.extend(feature(&f.gate));
                    }
                    root.extend(own.iter().cloned());
                    if !own.is_empty() && !self.with.contains_key(interface) {
                        self.iface_features.insert(*interface, own);
                    }
                }
                WorldItemKind::Function { function } => root.extend(feature(&function.gate)),
                WorldItemKind::Type { r#type } => {
                    root.extend(feature(&self.ir.types[*r#type].gate))
                }
            }
        }
        self.features = root;
    }

    /// The types the world's functions return as errors: `E` of a
    /// function returning `result<T, E>`, dealiased, as `bindgen!` finds
    /// them.
    fn error_types(&self) -> HashSet<TypeId> {
        let mut out = HashSet::new();
        let items = self.world.imports.iter().chain(&self.world.exports);
        let mut results = Vec::new();
        for item in items {
            match &item.kind {
                WorldItemKind::Interface { interface } => results.extend(
                    self.ir.interfaces[*interface]
                        .functions
                        .values()
                        .filter_map(|f| f.result),
                ),
                WorldItemKind::Function { function } => results.extend(function.result),
                WorldItemKind::Type { .. } => {}
            }
        }
        for r in results {
            if let Type::Id(id) = r
                && let TypeDefKind::Result {
                    err: Some(Type::Id(err)),
                    ..
                } = &self.ir.types[id].kind
            {
                out.insert(self.ir.dealias(*err));
            }
        }
        out
    }

    /// The flags of imported function `name` of `iface` (`None`: the world).
    pub fn import_flags(&self, iface: Option<InterfaceId>, name: &str) -> Flags {
        self.import_flags
            .get(&(iface, name.to_string()))
            .copied()
            .unwrap_or_default()
    }

    /// The flags of exported function `name` of `iface` (`None`: the world).
    pub fn export_flags(&self, iface: Option<InterfaceId>, name: &str) -> Flags {
        self.export_flags
            .get(&(iface, name.to_string()))
            .copied()
            .unwrap_or_default()
    }

    /// Whether any import is bound async: then the store's data must be
    /// `Send`.
    pub fn any_async_import(&self) -> bool {
        self.import_flags.values().any(|f| f.asynchronous)
    }

    /// Matches `with` keys to the world's interfaces; a key that matches
    /// nothing is a mistake worth reporting.
    fn resolve_with(&mut self) -> Result<(), Diagnostic> {
        for (key, path) in &self.opts.with {
            let mut hit = false;
            for iface in self.imports.iter().chain(&self.exports) {
                if names_match(key, &self.ir.interfaces[iface.id].qualified_name) {
                    self.with.insert(iface.id, path.clone());
                    hit = true;
                }
            }
            if !hit {
                return Err(Diagnostic::new(format!(
                    "`with` names `{key}`, which world `{}` neither imports nor exports",
                    self.world.name
                )));
            }
            // One Rust path cannot be both sides: an import's bindings are a
            // `Host` trait, an export's a `Guest` over the instance.
            if let Some(both) = self.imports.iter().find(|i| {
                self.with.contains_key(&i.id) && self.exports.iter().any(|e| e.id == i.id)
            }) {
                return Err(Diagnostic::new(format!(
                    "`with` names `{key}`, which world `{}` both imports and exports: one Rust path cannot hold both its `Host` side and its `Guest` side",
                    self.world.name,
                ))
                .with_help(format!(
                    "leave `{}` out of `with`; witloom generates both sides",
                    self.ir.interfaces[both.id].qualified_name
                )));
            }
        }
        Ok(())
    }

    fn resolve_trappable(&mut self) -> Result<(), Diagnostic> {
        for (key, path) in &self.opts.trappable_error_types {
            // `bindgen!` spells it `ns:pkg/iface.type`; witloom also takes
            // `ns:pkg/iface#type`.
            let key = match key.split_once('/') {
                Some((_, item)) if !key.contains('#') && item.contains('.') => {
                    let (iface, ty) = key.rsplit_once('.').unwrap_or((key, ""));
                    format!("{iface}#{ty}")
                }
                _ => key.clone(),
            };
            let key = &key;
            let found = self.ir.types.iter().find(|(_, t)| {
                t.qualified_name
                    .as_deref()
                    .is_some_and(|q| names_match(key, q))
                    && !matches!(t.kind, TypeDefKind::Alias { .. })
            });
            match found {
                Some((id, _)) => {
                    self.trappable.insert(id, path.clone());
                }
                None => {
                    return Err(Diagnostic::new(format!(
                        "trappable error type `{key}` names no type"
                    ))
                    .with_help("write it as `ns:pkg/interface.type` (or `#type`)"));
                }
            }
        }
        Ok(())
    }

    /// Types the wasmtime 48 API cannot express (or that witloom does not
    /// generate yet) are refused up front, naming the item, instead of
    /// producing code that does not compile.
    fn check_supported(&self) -> Result<(), Diagnostic> {
        let refuse = |what: &str, whom: &str| Err(unsupported(what, whom));
        // One interface exported under two names would be one `Guest`
        // module for two instances. (Imports under several names are
        // linked once per name.)
        {
            let mut seen: HashMap<InterfaceId, &str> = HashMap::new();
            for item in self.world.exports.iter() {
                if let WorldItemKind::Interface { interface } = &item.kind
                    && let Some(first) = seen.insert(*interface, &item.name)
                {
                    let what = format!(
                        "one interface exported under two names (`{first}` and `{}`)",
                        item.name
                    );
                    return refuse(&what, &self.ir.interfaces[*interface].qualified_name);
                }
            }
        }
        let mut funcs: Vec<&Function> = Vec::new();
        let mut types: Vec<TypeId> = Vec::new();
        for item in self.world.imports.iter().chain(&self.world.exports) {
            match &item.kind {
                WorldItemKind::Interface { interface } => {
                    if self.with.contains_key(interface) {
                        continue;
                    }
                    let iface = &self.ir.interfaces[*interface];
                    funcs.extend(iface.functions.values());
                    types.extend(iface.types.values());
                }
                WorldItemKind::Function { function } => funcs.push(function),
                // A resource declared in the world is imported (WIT worlds
                // export no types): a host trait at the root.
                WorldItemKind::Type { r#type } => types.push(*r#type),
            }
        }
        for f in &funcs {
            if !matches!(
                f.kind,
                FunctionKind::Freestanding
                    | FunctionKind::Constructor
                    | FunctionKind::Method
                    | FunctionKind::Static
            ) {
                return refuse("property getters and setters", &f.qualified_name);
            }
            for t in f.params.iter().map(|p| p.r#type).chain(f.result) {
                self.check_type(t, &f.qualified_name)?;
            }
        }
        for t in types {
            let whom = self.ir.types[t].qualified_name.clone().unwrap_or_default();
            self.check_type(Type::Id(t), &whom)?;
        }
        Ok(())
    }

    fn check_type(&self, ty: Type, whom: &str) -> Result<(), Diagnostic> {
        let refuse = |what: &str| Err(unsupported(what, whom));
        let Type::Id(id) = ty else { return Ok(()) };
        let mut children = Vec::new();
        match &self.ir.types[id].kind {
            TypeDefKind::Future { r#type } | TypeDefKind::Stream { r#type } => {
                children.extend(r#type)
            }
            TypeDefKind::FixedSizeList { element, .. } => children.push(*element),
            TypeDefKind::Map { .. } => return refuse("`map` types"),
            TypeDefKind::Record { fields } => children.extend(fields.iter().map(|f| f.r#type)),
            TypeDefKind::Variant { cases } => {
                children.extend(cases.iter().filter_map(|c| c.r#type))
            }
            TypeDefKind::Tuple { types } => children.extend(types),
            TypeDefKind::Option { r#type } | TypeDefKind::List { element: r#type } => {
                children.push(*r#type)
            }
            TypeDefKind::Result { ok, err } => children.extend(ok.iter().chain(err)),
            TypeDefKind::Alias { target } => children.push(*target),
            TypeDefKind::Own { .. }
            | TypeDefKind::Borrow { .. }
            | TypeDefKind::Resource { .. }
            | TypeDefKind::Enum { .. }
            | TypeDefKind::Flags { .. } => {}
        }
        children
            .into_iter()
            .try_for_each(|c| self.check_type(c, whom))
    }

    /// The module holding interface `id`'s definitions as seen from
    /// `here`: its own export module when `here` is that, else its import
    /// module, else its export module.
    pub fn module_of(&self, id: InterfaceId, here: &ModPath) -> Option<&ModPath> {
        let export = self.exports.iter().find(|i| i.id == id).map(|i| &i.module);
        let import = self.imports.iter().find(|i| i.id == id).map(|i| &i.module);
        // Inside an export module, an interface that is also exported
        // means its exported instance (wit-parser links exports to
        // exports), so its resources are the guest's.
        if Self::is_export_module(here) && export.is_some() {
            return export;
        }
        import.or(export)
    }

    /// Whether `module` is under `exports::`.
    pub fn is_export_module(module: &ModPath) -> bool {
        module.first().is_some_and(|m| m == "exports")
    }

    /// A path from `here` to `target::name`.
    pub fn path_from(here: &ModPath, target: &ModPath, name: &str) -> String {
        if here == target {
            return name.to_string();
        }
        let mut path = "super::".repeat(here.len());
        for m in target {
            path.push_str(m);
            path.push_str("::");
        }
        path.push_str(name);
        path
    }

    /// The Rust name named type `id` is defined under.
    pub fn def_name(&self, id: TypeId) -> String {
        let def = &self.ir.types[id];
        let wit = def.name.as_deref().unwrap_or("anonymous");
        match def.owner {
            Owner::World(_) => crate::naming::world_type_name(wit, &self.world.name),
            Owner::Interface(_) | Owner::None => type_name(wit),
        }
    }

    /// The Rust path of named type `id` from `here`.
    pub fn named_path(&self, id: TypeId, here: &ModPath) -> String {
        self.named_path_as(id, here, "")
    }

    /// [`Gen::named_path`] of the definition named with `suffix` (`Param`
    /// or `Result` for a type defined twice).
    pub fn named_path_as(&self, id: TypeId, here: &ModPath, suffix: &str) -> String {
        let def = &self.ir.types[id];
        let name = format!("{}{suffix}", self.def_name(id));
        match def.owner {
            Owner::Interface(i) => {
                if let Some(path) = self.with.get(&i) {
                    return format!("{path}::{name}");
                }
                match self.module_of(i, here) {
                    Some(m) => Self::path_from(here, m, &name),
                    None => Self::path_from(here, &Vec::new(), &name),
                }
            }
            Owner::World(_) | Owner::None => Self::path_from(here, &Vec::new(), &name),
        }
    }

    /// Whether resource `id` (dealiased) is implemented by the guest, as
    /// seen from `here`: then its handles are `ResourceAny`.
    pub fn is_guest_resource(&self, id: TypeId, here: &ModPath) -> bool {
        let id = self.ir.dealias(id);
        match self.ir.types[id].owner {
            Owner::Interface(i) => {
                !self.with.contains_key(&i)
                    && self.module_of(i, here).is_some_and(Self::is_export_module)
            }
            _ => false,
        }
    }

    /// How `ty` is spelled in Rust from module `here`.
    pub fn render(&self, ty: Type, here: &ModPath, mode: Mode) -> String {
        match ty {
            Type::Bool => "bool".into(),
            Type::U8 => "u8".into(),
            Type::U16 => "u16".into(),
            Type::U32 => "u32".into(),
            Type::U64 => "u64".into(),
            Type::S8 => "i8".into(),
            Type::S16 => "i16".into(),
            Type::S32 => "i32".into(),
            Type::S64 => "i64".into(),
            Type::F32 => "f32".into(),
            Type::F64 => "f64".into(),
            Type::Char => "char".into(),
            Type::String => match mode {
                Mode::Owned => "String".into(),
                Mode::Borrowed => "&str".into(),
                Mode::Lent(lt) => format!("{}str", amp(lt)),
            },
            Type::ErrorContext => "wasmtime::component::ErrorContext".into(),
            Type::Id(id) => {
                let def = &self.ir.types[id];
                if def.name.is_none() {
                    return self.render_kind(&def.kind, here, mode);
                }
                let shape = self.shape(id, here);
                let name = |suffix: &str| self.named_path_as(id, here, suffix);
                match (mode, shape) {
                    (Mode::Owned, Shape::Both) => name("Result"),
                    (Mode::Owned, _) => name(""),
                    (Mode::Borrowed, _) if self.needs_borrow(ty) => format!("&{}", name("")),
                    (Mode::Borrowed, _) => name(""),
                    (Mode::Lent(lt), Shape::Both) => format!("{}<{lt}>", name("Param")),
                    (Mode::Lent(lt), Shape::Lent) => format!("{}<{lt}>", name("")),
                    // An owning definition, passed: by reference when it
                    // holds data to borrow.
                    (Mode::Lent(lt), Shape::Owned) if self.needs_borrow(ty) => {
                        format!("{}{}", amp(lt), name(""))
                    }
                    (Mode::Lent(_), Shape::Owned) => name(""),
                }
            }
        }
    }

    /// How an anonymous type of `kind` is spelled (named ones go by path).
    pub fn render_kind(&self, kind: &TypeDefKind, here: &ModPath, mode: Mode) -> String {
        let wt = "wasmtime::component";
        match kind {
            TypeDefKind::List { element } => match mode {
                Mode::Owned => format!("Vec<{}>", self.render(*element, here, mode)),
                // Elements stay owned, as with `bindgen!`: a `&Vec<T>`
                // coerces, and no `Vec<&T>` is needed.
                Mode::Borrowed => {
                    format!("&[{}]", self.render(*element, here, Mode::Owned))
                }
                Mode::Lent(lt) => format!("{}[{}]", amp(lt), self.render(*element, here, mode)),
            },
            TypeDefKind::Option { r#type } => {
                format!("Option<{}>", self.render(*r#type, here, mode))
            }
            TypeDefKind::Result { ok, err } => {
                let side =
                    |t: &Option<Type>| t.map_or("()".to_string(), |t| self.render(t, here, mode));
                format!("Result<{}, {}>", side(ok), side(err))
            }
            TypeDefKind::Tuple { types } => {
                let parts: Vec<String> =
                    types.iter().map(|t| self.render(*t, here, mode)).collect();
                if parts.len() == 1 {
                    format!("({},)", parts[0])
                } else {
                    format!("({})", parts.join(", "))
                }
            }
            TypeDefKind::Own { resource } | TypeDefKind::Borrow { resource } => {
                if self.is_guest_resource(*resource, here) {
                    format!("{wt}::ResourceAny")
                } else {
                    // By the name in scope (a `use`d resource's alias),
                    // as `bindgen!` spells it.
                    format!("{wt}::Resource<{}>", self.named_path(*resource, here))
                }
            }
            // The host's end of a stream or future the guest holds the
            // other end of; always owned (a handle moves).
            TypeDefKind::Future { r#type } => {
                format!("{wt}::FutureReader<{}>", self.payload(*r#type, here))
            }
            TypeDefKind::Stream { r#type } => {
                format!("{wt}::StreamReader<{}>", self.payload(*r#type, here))
            }
            // `list<T, N>`: a Rust array, whose elements are spelled as a
            // list's would be.
            TypeDefKind::FixedSizeList { element, size } => {
                format!("[{}; {size}]", self.render(*element, here, mode))
            }
            TypeDefKind::Alias { target } => self.render(*target, here, mode),
            // Named kinds never reach here without a name; the rest
            // is refused by `check_supported`.
            _ => "()".into(),
        }
    }

    /// A stream's or future's payload: owned, `()` for none.
    fn payload(&self, ty: Option<Type>, here: &ModPath) -> String {
        ty.map_or("()".to_string(), |t| self.render(t, here, Mode::Owned))
    }

    /// Whether a value of `ty` holds strings or lists, so that arguments
    /// of that type are passed by reference.
    pub fn needs_borrow(&self, ty: Type) -> bool {
        self.any_inside(ty, &|t| self.is_string_or_list(t))
    }

    /// Whether a value of `ty` has data to lend outside what its streams
    /// and futures carry (their payloads are always owned), so that a
    /// borrowing definition of it has a lifetime to use.
    pub fn has_data_to_lend(&self, ty: Type) -> bool {
        self.any_inside_of(ty, &|t| self.is_string_or_list(t), false)
    }

    fn is_string_or_list(&self, t: Type) -> bool {
        matches!(t, Type::String)
            || matches!(t, Type::Id(id) if matches!(self.ir.types[id].kind, TypeDefKind::List { .. }))
    }

    /// Whether a value of `ty` holds a resource handle.
    pub fn has_handle(&self, ty: Type) -> bool {
        self.any_inside(ty, &|t| {
            matches!(t, Type::Id(id) if matches!(self.ir.types[id].kind, TypeDefKind::Own { .. } | TypeDefKind::Borrow { .. }))
        })
    }

    /// Whether a value of `ty` holds a stream, a future or an
    /// `error-context`: a handle wasmtime neither clones nor compares.
    pub fn has_async_handle(&self, ty: Type) -> bool {
        self.any_inside(ty, &|t| match t {
            Type::ErrorContext => true,
            Type::Id(id) => matches!(
                self.ir.types[id].kind,
                TypeDefKind::Future { .. } | TypeDefKind::Stream { .. }
            ),
            _ => false,
        })
    }

    /// Whether a value of `ty` holds an `error-context`, which wasmtime 48
    /// gives no `Debug`: such values are shown as opaque.
    pub fn has_error_context(&self, ty: Type) -> bool {
        // A stream or future is `Debug` whatever it carries.
        self.any_inside_of(ty, &|t| matches!(t, Type::ErrorContext), false)
    }

    /// Whether `pred` holds for `ty` or anything inside it, streams' and
    /// futures' payloads included (a `stream<string>` holds a string, as
    /// `bindgen!` counts it).
    pub fn any_inside(&self, ty: Type, pred: &dyn Fn(Type) -> bool) -> bool {
        self.any_inside_of(ty, pred, true)
    }

    /// [`Gen::any_inside`], looking into streams' and futures' payloads
    /// only when `payloads`.
    pub fn any_inside_of(&self, ty: Type, pred: &dyn Fn(Type) -> bool, payloads: bool) -> bool {
        if pred(ty) {
            return true;
        }
        let Type::Id(id) = ty else { return false };
        let any_inside =
            |t: Type, pred: &dyn Fn(Type) -> bool| self.any_inside_of(t, pred, payloads);
        match &self.ir.types[id].kind {
            TypeDefKind::Future { r#type: Some(t) } | TypeDefKind::Stream { r#type: Some(t) }
                if payloads =>
            {
                any_inside(*t, pred)
            }
            TypeDefKind::Record { fields } => fields.iter().any(|f| any_inside(f.r#type, pred)),
            TypeDefKind::Variant { cases } => cases
                .iter()
                .filter_map(|c| c.r#type)
                .any(|t| any_inside(t, pred)),
            TypeDefKind::Tuple { types } => types.iter().any(|t| any_inside(*t, pred)),
            TypeDefKind::Option { r#type }
            | TypeDefKind::List { element: r#type }
            | TypeDefKind::FixedSizeList {
                element: r#type, ..
            }
            | TypeDefKind::Alias { target: r#type } => any_inside(*r#type, pred),
            TypeDefKind::Result { ok, err } => ok.iter().chain(err).any(|t| any_inside(*t, pred)),
            _ => false,
        }
    }

    /// Whether the resource `f` belongs to has a constructor (whose Rust
    /// name its other functions must not take).
    pub fn has_constructor(&self, f: &Function) -> bool {
        let Some(resource) = f.resource else {
            return false;
        };
        let is_ctor =
            |g: &Function| g.kind == FunctionKind::Constructor && g.resource == Some(resource);
        match self.ir.types[resource].owner {
            Owner::Interface(i) => self.ir.interfaces[i].functions.values().any(is_ctor),
            Owner::World(_) | Owner::None => self.world.imports.iter().any(|item| {
                matches!(&item.kind, WorldItemKind::Function { function } if is_ctor(function))
            }),
        }
    }

    /// The code buffer of `module`.
    pub fn module(&mut self, module: &ModPath) -> &mut Source {
        self.modules.entry(module.clone()).or_default()
    }
}

/// The `LinkOptions` field of an `@unstable(feature = f)` gate: `f` in
/// `snake_case`; `None` for anything else.
pub fn feature(gate: &witloom_ir::Gate) -> Option<String> {
    match gate {
        witloom_ir::Gate::Unstable { feature, .. } => Some(snake(feature)),
        _ => None,
    }
}

/// A reference under lifetime `lt`: `&'a `, or `&` for the elided `'_`.
fn amp(lt: &str) -> String {
    if lt == "'_" {
        "&".to_string()
    } else {
        format!("&{lt} ")
    }
}

/// The error for what cannot be generated: `what`, in item `whom`.
fn unsupported(what: &str, whom: &str) -> Diagnostic {
    Diagnostic::new(format!(
        "witloom bindgen does not generate {what} yet (in `{whom}`)"
    ))
    .with_help("leave it out of the world, or bind its interface elsewhere with `with`")
}

/// Whether a user's name for an item (`ns:pkg/iface`, `ns:pkg/iface#ty`,
/// each with or without `@version`) names the qualified `full` name.
pub fn names_match(key: &str, full: &str) -> bool {
    if key == full {
        return true;
    }
    // Drop the version from `full` (`ns:pkg/iface@1.0.0#ty`) and compare.
    let (base, item) = match full.split_once('#') {
        Some((b, i)) => (b, Some(i)),
        None => (full, None),
    };
    let unversioned = base.split_once('@').map_or(base, |(b, _)| b);
    match item {
        Some(i) => key == format!("{unversioned}#{i}"),
        None => key == unversioned,
    }
}
