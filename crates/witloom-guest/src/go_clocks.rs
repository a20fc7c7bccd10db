//! Keeps Go's garbage collector from leaving the component inside
//! `cabi_realloc`.
//!
//! The component model forbids calling imports from `cabi_realloc`. Go's
//! `cabi_realloc` allocates on the GC heap, and a collection it triggers
//! reads the clocks through WASI's `clock_time_get`. The runtime package
//! pauses the preview1 adapter's *monotonic* clock around the allocation,
//! but the collector reads wall time too, and the adapter of wasmtime 48
//! still calls out for that (wasmtime issue 14318), which traps with
//! "cannot leave component instance".
//!
//! This pass rewrites the linked core module: every call to
//! `wasi_snapshot_preview1::clock_time_get` goes through a shim that
//! remembers the last reading of each clock, and while a flag is set answers
//! from that memory instead of calling out; the exported `cabi_realloc`
//! becomes a wrapper that sets the flag around the original. The GC only
//! uses these readings for pacing statistics, so a slightly stale time is
//! harmless.

use anyhow::{Context, Result};
use wasm_encoder::reencode::{Error, Reencode, utils};
use wasm_encoder::{
    CodeSection, ConstExpr, ExportKind, ExportSection, Function, FunctionSection, GlobalSection,
    GlobalType, Instruction as I, MemArg, Module, ValType,
};
use wasmparser::{ExternalKind, Parser, Payload, TypeRef};

const CLOCK_MODULE: &str = "wasi_snapshot_preview1";
const CLOCK_NAME: &str = "clock_time_get";
const REALLOC: &str = "cabi_realloc";

/// Indices the rewrite needs, found in a first pass.
#[derive(Debug)]
struct Plan {
    clock: u32,
    clock_ty: u32,
    realloc: u32,
    realloc_ty: u32,
    shim: u32,
    wrapper: u32,
    paused: u32,
    wall: u32,
    mono: u32,
}

/// Rewrites `core` as described in the module docs. A module without a
/// `clock_time_get` import or a `cabi_realloc` export is returned as is.
pub(crate) fn pause_clocks_in_realloc(core: &[u8]) -> Result<Vec<u8>> {
    let Some(plan) = plan(core)? else {
        return Ok(core.to_vec());
    };
    let mut module = Module::new();
    let mut shim = Shim { plan: &plan };
    utils::parse_core_module(&mut shim, &mut module, Parser::new(0), core)
        .map_err(|e| anyhow::anyhow!("{e:?}"))
        .context("rewriting the Go module's clock calls")?;
    Ok(module.finish())
}

fn plan(core: &[u8]) -> Result<Option<Plan>> {
    let (mut funcs, mut globals) = (0u32, 0u32);
    let mut clock = None;
    let mut defined_types = Vec::new();
    let mut realloc = None;
    let mut has_globals = false;
    for payload in Parser::new(0).parse_all(core) {
        match payload? {
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import?;
                    match import.ty {
                        TypeRef::Func(ty) | TypeRef::FuncExact(ty) => {
                            if import.module == CLOCK_MODULE && import.name == CLOCK_NAME {
                                clock = Some((funcs, ty));
                            }
                            funcs += 1;
                        }
                        TypeRef::Global(_) => globals += 1,
                        _ => {}
                    }
                }
            }
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    defined_types.push(ty?);
                }
            }
            Payload::GlobalSection(reader) => {
                has_globals = true;
                globals += reader.count();
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export?;
                    if export.name == REALLOC && export.kind == ExternalKind::Func {
                        realloc = Some(export.index);
                    }
                }
            }
            _ => {}
        }
    }
    let (Some((clock, clock_ty)), Some(realloc), true) = (clock, realloc, has_globals) else {
        return Ok(None);
    };
    let imported = funcs;
    let Some(&realloc_ty) = realloc
        .checked_sub(imported)
        .and_then(|i| defined_types.get(i as usize))
    else {
        return Ok(None);
    };
    let total = imported + defined_types.len() as u32;
    Ok(Some(Plan {
        clock,
        clock_ty,
        realloc,
        realloc_ty,
        shim: total,
        wrapper: total + 1,
        paused: globals,
        wall: globals + 1,
        mono: globals + 2,
    }))
}

struct Shim<'a> {
    plan: &'a Plan,
}

