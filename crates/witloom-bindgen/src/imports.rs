//! What the host implements: for each imported interface a `Host` trait
//! (one `Host<Resource>` trait per resource, as supertraits) with a blanket
//! impl for `&mut T` so `HasSelf<T>` works, a `HostWithStore<T>` trait
//! beside it for the functions bound with `store` (they get the store as
//! `Access<T, Self>`), and `add_to_linker_instance`/`add_to_linker`, which
//! register every function and resource in a linker instance. World-level
//! imports get `<World>Imports` and `<World>ImportsWithStore<T>`. This is
//! the shape `bindgen!` gives the same world under the same flags.

use crate::context::{Gen, ModPath, Mode, feature};
use crate::flags::Flags;
use crate::naming::{camel, resource_fn, snake, type_name};
use crate::source::Source;
use witloom_ir::{Function, FunctionKind, InterfaceId, Type, TypeDefKind, TypeId};

const WT: &str = "wasmtime::component";

/// One host function as Rust: the trait method's signature pieces.
struct HostFn {
    method: String,
    /// `name: Type` pairs.
    params: Vec<(String, String)>,
    /// The parameters' types, for tracing: how each is shown.
    lists: Vec<Shown>,
    /// The Rust return type, `None` for nothing.
    ret: Option<String>,
    /// How tracing shows the result.
    ret_list: Shown,
    /// When the result's error is a trappable type: the `convert_*`
    /// method, the WIT error type and the Rust one.
    convert: Option<(String, TypeId, String)>,
    flags: Flags,
    /// A component-model `async func`: called concurrently, with an
    /// `&Accessor` rather than an `Access` (its flags hold `async | store`).
    concurrent: bool,
}

/// How tracing shows a value: by its `Debug`; as `...` unless tracing is
/// verbose when it holds a `list` (a `string` is not one, nor what a
/// stream carries), as `bindgen!` does; always as `...` when it holds an
/// `error-context`, which has no `Debug`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shown {
    Value,
    List,
    Opaque,
}

impl Shown {
    /// Whether the value is elided under `flags`.
    fn elided(self, flags: Flags) -> bool {
        match self {
            Shown::Value => false,
            Shown::List => !flags.verbose_tracing,
            Shown::Opaque => true,
        }
    }
}

/// The methods of one pair of host traits: `<Base>` (on `&mut self`,
/// forwarded for `&mut T`) and `<Base>WithStore<T>` (associated functions
/// given the store).
#[derive(Default)]
struct TraitFns {
    /// Declaration and forwarding call.
    plain: Vec<(String, String)>,
    store: Vec<String>,
}

/// Where a pair of traits sits: its base name, its supertraits, and
/// whether its methods may be async (then both traits are `Send`).
struct TraitPair<'a> {
    base: &'a str,
    supers: &'a [String],
    send: bool,
    /// At the root of the file, where no module's `allow`s reach: the
    /// traits carry their own (`new` on a resource trait is WIT's name,
    /// not clippy's constructor).
    at_root: bool,
}

/// The linker calls of one interface (or the world's imports): the
/// function bodies, and the `convert_*` methods they need.
struct Linking<'a> {
    out: Source,
    converts: Vec<(String, String, String)>,
    /// Whose functions these are, for tracing: the interface's or world's name.
    label: &'a str,
}

