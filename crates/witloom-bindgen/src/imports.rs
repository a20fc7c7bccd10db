//! What the host implements: for each imported interface a `Host` trait
//! (one `Host<Resource>` trait per resource, as supertraits), a blanket
//! impl for `&mut T` so `HasSelf<T>` works, and `add_to_linker`, which
//! registers every function and resource under the interface's name.
//! World-level imported functions get a `<World>Imports` trait.

use crate::context::{Gen, ModPath, Mode};
use crate::naming::{camel, resource_fn, snake, type_name};
use crate::source::Source;
use witloom_ir::{Function, FunctionKind, Type, TypeDefKind, TypeId};

const WT: &str = "wasmtime::component";

/// One host function as Rust: the trait method's signature pieces.
struct HostFn {
    method: String,
    /// `name: Type` pairs.
    params: Vec<(String, String)>,
    /// The Rust return type, `None` for nothing.
    ret: Option<String>,
    /// When the result's error is a trappable type: the `convert_*`
    /// method, the WIT error type and the Rust one.
    convert: Option<(String, TypeId, String)>,
}

impl Gen<'_> {
    fn host_fn(&self, f: &Function, module: &ModPath) -> HostFn {
        let method = match f.kind {
            FunctionKind::Constructor => "new".to_string(),
            FunctionKind::Method | FunctionKind::Static => {
                resource_fn(&f.item_name, &["new", "drop"])
            }
            _ => snake(&f.item_name),
        };
        let params = f
            .params
            .iter()
            .map(|p| (snake(&p.name), self.render(p.r#type, module, Mode::Owned)))
            .collect();
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
            ret,
            convert,
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

    /// The trait method's declaration (without a body).
    fn host_fn_decl(&self, h: &HostFn) -> String {
        let params: String = h
            .params
            .iter()
            .map(|(n, t)| format!(", {n}: {t}"))
            .collect();
        // A trappable error type already carries traps.
        let ret = match &h.convert {
            Some(_) => h.ret.clone().unwrap_or_else(|| "()".to_string()),
            None => self.host_result(h.ret.as_deref().unwrap_or("()")),
        };
        let ret = if self.opts.asynchronous {
            format!(" -> impl ::core::future::Future<Output = {ret}> + Send")
        } else if ret == "()" {
            String::new()
        } else {
            format!(" -> {ret}")
        };
        format!("fn {}(&mut self{params}){ret}", h.method)
    }

    /// A trait with `fns` and its blanket impl for `&mut _T`.
    fn host_trait(
        &self,
        out: &mut Source,
        name: &str,
        supertraits: &[String],
        fns: &[(String, String)],
    ) {
        let send = if self.opts.asynchronous {
            vec!["Send".to_string()]
        } else {
            vec![]
        };
        let supers: Vec<String> = supertraits.iter().cloned().chain(send).collect();
        let bound = if supers.is_empty() {
            String::new()
        } else {
            format!(": {}", supers.join(" + "))
        };
        out.line(format!("pub trait {name}{bound} {{"));
        for (decl, _) in fns {
            out.line(format!("{decl};"));
        }
        out.line("}");
        let extra = if self.opts.asynchronous {
            " + Send"
        } else {
            ""
        };
        out.line(format!(
            "impl<_T: {name} + ?Sized{extra}> {name} for &mut _T {{"
        ));
        for (decl, call) in fns {
            out.line(format!("{decl} {{ {name}::{call} }}"));
        }
        out.line("}");
    }

    /// Everything for one imported interface, in `module`.
    pub fn import_interface(&mut self, index: usize) {
        let iface_info = self.imports[index].clone();
        if self.with.contains_key(&iface_info.id) {
            return;
        }
        let iface = &self.ir.interfaces[iface_info.id];
        let module = iface_info.module.clone();
        let mut out = Source::default();
        out.docs(iface.docs.as_deref());
        for id in iface.types.values() {
            self.define_type(*id, &module, &mut out);
        }

        // One trait per resource, then the interface's own.
        let mut supertraits = Vec::new();
        let mut linker = Source::default();
        let mut convert_fns: Vec<(String, String, String)> = Vec::new();
        for (name, id) in &iface.types {
            let TypeDefKind::Resource {
                constructor,
                methods,
                statics,
            } = &self.ir.types[*id].kind
            else {
                continue;
            };
            let trait_name = format!("Host{}", camel(name));
            let resource = type_name(name);
            let mut fns = Vec::new();
            for key in constructor.iter().chain(methods).chain(statics) {
                let f = &iface.functions[key];
                let h = self.host_fn(f, &module);
                self.link_fn(
                    &mut linker,
                    f,
                    &h,
                    (&trait_name, "Host"),
                    &mut convert_fns,
                    &module,
                );
                fns.push((self.host_fn_decl(&h), forward(&h)));
            }
            fns.push(self.drop_decl(&resource));
            self.host_trait(&mut out, &trait_name, &[], &fns);
            self.link_resource(&mut linker, name, &resource, &trait_name);
            supertraits.push(trait_name);
        }
        let mut fns = Vec::new();
        for f in iface.functions.values().filter(|f| f.resource.is_none()) {
            let h = self.host_fn(f, &module);
            self.link_fn(
                &mut linker,
                f,
                &h,
                ("Host", "Host"),
                &mut convert_fns,
                &module,
            );
            fns.push((self.host_fn_decl(&h), forward(&h)));
        }
        fns.extend(convert_decls(&convert_fns));
        self.host_trait(&mut out, "Host", &supertraits, &fns);
        self.add_to_linker_fn(
            &mut out,
            "add_to_linker",
            "Host",
            &format!("linker.instance({:?})?", iface_info.link_name),
            &linker,
        );
        self.module(&module).append(&out);
    }

    /// A resource trait's `drop`, declared and forwarded.
    fn drop_decl(&self, resource: &str) -> (String, String) {
        let drop_ret = if self.opts.asynchronous {
            " -> impl ::core::future::Future<Output = wasmtime::Result<()>> + Send".to_string()
        } else {
            " -> wasmtime::Result<()>".to_string()
        };
        (
            format!("fn drop(&mut self, rep: {WT}::Resource<{resource}>){drop_ret}"),
            "drop(*self, rep)".to_string(),
        )
    }

    /// World-level imports: functions, and resources declared in the world
    /// (a `Host<Resource>` trait each, as in an interface), through one
    /// `<World>Imports` trait and `add_to_linker_imports`, at the root.
    /// Returns whether there were any.
    pub fn import_world_functions(&mut self) -> bool {
        let module: ModPath = Vec::new();
        let funcs: Vec<Function> = self
            .world
            .imports
            .iter()
            .filter_map(|i| match &i.kind {
                witloom_ir::WorldItemKind::Function { function } => Some((**function).clone()),
                _ => None,
            })
            .collect();
        let resources: Vec<(String, TypeId)> = self
            .world
            .imports
            .iter()
            .filter_map(|i| match &i.kind {
                witloom_ir::WorldItemKind::Type { r#type }
                    if matches!(self.ir.types[*r#type].kind, TypeDefKind::Resource { .. }) =>
                {
                    Some((i.name.clone(), *r#type))
                }
                _ => None,
            })
            .collect();
        if funcs.is_empty() && resources.is_empty() {
            return false;
        }
        let trait_name = format!("{}Imports", crate::naming::camel(&self.world.name));
        let mut linker = Source::default();
        let mut convert_fns = Vec::new();
        let mut out = Source::default();
        let mut supertraits = Vec::new();
        for (name, id) in &resources {
            let resource_trait = format!("Host{}", camel(name));
            let resource = self.def_name(*id);
            let mut fns = Vec::new();
            for f in funcs.iter().filter(|f| f.resource == Some(*id)) {
                let h = self.host_fn(f, &module);
                self.link_fn(
                    &mut linker,
                    f,
                    &h,
                    (&resource_trait, &trait_name),
                    &mut convert_fns,
                    &module,
                );
                fns.push((self.host_fn_decl(&h), forward(&h)));
            }
            fns.push(self.drop_decl(&resource));
            self.host_trait(&mut out, &resource_trait, &[], &fns);
            self.link_resource(&mut linker, name, &resource, &resource_trait);
            supertraits.push(resource_trait);
        }
        let mut fns = Vec::new();
        for f in funcs.iter().filter(|f| f.resource.is_none()) {
            let h = self.host_fn(f, &module);
            self.link_fn(
                &mut linker,
                f,
                &h,
                (&trait_name, &trait_name),
                &mut convert_fns,
                &module,
            );
            fns.push((self.host_fn_decl(&h), forward(&h)));
        }
        fns.extend(convert_decls(&convert_fns));
        self.host_trait(&mut out, &trait_name, &supertraits, &fns);
        out.line(format!("impl {} {{", type_name(&self.world.name)));
        self.add_to_linker_fn(
            &mut out,
            "add_to_linker_imports",
            &trait_name,
            "linker.root()",
            &linker,
        );
        out.line("}");
        self.module(&module).append(&out);
        true
    }

    fn add_to_linker_fn(
        &self,
        out: &mut Source,
        fn_name: &str,
        bound: &str,
        instance: &str,
        body: &Source,
    ) {
        let send = if self.opts.asynchronous {
            " + Send"
        } else {
            ""
        };
        out.line(format!(
            "pub fn {fn_name}<T, D>(linker: &mut {WT}::Linker<T>, host_getter: fn(&mut T) -> D::Data<'_>) -> wasmtime::Result<()>"
        ));
        out.line(format!(
            "where D: {WT}::HasData, for<'a> D::Data<'a>: {bound}, T: 'static{send} {{"
        ));
        if body.is_empty() {
            out.line(format!("let _ = ({instance}, host_getter);"));
        } else {
            out.line(format!("let mut inst = {instance};"));
            out.append(body);
        }
        out.line("Ok(())");
        out.line("}");
    }

    fn link_resource(&self, out: &mut Source, wit_name: &str, resource: &str, trait_name: &str) {
        let ty = format!("{WT}::ResourceType::host::<{resource}>()");
        if self.opts.asynchronous {
            out.line(format!(
                "inst.resource_async({wit_name:?}, {ty}, move |mut store, rep| Box::new(async move {{ {trait_name}::drop(&mut host_getter(store.data_mut()), {WT}::Resource::new_own(rep)).await }}))?;"
            ));
        } else {
            out.line(format!(
                "inst.resource({wit_name:?}, {ty}, move |mut store, rep| -> wasmtime::Result<()> {{ {trait_name}::drop(&mut host_getter(store.data_mut()), {WT}::Resource::new_own(rep)) }})?;"
            ));
        }
    }

    fn link_fn(
        &self,
        out: &mut Source,
        f: &Function,
        h: &HostFn,
        // The trait the function is on, and where `convert_*` lives: the
        // interface's `Host` (or the world's imports trait), even for a
        // resource's functions.
        (trait_name, convert_trait): (&str, &str),
        converts: &mut Vec<(String, String, String)>,
        module: &ModPath,
    ) {
        let args: Vec<String> = (0..h.params.len()).map(|i| format!("arg{i}")).collect();
        let arg_tuple = tuple(&args);
        let type_tuple = tuple(&h.params.iter().map(|(_, t)| t.clone()).collect::<Vec<_>>());
        let call_args: String = args.iter().map(|a| format!(", {a}")).collect();
        let await_ = if self.opts.asynchronous { ".await" } else { "" };
        let trap = if self.opts.trappable_imports && h.convert.is_none() {
            "?"
        } else {
            ""
        };
        let mut body = format!(
            "let r = {trait_name}::{}(host{call_args}){await_}{trap};",
            h.method
        );
        if let Some((convert, err_id, rust)) = &h.convert {
            let wit = self.render(Type::Id(*err_id), module, Mode::Owned);
            if !converts.iter().any(|(m, _, _)| m == convert) {
                converts.push((convert.clone(), rust.to_string(), wit));
            }
            body.push_str(&format!(
                "let r = match r {{ Ok(v) => Ok(v), Err(e) => Err({convert_trait}::{convert}(host, e)?) }};"
            ));
        }
        let ret = if h.ret.is_some() {
            "Ok((r,))"
        } else {
            "let () = r; Ok(())"
        };
        let closure_head = format!(
            "move |mut caller: wasmtime::StoreContextMut<'_, T>, {arg_tuple}: {type_tuple}|"
        );
        if self.opts.asynchronous {
            out.line(format!(
                "inst.func_wrap_async({:?}, {closure_head} Box::new(async move {{ let host = &mut host_getter(caller.data_mut()); {body} {ret} }}))?;",
                f.name
            ));
        } else {
            out.line(format!(
                "inst.func_wrap({:?}, {closure_head} {{ let host = &mut host_getter(caller.data_mut()); {body} {ret} }})?;",
                f.name
            ));
        }
    }
}

/// The `convert_*` methods of a trait: declaration and forwarding call.
fn convert_decls(converts: &[(String, String, String)]) -> Vec<(String, String)> {
    converts
        .iter()
        .map(|(method, rust, wit)| {
            (
                format!("fn {method}(&mut self, err: {rust}) -> wasmtime::Result<{wit}>"),
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