impl Reencode for Shim<'_> {
    type Error = std::convert::Infallible;

    fn function_index(&mut self, func: u32) -> Result<u32, Error<Self::Error>> {
        Ok(if func == self.plan.clock {
            self.plan.shim
        } else {
            func
        })
    }

    fn parse_export(
        &mut self,
        exports: &mut ExportSection,
        export: wasmparser::Export<'_>,
    ) -> Result<(), Error<Self::Error>> {
        if export.name == REALLOC && export.kind == ExternalKind::Func {
            exports.export(REALLOC, ExportKind::Func, self.plan.wrapper);
            return Ok(());
        }
        utils::parse_export(self, exports, export)
    }

    fn parse_function_section(
        &mut self,
        functions: &mut FunctionSection,
        section: wasmparser::FunctionSectionReader<'_>,
    ) -> Result<(), Error<Self::Error>> {
        utils::parse_function_section(self, functions, section)?;
        functions.function(self.plan.clock_ty);
        functions.function(self.plan.realloc_ty);
        Ok(())
    }

    fn parse_global_section(
        &mut self,
        globals: &mut GlobalSection,
        section: wasmparser::GlobalSectionReader<'_>,
    ) -> Result<(), Error<Self::Error>> {
        utils::parse_global_section(self, globals, section)?;
        let mutable = |val_type| GlobalType {
            val_type,
            mutable: true,
            shared: false,
        };
        globals.global(mutable(ValType::I32), &ConstExpr::i32_const(0));
        globals.global(mutable(ValType::I64), &ConstExpr::i64_const(0));
        globals.global(mutable(ValType::I64), &ConstExpr::i64_const(0));
        Ok(())
    }

    fn parse_code_section(
        &mut self,
        code: &mut CodeSection,
        section: wasmparser::CodeSectionReader<'_>,
    ) -> Result<(), Error<Self::Error>> {
        utils::parse_code_section(self, code, section)?;
        code.function(&self.shim_body());
        code.function(&self.wrapper_body());
        Ok(())
    }
}

impl Shim<'_> {
    /// `(clock_id: i32, precision: i64, out: i32) -> errno: i32`.
    fn shim_body(&self) -> Function {
        let p = self.plan;
        let mem = MemArg {
            offset: 0,
            align: 0,
            memory_index: 0,
        };
        let mut f = Function::new([(1, ValType::I32)]);
        // Realtime is clock 0; every other clock is served as monotonic.
        let which = |f: &mut Function| {
            f.instruction(&I::LocalGet(0)).instruction(&I::I32Eqz);
        };
        f.instruction(&I::GlobalGet(p.paused))
            .instruction(&I::If(wasm_encoder::BlockType::Result(ValType::I32)))
            .instruction(&I::LocalGet(2));
        which(&mut f);
        f.instruction(&I::If(wasm_encoder::BlockType::Result(ValType::I64)))
            .instruction(&I::GlobalGet(p.wall))
            .instruction(&I::Else)
            .instruction(&I::GlobalGet(p.mono))
            .instruction(&I::End)
            .instruction(&I::I64Store(mem))
            .instruction(&I::I32Const(0))
            .instruction(&I::Else)
            .instruction(&I::LocalGet(0))
            .instruction(&I::LocalGet(1))
            .instruction(&I::LocalGet(2))
            .instruction(&I::Call(p.clock))
            .instruction(&I::LocalTee(3))
            .instruction(&I::I32Eqz)
            .instruction(&I::If(wasm_encoder::BlockType::Empty));
        which(&mut f);
        f.instruction(&I::If(wasm_encoder::BlockType::Empty))
            .instruction(&I::LocalGet(2))
            .instruction(&I::I64Load(mem))
            .instruction(&I::GlobalSet(p.wall))
            .instruction(&I::Else)
            .instruction(&I::LocalGet(2))
            .instruction(&I::I64Load(mem))
            .instruction(&I::GlobalSet(p.mono))
            .instruction(&I::End)
            .instruction(&I::End)
            .instruction(&I::LocalGet(3))
            .instruction(&I::End)
            .instruction(&I::End);
        f
    }

    /// `cabi_realloc(old, old_size, align, new_size) -> ptr` with the flag
    /// set around the original.
    fn wrapper_body(&self) -> Function {
        let p = self.plan;
        let mut f = Function::new([]);
        f.instruction(&I::I32Const(1))
            .instruction(&I::GlobalSet(p.paused));
        for i in 0..4 {
            f.instruction(&I::LocalGet(i));
        }
        f.instruction(&I::Call(p.realloc))
            .instruction(&I::I32Const(0))
            .instruction(&I::GlobalSet(p.paused))
            .instruction(&I::End);
        f
    }
}
