//! What the guest implements, as the host calls it: for each exported
//! interface a `Guest` struct of functions with `call_*` methods, a
//! `GuestIndices` that finds them in a component once (so instantiating
//! is a lookup by index), and a `Guest<Resource>` view per resource whose
//! handles are `ResourceAny`. The world struct uses the same pieces for
//! functions it exports directly.

use crate::context::{Gen, ModPath, Mode};
use crate::flags::Flags;
use crate::imports::tuple;
use crate::naming::{func_field, guest_view, resource_fn, snake};
use crate::source::Source;
use witloom_ir::{Function, FunctionKind, InterfaceId, TypeDefKind};

const WT: &str = "wasmtime::component";

/// One exported function, ready to be written as a field, a lookup and a
/// `call_*` method.
pub struct ExportFn {
    /// The `Guest` field holding the function.
    pub field: String,
    /// The export's name inside its instance (or the component).
    pub export_name: String,
    /// `call_<method>`.
    pub method: String,
    /// `func_<name>`, the typed function itself.
    pub accessor: String,
    pub params: Vec<(String, String)>,
    /// Rust parameter and result tuples for `TypedFunc`.
    pub param_tuple: String,
    pub result_tuple: String,
    pub ret: Option<String>,
    pub docs: Option<String>,
    pub flags: Flags,
    /// Whose function it is, for tracing: the interface's name in the
    /// world, or `default` for the world's own, as `bindgen!` writes it.
    pub label: String,
}

