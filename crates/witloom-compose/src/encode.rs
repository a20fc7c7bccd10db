//! Encoding a [`Plan`] as one component with `wasm-encoder`.
//!
//! The whole embeds every part as a nested component and instantiates them
//! in the plan's order. A part's import is either another part's export
//! (aliased out of that part's instance) or an import of the whole. Imports
//! of the whole need their types declared in the whole; those types are
//! copied out of the part that imports them: its type definitions are
//! re-encoded with their references remapped to the whole's index space,
//! and its aliases of imported instances' types (a `use`d resource, say)
//! become aliases of the whole's matching imports. Only what an import's
//! type reaches is copied.
//!
//! Parts that import the same instance from the host each declare only what
//! they use of it (wit-component trims instance types), so the whole's
//! import is the union: every part's exports of it, each added once with
//! the local types it needs.

use crate::Part;
use crate::error::ComposeError;
use crate::wire::{Plan, Provider};
use std::collections::HashMap;
use std::path::Path;
use wasm_encoder::reencode::{Reencode, ReencodeComponent};
use wasm_encoder::{Alias, ComponentBuilder, ComponentExportKind, InstanceType};
use wasmparser::{
    ComponentExternalKind, ComponentTypeRef, InstanceTypeDeclaration, Parser, Payload, TypeBounds,
};

/// A part's top-level type definition, as far as copying needs it.
enum TypeEntry<'a> {
    Def(wasmparser::ComponentType<'a>),
    /// `alias export $instance "name" (type)`.
    Alias {
        instance: u32,
        name: &'a str,
    },
    /// A type the part imports (a type defined in its world): the whole
    /// imports it too, under the same name.
    Import(String),
    /// Anything else (exported types): never needed by an import's type in
    /// components the toolchains produce.
    Other,
}

/// A part's top-level index spaces and its imports and exports.
struct Scanned<'a> {
    types: Vec<TypeEntry<'a>>,
    instance_count: u32,
    /// `(name, type, the instance index it defines, for instance imports)`.
    imports: Vec<(String, ComponentTypeRef, Option<u32>)>,
    exports: Vec<(String, ComponentExternalKind)>,
}

fn scan(bytes: &[u8]) -> Result<Scanned<'_>, wasmparser::BinaryReaderError> {
    let mut s = Scanned {
        types: Vec::new(),
        instance_count: 0,
        imports: Vec::new(),
        exports: Vec::new(),
    };
    let mut depth = 0u32;
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload?;
        match payload {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            Payload::ComponentTypeSection(r) => {
                for ty in r {
                    s.types.push(TypeEntry::Def(ty?));
                }
            }
            Payload::ComponentImportSection(r) => {
                for import in r {
                    let import = import?;
                    let instance = match import.ty {
                        ComponentTypeRef::Instance(_) => {
                            s.instance_count += 1;
                            Some(s.instance_count - 1)
                        }
                        ComponentTypeRef::Type(_) => {
                            s.types
                                .push(TypeEntry::Import(import.name.full_name().into_owned()));
                            None
                        }
                        _ => None,
                    };
                    s.imports
                        .push((import.name.full_name().into_owned(), import.ty, instance));
                }
            }
            Payload::ComponentAliasSection(r) => {
                for alias in r {
                    match alias? {
                        wasmparser::ComponentAlias::InstanceExport {
                            kind: ComponentExternalKind::Type,
                            instance_index,
                            name,
                        } => s.types.push(TypeEntry::Alias {
                            instance: instance_index,
                            name,
                        }),
                        wasmparser::ComponentAlias::InstanceExport {
                            kind: ComponentExternalKind::Instance,
                            ..
                        } => s.instance_count += 1,
                        wasmparser::ComponentAlias::Outer {
                            kind: wasmparser::ComponentOuterAliasKind::Type,
                            ..
                        } => s.types.push(TypeEntry::Other),
                        _ => {}
                    }
                }
            }
            Payload::ComponentInstanceSection(r) => {
                for instance in r {
                    instance?;
                    s.instance_count += 1;
                }
            }
            Payload::ComponentExportSection(r) => {
                for export in r {
                    let export = export?;
                    match export.kind {
                        ComponentExternalKind::Type => s.types.push(TypeEntry::Other),
                        ComponentExternalKind::Instance => s.instance_count += 1,
                        _ => {}
                    }
                    s.exports
                        .push((export.name.full_name().into_owned(), export.kind));
                }
            }
            _ => {}
        }
    }
    Ok(s)
}