impl Gen<'_> {
    /// The result a host returns to trap: `wasmtime::Result`, or with
    /// `anyhow`, `wasmtime::anyhow::Result` (`bindgen!`'s `anyhow: true`).
    fn trap_result(&self) -> &'static str {
        if self.opts.anyhow {
            "wasmtime::anyhow::Result"
        } else {
            "wasmtime::Result"
        }
    }

    /// `call`, a host's trap result, as a `wasmtime::Result`.
    fn to_trap(&self, call: String) -> String {
        if self.opts.anyhow {
            format!("wasmtime::ToWasmtimeResult::to_wasmtime_result({call})")
        } else {
            call
        }
    }

    /// `call`, whose trap (when `trap`) is raised with `?`.
    fn trapping(&self, call: String, trap: bool) -> String {
        if trap {
            format!("{}?", self.to_trap(call))
        } else {
            call
        }
    }

    fn host_fn(&self, f: &Function, module: &ModPath, flags: Flags) -> HostFn {
        let method = match f.kind {
            FunctionKind::Constructor => "new".to_string(),
            FunctionKind::Method | FunctionKind::Static => {
                // `new` is the constructor's, where there is one (WASI
                // 0.3's `request.new` is a static function of a resource
                // without one); `drop` is always the destructor's.
                if self.has_constructor(f) {
                    resource_fn(&f.item_name, &["new", "drop"])
                } else {
                    resource_fn(&f.item_name, &["drop"])
                }
            }
            _ => snake(&f.item_name),
        };
        let params = f
            .params
            .iter()
            .map(|p| (snake(&p.name), self.render(p.r#type, module, Mode::Owned)))
            .collect();
        let lists = f.params.iter().map(|p| self.shown(p.r#type)).collect();
        let mut convert = None;
        let ret = f.result.map(|r| match self.trappable_error(r) {
            Some((ok, err_id, rust)) => {
                let method = format!(
                    "convert_{}",
                    snake(self.ir.types[err_id].name.as_deref().unwrap_or("error"))
                );
                convert = Some((method, err_id, rust.to_string()));
                let ok = ok.map_or("()".to_string(), |t| self.render(t, module, Mode::Owned));
                format!("Result<{ok}, {rust}>")
            }
            None => self.render(r, module, Mode::Owned),
        });
        HostFn {
            method,
            params,
            lists,
            ret,
            ret_list: f.result.map_or(Shown::Value, |r| self.shown(r)),
            convert,
            flags,
            concurrent: f.is_async,
        }
    }

    /// How tracing shows a value of `ty`.
    fn shown(&self, ty: Type) -> Shown {
        let list = |t: Type| matches!(t, Type::Id(id) if matches!(self.ir.types[id].kind, TypeDefKind::List { .. }));
        if self.has_error_context(ty) {
            Shown::Opaque
        } else if self.any_inside_of(ty, &list, false) {
            Shown::List
        } else {
            Shown::Value
        }
    }

    /// For `result<T, E>` where `E` is a trappable error type: `(T, E, the
    /// Rust error type)`.
    fn trappable_error(&self, ty: Type) -> Option<(Option<Type>, TypeId, &str)> {
        let Type::Id(id) = ty else { return None };
        let TypeDefKind::Result {
            ok,
            err: Some(Type::Id(err)),
        } = &self.ir.types[self.ir.dealias(id)].kind
        else {
            return None;
        };
        let err = self.ir.dealias(*err);
        self.trappable
            .get(&err)
            .map(|rust| (*ok, err, rust.as_str()))
    }

    /// Adds `h` to the right trait of `fns`.
    fn add_fn(&self, fns: &mut TraitFns, h: &HostFn) {
        let params: String = h
            .params
            .iter()
            .map(|(n, t)| format!(", {n}: {t}"))
            .collect();
        // A trappable error type already carries traps.
        let ret = h.ret.clone().unwrap_or_else(|| "()".to_string());
        let ret = if h.convert.is_none() && h.flags.trappable {
            format!("{}<{ret}>", self.trap_result())
        } else {
            ret
        };
        let ret = if h.flags.asynchronous {
            format!(" -> impl ::core::future::Future<Output = {ret}> + Send")
        } else if ret == "()" {
            String::new()
        } else {
            format!(" -> {ret}")
        };
        if h.concurrent {
            fns.store.push(format!(
                "fn {}(accessor: &{WT}::Accessor<T, Self>{params}){ret}",
                h.method
            ));
        } else if h.flags.store {
            fns.store.push(format!(
                "fn {}(host: {WT}::Access<T, Self>{params}){ret}",
                h.method
            ));
        } else {
            fns.plain.push((
                format!("fn {}(&mut self{params}){ret}", h.method),
                forward(h),
            ));
        }
    }

    /// Adds a resource's `drop` to the right trait of `fns`.
    fn add_drop(&self, fns: &mut TraitFns, resource: &str, flags: Flags) {
        let rep = format!("rep: {WT}::Resource<{resource}>");
        let result = self.trap_result();
        let fut = format!(" -> impl ::core::future::Future<Output = {result}<()>> + Send");
        match (flags.store, flags.asynchronous) {
            // A concurrent destructor gets an `Accessor`, as `bindgen!`'s.
            (true, true) => fns.store.push(format!(
                "fn drop(accessor: &{WT}::Accessor<T, Self>, {rep}){fut} where Self: Sized"
            )),
            (true, false) => fns.store.push(format!(
                "fn drop(accessor: {WT}::Access<T, Self>, {rep}) -> {result}<()>"
            )),
            (false, asynchronous) => fns.plain.push((
                format!(
                    "fn drop(&mut self, {rep}){}",
                    if asynchronous {
                        fut
                    } else {
                        format!(" -> {result}<()>")
                    }
                ),
                "drop(*self, rep)".to_string(),
            )),
        }
    }

    /// `<Base>WithStore<T>` and `<Base>`, with their blanket impls.
    fn host_traits(&self, out: &mut Source, pair: &TraitPair, fns: &TraitFns) {
        let TraitPair {
            base,
            supers,
            send,
            at_root,
        } = *pair;
        let allow = |out: &mut Source| {
            if at_root {
                out.line("#[allow(clippy::all)]");
            }
        };
        let send_bound = if send { " + Send" } else { "" };
        let store_supers: String = supers
            .iter()
            .map(|s| format!(" + {s}WithStore<T>"))
            .collect();
        let store_bound = format!("{WT}::HasData{store_supers}{send_bound}");
        allow(out);
        if fns.store.is_empty() {
            out.line(format!("pub trait {base}WithStore<T>: {store_bound} {{}}"));
        } else {
            out.line(format!("pub trait {base}WithStore<T>: {store_bound} {{"));
            for decl in &fns.store {
                out.line(format!("{decl};"));
            }
            out.line("}");
        }
        if fns.store.is_empty() {
            // Nothing needs the store: every `HasData` qualifies.
            out.line(format!(
                "impl<H: ?Sized, T> {base}WithStore<T> for H where H: {store_bound} {{}}"
            ));
        }
        let mut plain_supers: Vec<&str> = supers.iter().map(String::as_str).collect();
        if send {
            plain_supers.push("Send");
        }
        let bound = if plain_supers.is_empty() {
            String::new()
        } else {
            format!(": {}", plain_supers.join(" + "))
        };
        allow(out);
        out.line(format!("pub trait {base}{bound} {{"));
        for (decl, _) in &fns.plain {
            out.line(format!("{decl};"));
        }
        out.line("}");
        allow(out);
        out.line(format!(
            "impl<_T: {base} + ?Sized{send_bound}> {base} for &mut _T {{"
        ));
        for (decl, call) in &fns.plain {
            out.line(format!("{decl} {{ {base}::{call} }}"));
        }
        out.line("}");
    }

    /// The traits and linker calls of one resource (declared in `owner`, or
    /// in the world); returns its trait's base name.
    fn import_resource(
        &self,
        out: &mut Source,
        link: &mut Linking,
        owner: Option<InterfaceId>,
        (name, id): (&str, TypeId),
        funcs: &[&Function],
        (module, convert_trait, send): (&ModPath, &str, bool),
    ) -> String {
        let base = format!("Host{}", camel(name));
        let resource = self.def_name(id);
        let mut fns = TraitFns::default();
        for f in funcs.iter().filter(|f| f.resource == Some(id)) {
            let h = self.host_fn(f, module, self.import_flags(owner, &f.name));
            self.link_fn(link, f, &h, (&base, convert_trait), module);
            self.add_fn(&mut fns, &h);
        }
        let drop = self.import_flags(owner, &format!("[drop]{name}"));
        self.add_drop(&mut fns, &resource, drop);
        let pair = TraitPair {
            base: &base,
            supers: &[],
            send,
            at_root: module.is_empty(),
        };
        self.host_traits(out, &pair, &fns);
        let gate = feature(&self.ir.types[id].gate);
        self.link_resource(&mut link.out, name, &resource, &base, drop, gate);
        base
    }

    /// Whether any of `owner`'s imported functions (or destructors) is async.
    fn imports_async(&self, owner: Option<InterfaceId>) -> bool {
        self.import_flags
            .iter()
            .any(|((o, _), f)| *o == owner && f.asynchronous)
    }

    /// Everything for one imported interface, in `module`.
    pub fn import_interface(&mut self, index: usize) {
        let info = self.imports[index].clone();
        if self.with.contains_key(&info.id) {
            return;
        }
        let iface = &self.ir.interfaces[info.id];
        let module = info.module.clone();
        let mut out = Source::default();
        out.docs(iface.docs.as_deref());
        for id in iface.types.values() {
            self.define_type(*id, &module, &mut out);
        }
        let send = self.imports_async(Some(info.id));
        let label = iface.name.as_deref().unwrap_or(&info.link_name);
        let mut link = Linking {
            out: Source::default(),
            converts: Vec::new(),
            label,
        };
        let funcs: Vec<&Function> = iface.functions.values().collect();

        // One trait pair per resource, then the interface's own.
        let mut supers = Vec::new();
        for (name, id) in &iface.types {
            if matches!(self.ir.types[*id].kind, TypeDefKind::Resource { .. }) {
                supers.push(self.import_resource(
                    &mut out,
                    &mut link,
                    Some(info.id),
                    (name, *id),
                    &funcs,
                    (&module, "Host", send),
                ));
            }
        }
        let mut fns = TraitFns::default();
        for f in funcs.iter().filter(|f| f.resource.is_none()) {
            let h = self.host_fn(f, &module, self.import_flags(Some(info.id), &f.name));
            self.link_fn(&mut link, f, &h, ("Host", "Host"), &module);
            self.add_fn(&mut fns, &h);
        }
        fns.plain
            .extend(convert_decls(&link.converts, self.trap_result()));
        let pair = TraitPair {
            base: "Host",
            supers: &supers,
            send,
            at_root: false,
        };
        self.host_traits(&mut out, &pair, &fns);
        let features = self.iface_features.get(&info.id);
        if let Some(features) = features {
            link_options(&mut out, features);
        }
        let gated = (features.is_some(), feature(&iface.gate));
        self.add_to_linker_fn(
            &mut out,
            "add_to_linker_instance",
            ("Host", send),
            None,
            &link.out,
            gated,
        );
        let send_bound = if send { " + Send" } else { "" };
        let (options_param, options_arg) = if features.is_some() {
            ("options: &LinkOptions, ", "options, ")
        } else {
            ("", "")
        };
        out.line(format!(
            "/// Adds `{}` to `linker` under its own name.",
            info.link_name
        ));
        out.line(format!(
            "pub fn add_to_linker<T, D>(linker: &mut {WT}::Linker<T>, {options_param}host_getter: fn(&mut T) -> D::Data<'_>) -> wasmtime::Result<()>"
        ));
        out.line(format!(
            "where D: HostWithStore<T>, for<'a> D::Data<'a>: Host, T: 'static{send_bound} {{"
        ));
        out.line(format!(
            "let mut inst = linker.instance({:?})?;",
            info.link_name
        ));
        out.line(format!(
            "add_to_linker_instance::<T, D>(&mut inst, {options_arg}host_getter)"
        ));
        out.line("}");
        self.module(&module).append(&out);
    }

    /// World-level imports: functions, and resources declared in the world
    /// (a trait pair each, as in an interface), through `<World>Imports`,
    /// `<World>ImportsWithStore<T>` and `add_to_linker_imports`, at the
    /// root. Returns whether there were any.
    pub fn import_world_functions(&mut self) -> bool {
        let module: ModPath = Vec::new();
        let funcs: Vec<&Function> = self
            .world
            .imports
            .iter()
            .filter_map(|i| match &i.kind {
                witloom_ir::WorldItemKind::Function { function } => Some(&**function),
                _ => None,
            })
            .collect();
        let resources: Vec<(&str, TypeId)> = self
            .world
            .imports
            .iter()
            .filter_map(|i| match &i.kind {
                witloom_ir::WorldItemKind::Type { r#type }
                    if matches!(self.ir.types[*r#type].kind, TypeDefKind::Resource { .. }) =>
                {
                    Some((i.name.as_str(), *r#type))
                }
                _ => None,
            })
            .collect();
        if funcs.is_empty() && resources.is_empty() {
            return false;
        }
        let base = format!("{}Imports", crate::naming::world_base(&self.world.name));
        let send = self.imports_async(None);
        let mut link = Linking {
            out: Source::default(),
            converts: Vec::new(),
            label: &self.world.name,
        };
        let mut out = Source::default();
        let mut supers = Vec::new();
        for (name, id) in &resources {
            supers.push(self.import_resource(
                &mut out,
                &mut link,
                None,
                (name, *id),
                &funcs,
                (&module, &base, send),
            ));
        }
        let mut fns = TraitFns::default();
        for f in funcs.iter().filter(|f| f.resource.is_none()) {
            let h = self.host_fn(f, &module, self.import_flags(None, &f.name));
            self.link_fn(&mut link, f, &h, (&base, &base), &module);
            self.add_fn(&mut fns, &h);
        }
        fns.plain
            .extend(convert_decls(&link.converts, self.trap_result()));
        let pair = TraitPair {
            base: &base,
            supers: &supers,
            send,
            at_root: true,
        };
        self.host_traits(&mut out, &pair, &fns);
        out.line(format!("impl {} {{", type_name(&self.world.name)));
        let gated = (!self.features.is_empty(), feature(&self.world.gate));
        self.add_to_linker_fn(
            &mut out,
            "add_to_linker_imports",
            (&base, send),
            Some("linker.root()"),
            &link.out,
            gated,
        );
        out.line("}");
        let code = out;
        self.module(&module).append(&code);
        true
    }

    /// `fn_name<T, D>`, registering `body`'s calls in `inst`: a linker
    /// instance given as a parameter, or (`instance`) one it opens.
    fn add_to_linker_fn(
        &self,
        out: &mut Source,
        fn_name: &str,
        // The traits' base name, and whether the store's data must be `Send`.
        (base, send): (&str, bool),
        instance: Option<&str>,
        body: &Source,
        // Whether there are `LinkOptions`, and the gate around it all.
        (options, outer): (bool, Option<String>),
    ) {
        let send = if send { " + Send" } else { "" };
        let target = match instance {
            Some(_) => format!("linker: &mut {WT}::Linker<T>"),
            None => format!("inst: &mut {WT}::LinkerInstance<'_, T>"),
        };
        let options_param = if options {
            "options: &LinkOptions, "
        } else {
            ""
        };
        out.line(format!(
            "pub fn {fn_name}<T, D>({target}, {options_param}host_getter: fn(&mut T) -> D::Data<'_>) -> wasmtime::Result<()>"
        ));
        out.line(format!(
            "where D: {base}WithStore<T>, for<'a> D::Data<'a>: {base}, T: 'static{send} {{"
        ));
        match instance {
            Some(open) if body.is_empty() => out.line(format!("let _ = ({open}, host_getter);")),
            Some(open) => out.line(format!("let inst = &mut {open};")),
            None if body.is_empty() => out.line("let _ = (inst, host_getter);"),
            None => {}
        }
        // The options may gate nothing here (a feature on a type only).
        if options && outer.is_none() && !body.as_str().contains("options.") {
            out.line("let _ = options;");
        }
        // Everything under the interface's (or world's) own gate.
        if let Some(g) = &outer {
            out.line(format!("if options.{g} {{"));
        }
        out.append(body);
        if outer.is_some() {
            out.line("}");
        }
        out.line("Ok(())");
        out.line("}");
    }

    fn link_resource(
        &self,
        out: &mut Source,
        wit_name: &str,
        resource: &str,
        base: &str,
        flags: Flags,
        gate: Option<String>,
    ) {
        if let Some(g) = &gate {
            out.line(format!("if options.{g} {{"));
        }
        self.link_resource_call(out, wit_name, resource, base, flags);
        if gate.is_some() {
            out.line("}");
        }
    }

    fn link_resource_call(
        &self,
        out: &mut Source,
        wit_name: &str,
        resource: &str,
        base: &str,
        flags: Flags,
    ) {
        let ty = format!("{WT}::ResourceType::host::<{resource}>()");
        let own = format!("{WT}::Resource::new_own(rep)");
        let t = |call: String| self.to_trap(call);
        match (flags.store, flags.asynchronous) {
            (true, true) => out.line(format!(
                "inst.resource_concurrent({wit_name:?}, {ty}, move |caller: &{WT}::Accessor<T>, rep| Box::pin(async move {{ let accessor = &caller.with_getter::<D>(host_getter); {} }}))?;",
                t(format!("<D as {base}WithStore<T>>::drop(accessor, {own}).await"))
            )),
            (true, false) => out.line(format!(
                "inst.resource({wit_name:?}, {ty}, move |store, rep| -> wasmtime::Result<()> {{ {} }})?;",
                t(format!("<D as {base}WithStore<T>>::drop({WT}::Access::<T, D>::new(store, host_getter), {own})"))
            )),
            (false, true) => out.line(format!(
                "inst.resource_async({wit_name:?}, {ty}, move |mut store, rep| Box::new(async move {{ {} }}))?;",
                t(format!("{base}::drop(&mut host_getter(store.data_mut()), {own}).await"))
            )),
            (false, false) => out.line(format!(
                "inst.resource({wit_name:?}, {ty}, move |mut store, rep| -> wasmtime::Result<()> {{ {} }})?;",
                t(format!("{base}::drop(&mut host_getter(store.data_mut()), {own})"))
            )),
        }
    }

    fn link_fn(
        &self,
        link: &mut Linking,
        f: &Function,
        h: &HostFn,
        // The trait the function is on, and where `convert_*` lives: the
        // interface's `Host` (or the world's imports trait), even for a
        // resource's functions.
        (base, convert_trait): (&str, &str),
        module: &ModPath,
    ) {
        let flags = h.flags;
        let args: Vec<String> = (0..h.params.len()).map(|i| format!("arg{i}")).collect();
        let arg_tuple = tuple(&args);
        let type_tuple = tuple(&h.params.iter().map(|(_, t)| t.clone()).collect::<Vec<_>>());
        let call_args: String = args.iter().map(|a| format!(", {a}")).collect();
        let await_ = if flags.asynchronous { ".await" } else { "" };
        let trap = flags.trappable && h.convert.is_none();
        let mut body = String::new();
        if flags.tracing {
            let fields: Vec<String> = h
                .params
                .iter()
                .zip(&h.lists)
                .enumerate()
                .map(|(i, ((name, _), shown))| {
                    if shown.elided(flags) {
                        format!("{name} = tracing::field::debug(\"...\"), ")
                    } else {
                        format!("{name} = tracing::field::debug(&arg{i}), ")
                    }
                })
                .collect();
            body.push_str(&format!(
                "tracing::event!(tracing::Level::TRACE, {}\"call\"); ",
                fields.concat()
            ));
        }
        if h.concurrent {
            body.push_str(&format!(
                "let host = &caller.with_getter::<D>(host_getter); let r = {};",
                self.trapping(
                    format!(
                        "<D as {base}WithStore<T>>::{}(host{call_args}).await",
                        h.method
                    ),
                    trap
                )
            ));
        } else if flags.store {
            body.push_str(&format!(
                "let access_cx = wasmtime::AsContextMut::as_context_mut(&mut caller); let host = {WT}::Access::<T, D>::new(access_cx, host_getter); let r = {};",
                self.trapping(format!("<D as {base}WithStore<T>>::{}(host{call_args}){await_}", h.method), trap)
            ));
        } else {
            body.push_str(&format!(
                "let host = &mut host_getter(caller.data_mut()); let r = {};",
                self.trapping(
                    format!("{base}::{}(host{call_args}){await_}", h.method),
                    trap
                )
            ));
        }
        if flags.tracing {
            let shown = if h.ret_list.elided(flags) {
                "\"...\""
            } else {
                "&r"
            };
            body.push_str(&format!(
                " tracing::event!(tracing::Level::TRACE, result = tracing::field::debug({shown}), \"return\");"
            ));
        }
        if let Some((convert, err_id, rust)) = &h.convert {
            let wit = self.render(Type::Id(*err_id), module, Mode::Owned);
            if !link.converts.iter().any(|(m, _, _)| m == convert) {
                link.converts.push((convert.clone(), rust.to_string(), wit));
            }
            // The store's host was handed to the call; take it again (a
            // concurrent call reaches the store only inside `with`).
            let call = if h.concurrent {
                format!(
                    "caller.with(|mut host| {convert_trait}::{convert}(&mut host_getter(host.get()), e))"
                )
            } else if flags.store {
                format!("{convert_trait}::{convert}(&mut host_getter(caller.data_mut()), e)")
            } else {
                format!("{convert_trait}::{convert}(host, e)")
            };
            body.push_str(&format!(
                " let r = match r {{ Ok(v) => Ok(v), Err(e) => Err({}?) }};",
                self.to_trap(call)
            ));
        }
        let ret = if h.ret.is_some() {
            "Ok((r,))"
        } else {
            "let () = r; Ok(())"
        };
        let span = if flags.tracing {
            format!(
                "let span = tracing::span!(tracing::Level::TRACE, \"wit-bindgen import\", module = {:?}, function = {:?}); ",
                link.label, f.name
            )
        } else {
            String::new()
        };
        let closure_head = format!(
            "move |mut caller: wasmtime::StoreContextMut<'_, T>, {arg_tuple}: {type_tuple}|"
        );
        let gate = feature(&f.gate);
        if let Some(g) = &gate {
            link.out.line(format!("if options.{g} {{"));
        }
        if flags.asynchronous {
            // The span is entered around each poll, never across an await.
            let (uses, instrument) = if flags.tracing {
                ("use tracing::Instrument; ", ".instrument(span)")
            } else {
                ("", "")
            };
            // A concurrent call gets the store through an `Accessor`, and
            // its future need not be `'static` of the store.
            let (wrap, head, boxed) = if h.concurrent {
                (
                    "func_wrap_concurrent",
                    format!("move |caller: &{WT}::Accessor<T>, {arg_tuple}: {type_tuple}|"),
                    "Box::pin",
                )
            } else {
                ("func_wrap_async", closure_head, "Box::new")
            };
            link.out.line(format!(
                "inst.{wrap}({:?}, {head} {{ {uses}{span}{boxed}(async move {{ {body} {ret} }}{instrument}) }})?;",
                f.name
            ));
        } else {
            let enter = if flags.tracing {
                "let _enter = span.enter(); "
            } else {
                ""
            };
            link.out.line(format!(
                "inst.func_wrap({:?}, {closure_head} {{ {span}{enter}{body} {ret} }})?;",
                f.name
            ));
        }
        if gate.is_some() {
            link.out.line("}");
        }
    }
}

/// A `LinkOptions` struct with a switch per `@unstable` feature (off by
/// default), as `bindgen!` writes it: linking leaves out what is off.
pub fn link_options(out: &mut Source, features: &std::collections::BTreeSet<String>) {
    out.line("/// Which `@unstable` features linking includes (all off by default).");
    out.line("#[derive(Clone, Debug, Default)]");
    out.line("pub struct LinkOptions {");
    for f in features {
        out.line(format!("{f}: bool,"));
    }
    out.line("}");
    out.line("impl LinkOptions {");
    for f in features {
        out.line(format!(
            "/// Whether to link what `@unstable(feature = {f})` gates."
        ));
        out.line(format!(
            "pub fn {f}(&mut self, enabled: bool) -> &mut Self {{ self.{f} = enabled; self }}"
        ));
    }
    out.line("}");
}

/// The `convert_*` methods of a trait: declaration and forwarding call.
fn convert_decls(converts: &[(String, String, String)], result: &str) -> Vec<(String, String)> {
    converts
        .iter()
        .map(|(method, rust, wit)| {
            (
                format!("fn {method}(&mut self, err: {rust}) -> {result}<{wit}>"),
                format!("{method}(*self, err)"),
            )
        })
        .collect()
}

/// The forwarding call in a `&mut _T` impl: `method(*self, a, b)`.
fn forward(h: &HostFn) -> String {
    let args: String = h.params.iter().map(|(n, _)| format!(", {n}")).collect();
    format!("{}(*self{args})", h.method)
}

/// `(a, b)`, `(a,)` or `()`.
pub fn tuple(items: &[String]) -> String {
    match items {
        [] => "()".to_string(),
        [one] => format!("({one},)"),
        many => format!("({})", many.join(", ")),
    }
}
