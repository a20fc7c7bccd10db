//! The template method: the world's imports, then its exports, then the
//! world struct (`W`, `WIndices`, `WPre`) that ties them together; and the
//! assembly of per-module code into one nested file.

use crate::context::{Gen, ModPath, feature};
use crate::naming::type_name;
use crate::source::Source;
use std::collections::BTreeMap;
use witloom_ir::{Function, InterfaceId, WorldItemKind};

const WT: &str = "wasmtime::component";

impl Gen<'_> {
    /// The whole file, unformatted.
    pub fn generate(mut self) -> String {
        // World-level types live at the root.
        let root: ModPath = Vec::new();
        let mut types = Source::default();
        for item in &self.world.imports {
            if let WorldItemKind::Type { r#type } = item.kind {
                self.define_type(r#type, &root, &mut types);
            }
        }
        self.module(&root).append(&types);
        for i in 0..self.imports.len() {
            self.import_interface(i);
        }
        let has_world_imports = self.import_world_functions();
        for i in 0..self.exports.len() {
            self.export_interface(i);
        }
        self.world_struct(has_world_imports);
        assemble(&self.modules)
    }

    fn world_struct(&mut self, has_world_imports: bool) {
        let root: ModPath = Vec::new();
        let name = type_name(&self.world.name);
        // The struct's companions are named from the world, as `bindgen!`
        // names them.
        let base = crate::naming::world_base(&self.world.name);
        let funcs: Vec<Function> = self
            .world
            .exports
            .iter()
            .filter_map(|i| match &i.kind {
                WorldItemKind::Function { function } => Some((**function).clone()),
                _ => None,
            })
            .collect();
        let fns: Vec<_> = funcs
            .iter()
            .map(|f| self.export_fn(f, &root, None, "default"))
            .collect();
        // Exported interfaces: (field, accessor, module path).
        let ifaces: Vec<(String, String, String, String)> = self
            .exports
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let path = match self.with.get(&e.id) {
                    Some(p) => p.clone(),
                    None => e.module.join("::"),
                };
                // From the module path, so two versions of one interface
                // get two accessors.
                let accessor = e.module[1..].join("_");
                (format!("interface{i}"), accessor, path, e.link_name.clone())
            })
            .collect();

        let mut out = Source::default();
        if !self.features.is_empty() {
            crate::imports::link_options(&mut out, &self.features);
            // An interface's options are the world's, narrowed.
            for iface in &self.imports {
                let Some(own) = self.iface_features.get(&iface.id) else {
                    continue;
                };
                let path = iface.module.join("::");
                out.line(format!(
                    "impl core::convert::From<LinkOptions> for {path}::LinkOptions {{ fn from(src: LinkOptions) -> Self {{ (&src).into() }} }}"
                ));
                out.line(format!(
                    "impl core::convert::From<&LinkOptions> for {path}::LinkOptions {{"
                ));
                out.line("fn from(src: &LinkOptions) -> Self {");
                out.line("let mut dest = Self::default();");
                for f in own {
                    out.line(format!("dest.{f}(src.{f});"));
                }
                out.line("dest");
                out.line("}");
                out.line("}");
            }
        }
        out.docs(self.world.docs.as_deref());
        out.line(format!(
            "/// World `{}`, instantiated: typed access to its exports.",
            self.world.qualified_name
        ));
        out.line("#[derive(Debug)]");
        out.line(format!("pub struct {name} {{"));
        for (field, _, path, _) in &ifaces {
            out.line(format!("{field}: {path}::Guest,"));
        }
        for e in &fns {
            out.line(format!("{}: {WT}::Func,", e.field));
        }
        out.line("}");

        out.line(format!(
            "/// Where world `{}`'s exports are in a component.",
            self.world.name
        ));
        out.line("#[derive(Clone, Debug)]");
        out.line(format!("pub struct {base}Indices {{"));
        for (field, _, path, _) in &ifaces {
            out.line(format!("{field}: {path}::GuestIndices,"));
        }
        for e in &fns {
            out.line(format!("{}: {WT}::ComponentExportIndex,", e.field));
        }
        out.line("}");
        out.line("#[allow(dead_code)]");
        out.line(format!("impl {base}Indices {{"));
        out.line("/// Finds every export in the pre-instance's component.");
        out.line(format!(
            "pub fn new<_T>(instance_pre: &{WT}::InstancePre<_T>) -> wasmtime::Result<Self> {{"
        ));
        if ifaces.is_empty() && fns.is_empty() {
            out.line("let _ = instance_pre;");
        } else if !fns.is_empty() {
            out.line("let component = instance_pre.component();");
        }
        out.line("Ok(Self {");
        for (field, _, path, _) in &ifaces {
            out.line(format!(
                "{field}: {path}::GuestIndices::new(instance_pre)?,"
            ));
        }
        for e in &fns {
            out.line(format!(
                "{}: component.get_export_index(None, {:?}).ok_or_else(|| wasmtime::format_err!(\"the component does not export `{}`\"))?,",
                e.field, e.export_name, e.export_name
            ));
        }
        out.line("})");
        out.line("}");
        out.line("/// The exports of `instance`, their types checked.");
        out.line(format!(
            "pub fn load(&self, mut store: impl wasmtime::AsContextMut, instance: &{WT}::Instance) -> wasmtime::Result<{name}> {{"
        ));
        out.line("let mut store = store.as_context_mut();");
        out.line("let _ = (&mut store, instance);");
        for (field, _, _, _) in &ifaces {
            out.line(format!(
                "let {field} = self.{field}.load(&mut store, instance)?;"
            ));
        }
        for e in &fns {
            self.load_fn(&mut out, e);
        }
        out.line(format!("Ok({name} {{"));
        for (field, _, _, _) in &ifaces {
            out.line(format!("{field},"));
        }
        for e in &fns {
            out.line(format!("{0}: f_{0},", e.field));
        }
        out.line("})");
        out.line("}");
        out.line("}");

        // The `InstancePre` wrapper.
        out.line(format!(
            "/// World `{}` linked and ready to instantiate many times.",
            self.world.name
        ));
        out.line(format!("pub struct {base}Pre<T: 'static> {{"));
        out.line(format!("instance_pre: {WT}::InstancePre<T>,"));
        out.line(format!("indices: {base}Indices,"));
        out.line("}");
        out.line(format!(
            "impl<T: 'static> std::fmt::Debug for {base}Pre<T> {{"
        ));
        out.line(format!(
            "fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{ f.debug_struct(\"{base}Pre\").field(\"indices\", &self.indices).finish_non_exhaustive() }}"
        ));
        out.line("}");
        out.line(format!("impl<T: 'static> Clone for {base}Pre<T> {{"));
        out.line("fn clone(&self) -> Self { Self { instance_pre: self.instance_pre.clone(), indices: self.indices.clone() } }");
        out.line("}");
        out.line("#[allow(dead_code)]");
        out.line(format!("impl<_T: 'static> {base}Pre<_T> {{"));
        out.line("/// Finds the world's exports in the pre-instance's component.");
        out.line(format!(
            "pub fn new(instance_pre: {WT}::InstancePre<_T>) -> wasmtime::Result<Self> {{"
        ));
        out.line(format!("let indices = {base}Indices::new(&instance_pre)?;"));
        out.line("Ok(Self { instance_pre, indices })");
        out.line("}");
        out.line("pub fn engine(&self) -> &wasmtime::Engine { self.instance_pre.engine() }");
        out.line(format!(
            "pub fn instance_pre(&self) -> &{WT}::InstancePre<_T> {{ &self.instance_pre }}"
        ));
        out.line(format!(
            "pub fn instantiate(&self, mut store: impl wasmtime::AsContextMut<Data = _T>) -> wasmtime::Result<{name}> {{"
        ));
        out.line("let mut store = store.as_context_mut();");
        out.line("let instance = self.instance_pre.instantiate(&mut store)?;");
        out.line("self.indices.load(&mut store, &instance)");
        out.line("}");
        out.line("}");
        out.line(format!("impl<_T: Send + 'static> {base}Pre<_T> {{"));
        out.line("/// [`Self::instantiate`], for a store with async support.");
        out.line(format!(
            "pub async fn instantiate_async(&self, mut store: impl wasmtime::AsContextMut<Data = _T>) -> wasmtime::Result<{name}> {{"
        ));
        out.line("let mut store = store.as_context_mut();");
        out.line("let instance = self.instance_pre.instantiate_async(&mut store).await?;");
        out.line("self.indices.load(&mut store, &instance)");
        out.line("}");
        out.line("}");

        // The world itself.
        out.line("#[allow(dead_code)]");
        out.line(format!("impl {name} {{"));
        out.line(format!(
            "pub fn instantiate<_T>(store: impl wasmtime::AsContextMut<Data = _T>, component: &{WT}::Component, linker: &{WT}::Linker<_T>) -> wasmtime::Result<{name}> {{"
        ));
        out.line("let pre = linker.instantiate_pre(component)?;");
        out.line(format!("{base}Pre::new(pre)?.instantiate(store)"));
        out.line("}");
        out.line("/// The world's exports in an instance made elsewhere, their types checked.");
        out.line(format!(
            "pub fn new(mut store: impl wasmtime::AsContextMut, instance: &{WT}::Instance) -> wasmtime::Result<{name}> {{"
        ));
        out.line(format!(
            "let indices = {base}Indices::new(&instance.instance_pre(&store))?;"
        ));
        out.line("indices.load(&mut store, instance)");
        out.line("}");
        out.line(format!(
            "pub async fn instantiate_async<_T: Send>(store: impl wasmtime::AsContextMut<Data = _T>, component: &{WT}::Component, linker: &{WT}::Linker<_T>) -> wasmtime::Result<{name}> {{"
        ));
        out.line("let pre = linker.instantiate_pre(component)?;");
        out.line(format!(
            "{base}Pre::new(pre)?.instantiate_async(store).await"
        ));
        out.line("}");

        // `add_to_linker` for every import this file binds.
        // Bounds on `D` (the store traits) and on its data (the host
        // traits), and one call per name an interface is imported under.
        let mut store_bounds = Vec::new();
        let mut bounds = Vec::new();
        let mut calls = Vec::new();
        let options = !self.features.is_empty();
        let pass = |iface: InterfaceId| {
            if self.iface_features.contains_key(&iface) {
                "&options.into(), "
            } else {
                ""
            }
        };
        if has_world_imports {
            store_bounds.push(format!("{base}ImportsWithStore<T>"));
            bounds.push(format!("{base}Imports"));
            calls.push(format!(
                "Self::add_to_linker_imports::<T, D>(linker, {}host_getter)?;",
                if options { "options, " } else { "" }
            ));
        }
        for iface in &self.imports {
            if self.with.contains_key(&iface.id) {
                continue;
            }
            let path = iface.module.join("::");
            store_bounds.push(format!("{path}::HostWithStore<T>"));
            bounds.push(format!("{path}::Host"));
            let opts = pass(iface.id);
            // Each import under its item's gate.
            let gate_of = |name: &str| {
                self.world
                    .imports
                    .iter()
                    .find(|i| i.name == name)
                    .and_then(|i| feature(&i.gate))
            };
            let gated = |gate: Option<String>, call: String| match gate {
                Some(g) => format!("if options.{g} {{ {call} }}"),
                None => call,
            };
            if iface.plain {
                let own = self.ir.interfaces[iface.id].qualified_name.clone();
                let name = if self.ir.interfaces[iface.id].package.is_some() {
                    own
                } else {
                    iface.link_name.clone()
                };
                calls.push(gated(
                    gate_of(&name),
                    format!("{path}::add_to_linker::<T, D>(linker, {opts}host_getter)?;"),
                ));
            }
            for named in &iface.named {
                calls.push(gated(
                    gate_of(named),
                    format!(
                        "{path}::add_to_linker_instance::<T, D>(&mut linker.instance({named:?})?, {opts}host_getter)?;"
                    ),
                ));
            }
        }
        // Nothing to link, no `add_to_linker`, as with `bindgen!`.
        if !calls.is_empty() {
            let with_note = if self.with.is_empty() {
                String::new()
            } else {
                " Interfaces bound elsewhere (`with`) are left for the caller to add.".to_string()
            };
            out.line(format!(
                "/// Adds every import of world `{}` to `linker`.{with_note}",
                self.world.name
            ));
            let send = if self.any_async_import() {
                " + Send"
            } else {
                ""
            };
            let store_bound: String = store_bounds.iter().map(|b| format!(" + {b}")).collect();
            let options_param = if options {
                "options: &LinkOptions, "
            } else {
                ""
            };
            out.line(format!(
                "pub fn add_to_linker<T, D>(linker: &mut {WT}::Linker<T>, {options_param}host_getter: fn(&mut T) -> D::Data<'_>) -> wasmtime::Result<()> where D: {WT}::HasData{store_bound}, for<'a> D::Data<'a>: {}, T: 'static{send} {{",
                bounds.join(" + ")
            ));
            // Everything under the world's own gate.
            let world_gate = feature(&self.world.gate);
            if options && world_gate.is_none() && !calls.iter().any(|c| c.contains("options")) {
                out.line("let _ = options;");
            }
            if let Some(g) = &world_gate {
                out.line(format!("if options.{g} {{"));
            }
            for c in calls {
                out.line(c);
            }
            if world_gate.is_some() {
                out.line("}");
            }
            out.line("Ok(())");
            out.line("}");
        }
        for (field, accessor, path, link) in &ifaces {
            out.line(format!("/// The exported interface `{link}`."));
            out.line(format!(
                "pub fn {accessor}(&self) -> &{path}::Guest {{ &self.{field} }}"
            ));
        }
        for e in &fns {
            self.call_method(&mut out, e, "self");
        }
        out.line("}");
        self.module(&root).append(&out);
    }
}

/// Nests per-module code: `a::b` → `pub mod a { pub mod b { … } }`.
fn assemble(modules: &BTreeMap<ModPath, Source>) -> String {
    #[derive(Default)]
    struct Node<'a> {
        code: Vec<&'a str>,
        children: BTreeMap<&'a str, Node<'a>>,
    }
    let mut root = Node::default();
    for (path, src) in modules {
        let mut node = &mut root;
        for m in path {
            node = node.children.entry(m.as_str()).or_default();
        }
        node.code.push(src.as_str());
    }
    fn write(node: &Node, out: &mut String, depth: usize) {
        for code in &node.code {
            out.push_str(code);
        }
        for (name, child) in &node.children {
            if depth == 0 {
                // Generated names follow WIT, not Rust's style lints.
                out.push_str(
                    "#[allow(dead_code, clippy::all, non_camel_case_types, non_snake_case)]\n",
                );
            }
            out.push_str(&format!("pub mod {name} {{\n"));
            write(child, out, depth + 1);
            out.push_str("}\n");
        }
    }
    let mut out = String::new();
    write(&root, &mut out, 0);
    out
}