/// Re-encodes a part's types into the whole. Indices at the part's top
/// level (depth 0, or outer aliases reaching it) map through `top`; with
/// `local`, indices local to the instance type being merged (depth 1) map
/// through it. Every mapped index is recorded, so a dry run finds what a
/// definition depends on.
struct Remap<'m> {
    depth: u32,
    top: &'m HashMap<u32, u32>,
    local: Option<&'m HashMap<u32, u32>>,
    seen_top: Vec<u32>,
    seen_local: Vec<u32>,
}

impl<'m> Remap<'m> {
    fn new(depth: u32, top: &'m HashMap<u32, u32>, local: Option<&'m HashMap<u32, u32>>) -> Self {
        Remap {
            depth,
            top,
            local,
            seen_top: Vec::new(),
            seen_local: Vec::new(),
        }
    }

    /// Maps index `ty` of the scope `level` (0: the part, 1: the instance
    /// type) if that scope is being remapped.
    fn at(&mut self, level: u32, ty: u32) -> u32 {
        match (level, self.local) {
            (0, _) => {
                self.seen_top.push(ty);
                self.top.get(&ty).copied().unwrap_or(ty)
            }
            (1, Some(local)) => {
                self.seen_local.push(ty);
                local.get(&ty).copied().unwrap_or(ty)
            }
            _ => ty,
        }
    }
}

impl Reencode for Remap<'_> {
    type Error = std::convert::Infallible;
}

impl ReencodeComponent for Remap<'_> {
    fn component_type_index(&mut self, ty: u32) -> u32 {
        self.at(self.depth, ty)
    }

    fn outer_component_type_index(&mut self, count: u32, ty: u32) -> u32 {
        self.at(self.depth.saturating_sub(count), ty)
    }

    fn push_depth(&mut self) {
        self.depth += 1;
    }

    fn pop_depth(&mut self) {
        self.depth -= 1;
    }
}

/// One part's indices → the whole's.
#[derive(Default)]
struct PartMap {
    types: HashMap<u32, u32>,
    instances: HashMap<u32, u32>,
}

fn unsupported(part: &str, what: impl std::fmt::Display) -> ComposeError {
    ComposeError::Unsupported {
        component: part.to_string(),
        what: what.to_string(),
    }
}

/// The whole being built.
struct Ctx<'a> {
    parts: &'a [Part],
    plan: &'a Plan,
    scans: &'a [Scanned<'a>],
    b: ComponentBuilder,
    maps: Vec<PartMap>,
    /// Imports of the whole: name → (kind, index).
    imports: HashMap<String, (ComponentExportKind, u32)>,
    /// `(part, export name)` → index of the alias out of its instance.
    aliases: HashMap<(usize, String), u32>,
    /// Part → its instance in the whole, once instantiated.
    instances: HashMap<usize, u32>,
}

/// An instance type being merged from several parts' views of it.
struct Merged {
    ty: InstanceType,
    /// Export name → its local type index, for type exports.
    exports: HashMap<String, Option<u32>>,
}