impl Gen<'_> {
    /// `f`, exported by interface `owner` (`None`: the world) under
    /// `label`.
    pub fn export_fn(
        &self,
        f: &Function,
        module: &ModPath,
        owner: Option<InterfaceId>,
        label: &str,
    ) -> ExportFn {
        let flags = self.export_flags(owner, &f.name);
        // A concurrent call outlives the caller's borrows: it takes owned
        // arguments, as `bindgen!`'s does.
        let mode = if flags.asynchronous && flags.store {
            Mode::Owned
        } else if self.opts.ownership == crate::Ownership::Owning {
            Mode::Borrowed
        } else {
            Mode::Lent("'_")
        };
        let method = match f.kind {
            FunctionKind::Constructor => "constructor".to_string(),
            FunctionKind::Method | FunctionKind::Static => {
                if self.has_constructor(f) {
                    resource_fn(&f.item_name, &["constructor"])
                } else {
                    resource_fn(&f.item_name, &[])
                }
            }
            _ => snake(&f.item_name),
        };
        let params: Vec<(String, String)> = f
            .params
            .iter()
            .map(|p| (param_name(&p.name), self.render(p.r#type, module, mode)))
            .collect();
        let ret = f.result.map(|r| self.render(r, module, Mode::Owned));
        ExportFn {
            field: func_field(&f.name),
            export_name: f.name.clone(),
            method: format!("call_{method}"),
            accessor: crate::naming::func_accessor(&method, &f.item_name),
            param_tuple: tuple(&params.iter().map(|(_, t)| t.clone()).collect::<Vec<_>>()),
            result_tuple: tuple(&ret.iter().cloned().collect::<Vec<_>>()),
            params,
            ret,
            docs: f.docs.clone(),
            flags,
            label: label.to_string(),
        }
    }

    /// The `call_*` method; `funcs` is how the method reaches the struct
    /// holding the `Func` (`self` or `self.funcs`).
    pub fn call_method(&self, out: &mut Source, e: &ExportFn, funcs: &str) {
        let params: String = e
            .params
            .iter()
            .map(|(n, t)| format!(", {n}: {t}"))
            .collect();
        let args: Vec<String> = e.params.iter().map(|(n, _)| n.clone()).collect();
        let ret = e.ret.clone().unwrap_or_else(|| "()".to_string());
        out.line("/// The function itself, typed (checked in `load`).");
        out.line("#[allow(unsafe_code)]");
        out.line(format!(
            "pub fn {}(&self) -> {WT}::TypedFunc<{}, {}> {{",
            e.accessor, e.param_tuple, e.result_tuple
        ));
        out.line("// SAFETY: `load` checked this function's type against these Rust types.");
        out.line(format!(
            "unsafe {{ {WT}::TypedFunc::new_unchecked({funcs}.{}) }}",
            e.field
        ));
        out.line("}");
        out.docs(e.docs.as_deref());
        // The type was checked in `load`; re-checking on every call would
        // cost more than the call.
        out.line("#[allow(unsafe_code)]");
        let flags = e.flags;
        let concurrent = flags.asynchronous && flags.store;
        let asyncness = if flags.asynchronous { "async " } else { "" };
        if concurrent {
            out.line(format!(
                "pub async fn {}<_T, _D>(&self, accessor: &{WT}::Accessor<_T, _D>{params}) -> wasmtime::Result<{ret}> where _T: Send, _D: {WT}::HasData {{",
                e.method
            ));
        } else {
            let where_ = if flags.asynchronous {
                " where <S as wasmtime::AsContext>::Data: Send"
            } else {
                ""
            };
            out.line(format!(
                "pub {asyncness}fn {}<S: wasmtime::AsContextMut>(&self, mut store: S{params}) -> wasmtime::Result<{ret}>{where_} {{",
                e.method
            ));
        }
        if flags.tracing {
            if flags.asynchronous {
                out.line("use tracing::Instrument;");
            }
            out.line(format!(
                "let __span = tracing::span!(tracing::Level::TRACE, \"wit-bindgen export\", module = {:?}, function = {:?});",
                e.label, e.export_name
            ));
            if !flags.asynchronous {
                out.line("let __enter = __span.enter();");
            }
        }
        out.line("// SAFETY: `load` checked this function's type against these Rust types.");
        out.line(format!(
            "let __callee = unsafe {{ {WT}::TypedFunc::<{}, {}>::new_unchecked({funcs}.{}) }};",
            e.param_tuple, e.result_tuple, e.field
        ));
        let call = if concurrent {
            "call_concurrent(accessor, "
        } else if flags.asynchronous {
            "call_async(store.as_context_mut(), "
        } else {
            "call(store.as_context_mut(), "
        };
        let instrument = if flags.tracing && flags.asynchronous {
            ".instrument(__span)"
        } else {
            ""
        };
        let await_ = if flags.asynchronous { ".await" } else { "" };
        let bind = if e.ret.is_some() { "(__ret,)" } else { "()" };
        out.line(format!(
            "let {bind} = __callee.{call}{}){instrument}{await_}?;",
            tuple(&args)
        ));
        out.line(if e.ret.is_some() {
            "Ok(__ret)"
        } else {
            "Ok(())"
        });
        out.line("}");
    }

    /// Statements that look `e` up in `instance` (a `ComponentExportIndex`
    /// field of `self`), check its type, and bind it to `e.field`.
    pub fn load_fn(&self, out: &mut Source, e: &ExportFn) {
        out.line(format!(
            "let f_{0} = instance.get_func(&mut store, self.{0}).ok_or_else(|| wasmtime::format_err!(\"export `{1}` is not a function\"))?;",
            e.field, e.export_name
        ));
        out.line(format!(
            "f_{}.typed::<{}, {}>(&store)?;",
            e.field, e.param_tuple, e.result_tuple
        ));
    }

    /// Everything for one exported interface, in its module.
    pub fn export_interface(&mut self, index: usize) {
        let info = self.exports[index].clone();
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
        let fns: Vec<(Option<String>, ExportFn)> = iface
            .functions
            .values()
            .map(|f| {
                let owner = f.resource.map(|r| {
                    self.ir.types[self.ir.dealias(r)]
                        .name
                        .clone()
                        .unwrap_or_default()
                });
                (
                    owner,
                    self.export_fn(f, &module, Some(info.id), &info.link_name),
                )
            })
            .collect();

        out.line(format!(
            "/// The functions of `{}` in one instance.",
            info.link_name
        ));
        out.line("#[derive(Debug)]");
        out.line("pub struct Guest {");
        for (_, e) in &fns {
            out.line(format!("{}: {WT}::Func,", e.field));
        }
        out.line("}");
        out.line(format!(
            "/// Where `{}`'s functions are in a component.",
            info.link_name
        ));
        out.line("#[derive(Clone, Debug)]");
        out.line("pub struct GuestIndices {");
        for (_, e) in &fns {
            out.line(format!("{}: {WT}::ComponentExportIndex,", e.field));
        }
        out.line("}");

        out.line("impl GuestIndices {");
        out.line(format!(
            "/// Finds `{}` and its functions in the pre-instance's component.",
            info.link_name
        ));
        out.line(format!(
            "pub fn new<_T>(instance_pre: &{WT}::InstancePre<_T>) -> wasmtime::Result<GuestIndices> {{"
        ));
        out.line("let component = instance_pre.component();");
        out.line(format!(
            "let instance = component.get_export_index(None, {0:?}).ok_or_else(|| wasmtime::format_err!(\"the component does not export `{0}`\"))?;",
            info.link_name
        ));
        if fns.is_empty() {
            out.line("let _ = instance;");
        } else {
            out.line(format!(
                "let lookup = |name: &str| component.get_export_index(Some(&instance), name).ok_or_else(|| wasmtime::format_err!(\"`{}` has no function `{{name}}`\"));",
                info.link_name
            ));
        }
        out.line("Ok(GuestIndices {");
        for (_, e) in &fns {
            out.line(format!("{}: lookup({:?})?,", e.field, e.export_name));
        }
        out.line("})");
        out.line("}");
        out.line("/// The functions of `instance`, their types checked.");
        out.line(format!(
            "pub fn load(&self, mut store: impl wasmtime::AsContextMut, instance: &{WT}::Instance) -> wasmtime::Result<Guest> {{"
        ));
        out.line("let mut store = store.as_context_mut();");
        out.line("let _ = (&mut store, instance);");
        for (_, e) in &fns {
            self.load_fn(&mut out, e);
        }
        out.line("Ok(Guest {");
        for (_, e) in &fns {
            out.line(format!("{0}: f_{0},", e.field));
        }
        out.line("})");
        out.line("}");
        out.line("}");

        // Freestanding functions on `Guest`; resources get a view each.
        let resources: Vec<(String, Option<String>)> = iface
            .types
            .iter()
            .filter_map(|(name, id)| match &self.ir.types[*id].kind {
                TypeDefKind::Resource { .. } => {
                    Some((name.clone(), self.ir.types[*id].docs.clone()))
                }
                _ => None,
            })
            .collect();
        out.line("impl Guest {");
        for (owner, e) in &fns {
            if owner.is_none() {
                self.call_method(&mut out, e, "self");
            }
        }
        // A resource without functions has nothing to call into.
        for (name, _) in resources
            .iter()
            .filter(|(n, _)| fns.iter().any(|(o, _)| o.as_deref() == Some(n.as_str())))
        {
            out.line(format!(
                "/// Calls into resource `{name}`: its constructor, methods and static functions."
            ));
            out.line(format!(
                "pub fn {}(&self) -> {} <'_> {{ {1} {{ funcs: self }} }}",
                snake(name),
                guest_view(name)
            ));
        }
        out.line("}");
        for (name, docs) in &resources {
            let view = guest_view(name);
            out.docs(docs.as_deref());
            out.line("/// Handles are `ResourceAny`; drop one with `ResourceAny::resource_drop`.");
            out.line("#[derive(Debug)]");
            out.line(format!("pub struct {view}<'a> {{ funcs: &'a Guest }}"));
            out.line(format!("impl {view}<'_> {{"));
            for (owner, e) in &fns {
                if owner.as_deref() == Some(name.as_str()) {
                    self.call_method(&mut out, e, "self.funcs");
                }
            }
            out.line("}");
        }
        self.module(&module).append(&out);
    }
}

/// A `call_*` parameter: the WIT name, kept clear of the method's own
/// `store` parameter.
fn param_name(wit: &str) -> String {
    match snake(wit).as_str() {
        "store" => "store_".to_string(),
        "accessor" => "accessor_".to_string(),
        other => other.to_string(),
    }
}