impl Ctx<'_> {
    fn name(&self, part: usize) -> &str {
        &self.parts[part].name
    }

    /// Copies part `j`'s top-level type `ty` (and what it reaches).
    fn copy_type(&mut self, j: usize, ty: u32) -> Result<u32, ComposeError> {
        if let Some(&t) = self.maps[j].types.get(&ty) {
            return Ok(t);
        }
        let new = match self.scans[j].types.get(ty as usize) {
            Some(TypeEntry::Def(def)) => {
                let def = def.clone();
                let mut probe = Remap::new(0, &self.maps[j].types, None);
                let mut scratch = wasm_encoder::ComponentTypeSection::new();
                let _ = probe.parse_component_type(scratch.ty(), def.clone());
                for dep in probe.seen_top {
                    if dep >= ty {
                        return Err(unsupported(self.name(j), "a type refers forward"));
                    }
                    self.copy_type(j, dep)?;
                }
                let mut remap = Remap::new(0, &self.maps[j].types, None);
                let (index, encoder) = self.b.ty(None);
                let _ = remap.parse_component_type(encoder, def);
                index
            }
            Some(TypeEntry::Alias { instance, name }) => {
                let name = *name;
                let whole = self.instance_of(j, *instance)?;
                self.b.alias(
                    None,
                    Alias::InstanceExport {
                        instance: whole,
                        kind: ComponentExportKind::Type,
                        name,
                    },
                )
            }
            Some(TypeEntry::Import(name)) => {
                let whole = self.whole_import(j, name);
                self.declare(&whole)?.1
            }
            _ => {
                return Err(unsupported(
                    self.name(j),
                    format!("its imports use type {ty}, which is neither defined nor aliased"),
                ));
            }
        };
        self.maps[j].types.insert(ty, new);
        Ok(new)
    }

    /// The whole's instance that stands for part `j`'s instance `k`.
    fn instance_of(&mut self, j: usize, k: u32) -> Result<u32, ComposeError> {
        if let Some(&i) = self.maps[j].instances.get(&k) {
            return Ok(i);
        }
        let Some((name, _, _)) = self.scans[j]
            .imports
            .iter()
            .find(|(_, _, inst)| *inst == Some(k))
        else {
            return Err(unsupported(
                self.name(j),
                "its import types use an instance it does not import",
            ));
        };
        let name = name.clone();
        match self.plan.provider_of(j, &name) {
            Provider::Host => {
                let whole = self.whole_import(j, &name);
                self.declare(&whole)?;
            }
            Provider::Part(q) => {
                let index = self.provided(j, q, &name)?.1;
                self.maps[j].instances.insert(k, index);
            }
        }
        self.maps[j]
            .instances
            .get(&k)
            .copied()
            .ok_or_else(|| unsupported(self.name(j), format!("cannot find its import `{name}`")))
    }

    /// Part `q`'s export that plugs part `j`'s import `name`, aliased out
    /// of `q`'s instance.
    fn provided(
        &mut self,
        j: usize,
        q: usize,
        name: &str,
    ) -> Result<(ComponentExportKind, u32), ComposeError> {
        let export = self
            .plan
            .wires
            .iter()
            .find(|w| w.consumer == j && w.import == name)
            .map(|w| w.export.clone())
            .expect("a wire for a part's provider");
        let kind = self.scans[q]
            .exports
            .iter()
            .find(|(n, _)| *n == export)
            .map(|(_, k)| ComponentExportKind::from(*k))
            .ok_or_else(|| {
                unsupported(
                    self.name(q),
                    format!("its world exports `{export}`, but the component does not"),
                )
            })?;
        let Some(&from) = self.instances.get(&q) else {
            return Err(unsupported(
                self.name(j),
                format!("`{name}` is used before `{}` is instantiated", self.name(q)),
            ));
        };
        let index = match self.aliases.get(&(q, export.clone())) {
            Some(&i) => i,
            None => {
                let i = self.b.alias_export(from, &export, kind);
                self.aliases.insert((q, export), i);
                i
            }
        };
        Ok((kind, index))
    }

    /// The whole's import that stands for part `j`'s host import `name`:
    /// the unified one for an interface, `name` itself for what the plan
    /// does not wire (a type defined in a world).
    fn whole_import(&self, j: usize, name: &str) -> String {
        self.plan.host_import(j, name).unwrap_or(name).to_string()
    }

    /// Declares the whole's import `name`, typed as the union of what every
    /// part that imports it (at any version it serves) from the host needs.
    fn declare(&mut self, name: &str) -> Result<(ComponentExportKind, u32), ComposeError> {
        if let Some(&found) = self.imports.get(name) {
            return Ok(found);
        }
        let (plan, scans) = (self.plan, self.scans);
        let users: Vec<(usize, ComponentTypeRef, Option<u32>)> = (0..self.parts.len())
            .flat_map(|j| {
                scans[j]
                    .imports
                    .iter()
                    .filter(move |(n, _, _)| {
                        plan.provider_of(j, n) == Provider::Host
                            && plan.host_import(j, n).unwrap_or(n) == name
                    })
                    .map(move |(_, ty, inst)| (j, *ty, *inst))
            })
            .collect();
        let Some(&(first, first_ty, _)) = users.first() else {
            return Err(ComposeError::NoImporter(name.to_string()));
        };
        let (kind, index) = match first_ty {
            ComponentTypeRef::Instance(_) => {
                let mut merged = Merged {
                    ty: InstanceType::new(),
                    exports: HashMap::new(),
                };
                for &(j, ty, _) in &users {
                    let ComponentTypeRef::Instance(t) = ty else {
                        return Err(unsupported(
                            self.name(j),
                            format!("it imports `{name}` as something other than an instance"),
                        ));
                    };
                    self.merge_instance(&mut merged, j, t)?;
                }
                let ty = self.b.type_instance(None, &merged.ty);
                let index = self
                    .b
                    .import(name, wasm_encoder::ComponentTypeRef::Instance(ty));
                (ComponentExportKind::Instance, index)
            }
            other => {
                let (kind, refs) = match other {
                    ComponentTypeRef::Func(t) => (ComponentExportKind::Func, vec![t]),
                    ComponentTypeRef::Component(t) => (ComponentExportKind::Component, vec![t]),
                    ComponentTypeRef::Type(TypeBounds::Eq(t)) => {
                        (ComponentExportKind::Type, vec![t])
                    }
                    ComponentTypeRef::Type(TypeBounds::SubResource) => {
                        (ComponentExportKind::Type, Vec::new())
                    }
                    _ => {
                        return Err(unsupported(
                            self.name(first),
                            format!("its import `{name}` is a core module or a value"),
                        ));
                    }
                };
                for t in refs {
                    self.copy_type(first, t)?;
                }
                let mut remap = Remap::new(0, &self.maps[first].types, None);
                let ty = remap.component_type_ref(other).map_err(|e| {
                    unsupported(self.name(first), format!("its import `{name}`: {e}"))
                })?;
                (kind, self.b.import(name, ty))
            }
        };
        for (j, _, inst) in users {
            if let Some(k) = inst {
                self.maps[j].instances.insert(k, index);
            }
        }
        self.imports.insert(name.to_string(), (kind, index));
        Ok((kind, index))
    }

    /// Adds to `merged` every export of part `j`'s instance type `t` that
    /// it does not have yet.
    fn merge_instance(
        &mut self,
        merged: &mut Merged,
        j: usize,
        t: u32,
    ) -> Result<(), ComposeError> {
        let Some(TypeEntry::Def(wasmparser::ComponentType::Instance(decls))) =
            self.scans[j].types.get(t as usize)
        else {
            return Err(unsupported(
                self.name(j),
                "an instance import without an instance type",
            ));
        };
        let decls: Vec<InstanceTypeDeclaration<'_>> = decls.to_vec();
        // Which declaration defines each local type index.
        let mut defines = Vec::new();
        for (pos, decl) in decls.iter().enumerate() {
            let creates = match decl {
                InstanceTypeDeclaration::Type(_) => true,
                InstanceTypeDeclaration::Alias(wasmparser::ComponentAlias::Outer {
                    kind: wasmparser::ComponentOuterAliasKind::Type,
                    ..
                }) => true,
                InstanceTypeDeclaration::Export { ty, .. } => {
                    matches!(ty, ComponentTypeRef::Type(_))
                }
                _ => false,
            };
            if creates {
                defines.push(pos);
            }
        }
        let mut local: HashMap<u32, u32> = HashMap::new();
        for pos in 0..decls.len() {
            if let InstanceTypeDeclaration::Export { .. } = decls[pos] {
                self.merge_decl(merged, j, &decls, &defines, &mut local, pos)?;
            }
        }
        Ok(())
    }

    /// Adds declaration `pos` of a part's instance type (and first what it
    /// refers to) to `merged`, recording local index mappings.
    fn merge_decl(
        &mut self,
        merged: &mut Merged,
        j: usize,
        decls: &[InstanceTypeDeclaration<'_>],
        defines: &[usize],
        local: &mut HashMap<u32, u32>,
        pos: usize,
    ) -> Result<(), ComposeError> {
        let own_index = defines.iter().position(|&p| p == pos).map(|i| i as u32);
        if own_index.is_some_and(|i| local.contains_key(&i)) {
            return Ok(());
        }
        if let InstanceTypeDeclaration::Export { name, .. } = &decls[pos]
            && let Some(existing) = merged.exports.get(name.name)
        {
            if let (Some(mine), Some(theirs)) = (own_index, existing) {
                local.insert(mine, *theirs);
            }
            return Ok(());
        }
        // What the declaration refers to, in the part and in the type.
        let (tops, locals) = {
            let mut probe = Remap::new(1, &self.maps[j].types, Some(local));
            let mut scratch = InstanceType::new();
            let _ =
                probe.parse_component_instance_type_declaration(&mut scratch, decls[pos].clone());
            (probe.seen_top, probe.seen_local)
        };
        for top in tops {
            self.copy_type(j, top)?;
        }
        for r in locals {
            if local.contains_key(&r) {
                continue;
            }
            let Some(&def) = defines.get(r as usize) else {
                return Err(unsupported(
                    self.name(j),
                    "an instance type refers to a missing type",
                ));
            };
            if def >= pos {
                return Err(unsupported(self.name(j), "an instance type refers forward"));
            }
            self.merge_decl(merged, j, decls, defines, local, def)?;
        }
        let mut remap = Remap::new(1, &self.maps[j].types, Some(local));
        let _ = remap.parse_component_instance_type_declaration(&mut merged.ty, decls[pos].clone());
        let new_index = own_index.map(|_| merged.ty.type_count() - 1);
        if let (Some(mine), Some(new)) = (own_index, new_index) {
            local.insert(mine, new);
        }
        if let InstanceTypeDeclaration::Export { name, .. } = &decls[pos] {
            merged.exports.insert(name.name.to_string(), new_index);
        }
        Ok(())
    }
}

/// Encodes the plan's parts as one component, validated.
pub fn encode(parts: &[Part], plan: &Plan) -> Result<Vec<u8>, ComposeError> {
    let bytes = encode_unchecked(parts, plan)?;
    check_output(&bytes)?;
    Ok(bytes)
}

/// [`encode`] into the file `out` (whole or not at all), validated while
/// it is written; returns the size written.
pub fn encode_to(parts: &[Part], plan: &Plan, out: &Path) -> Result<usize, ComposeError> {
    let bytes = encode_unchecked(parts, plan)?;
    witloom_diag::io::write_checked(out, &bytes, || check_output(&bytes))?;
    Ok(bytes.len())
}

fn check_output(bytes: &[u8]) -> Result<(), ComposeError> {
    validate_composition(bytes).map_err(|e| ComposeError::InvalidOutput(e.to_string()))
}

fn encode_unchecked(parts: &[Part], plan: &Plan) -> Result<Vec<u8>, ComposeError> {
    let mut scans = Vec::with_capacity(parts.len());
    for part in parts {
        let bytes = part.bytes.as_deref().ok_or_else(|| ComposeError::NoBytes {
            component: part.name.clone(),
        })?;
        let scanned = scan(bytes).map_err(|e| ComposeError::InvalidPart {
            component: part.name.clone(),
            reason: e.to_string(),
        })?;
        scans.push(scanned);
    }
    let mut cx = Ctx {
        parts,
        plan,
        scans: &scans,
        b: ComponentBuilder::default(),
        maps: (0..parts.len()).map(|_| PartMap::default()).collect(),
        imports: HashMap::new(),
        aliases: HashMap::new(),
        instances: HashMap::new(),
    };
    for &p in &plan.order {
        let mut args: Vec<(String, ComponentExportKind, u32)> = Vec::new();
        for (name, _, instance) in &scans[p].imports {
            let (kind, index) = match plan.provider_of(p, name) {
                Provider::Part(q) => cx.provided(p, q, name)?,
                Provider::Host => {
                    let whole = cx.whole_import(p, name);
                    cx.declare(&whole)?
                }
            };
            if let Some(source) = instance {
                cx.maps[p].instances.insert(*source, index);
            }
            args.push((name.clone(), kind, index));
        }
        let bytes = parts[p].bytes.as_deref().expect("checked above");
        let component = cx.b.component_raw(Some(&parts[p].name), bytes);
        let instance = cx.b.instantiate(Some(&parts[p].name), component, args);
        cx.instances.insert(p, instance);
    }
    let root = cx.instances[&plan.root];
    // All aliases, then all exports: the builder starts a new section on
    // every change of kind, so interleaving them costs bytes.
    let mut exports = Vec::new();
    for name in &plan.exports {
        let kind = scans[plan.root]
            .exports
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, k)| ComponentExportKind::from(*k))
            .ok_or_else(|| {
                unsupported(
                    &parts[plan.root].name,
                    format!("its world exports `{name}`, but the component does not"),
                )
            })?;
        exports.push((name, kind, cx.b.alias_export(root, name, kind)));
    }
    for (name, kind, index) in exports {
        cx.b.export(name.as_str(), kind, index, None);
    }
    Ok(cx.b.finish())
}

/// Validates what composition wrote (types, imports, instantiations,
/// aliases, exports) and the structure of every part in it, but not the
/// bodies of the parts' core functions again: each part is embedded byte
/// for byte, and its bytes were validated whole, bodies included, when
/// they were read ([`Part::bytes`]). For a 6 MB Go part, the bodies are
/// most of the validation's time.
fn validate_composition(bytes: &[u8]) -> Result<(), wasmparser::BinaryReaderError> {
    // The features the parts were validated with when read (all): an
    // async part, or one passing an `error-context`, composes as it is.
    let mut validator = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all());
    for payload in Parser::new(0).parse_all(bytes) {
        // `Func`: a body, validated in its part already.
        validator.payload(&payload?)?;
    }
    Ok(())
}
