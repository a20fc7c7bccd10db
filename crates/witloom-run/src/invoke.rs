//! `--invoke 'name(args…)'`: call one export with WAVE arguments and show
//! its result in WAVE, like `wasmtime run --invoke`, but reaching into
//! exported interfaces too (`iface#func`, or a bare function name when only
//! one interface has it).

use crate::{Failure, Outcome, RunError, State};
use wasmtime::Store;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::wasm_wave::{self, untyped::UntypedFuncCall, wasm::DisplayType};
use wasmtime::component::{Component, ComponentExportIndex, InstancePre, Val};

fn invoke_error(message: String) -> Failure {
    Failure::Run(RunError::Invoke(message))
}

/// Finds the export a `--invoke` name means: `(instance, function)` names.
fn resolve(
    component: &Component,
    engine: &wasmtime::Engine,
    name: &str,
) -> Result<(Option<String>, String), Failure> {
    if let Some((iface, func)) = name.rsplit_once('#') {
        return Ok((Some(iface.to_string()), func.to_string()));
    }
    let ty = component.component_type();
    let mut found = Vec::new();
    let mut all = Vec::new();
    for (export, item) in ty.exports(engine) {
        match item.ty {
            ComponentItem::ComponentFunc(_) => {
                if export == name {
                    return Ok((None, name.to_string()));
                }
                all.push(export.to_string());
            }
            ComponentItem::ComponentInstance(inst) => {
                for (func, item) in inst.exports(engine) {
                    if let ComponentItem::ComponentFunc(_) = item.ty {
                        if func == name {
                            found.push(export.to_string());
                        }
                        all.push(format!("{export}#{func}"));
                    }
                }
            }
            _ => {}
        }
    }
    match found.as_slice() {
        [one] => Ok((Some(one.clone()), name.to_string())),
        [] => Err(invoke_error(format!(
            "the component exports no function `{name}`; it exports: {}",
            if all.is_empty() {
                "no functions".to_string()
            } else {
                all.join(", ")
            }
        ))),
        several => Err(invoke_error(format!(
            "several exported interfaces have a function `{name}`: {}; write `INTERFACE#{name}(…)`",
            several.join(", ")
        ))),
    }
}

/// Calls the export `expr` names with the arguments it gives.
pub(crate) fn call(
    store: &mut Store<State>,
    pre: &InstancePre<State>,
    component: &Component,
    expr: &str,
    max_result: usize,
) -> Result<Outcome, Failure> {
    let open = expr.find('(').ok_or_else(|| {
        invoke_error(format!(
            "`{expr}` is not a call: write it like `greet(\"world\")`"
        ))
    })?;
    let name = expr[..open].trim();
    // WAVE's call syntax takes plain labels; the name may be qualified, so
    // parse the arguments under a stand-in name.
    let call_text = format!("f{}", &expr[open..]);
    let call = UntypedFuncCall::parse(&call_text)
        .map_err(|e| invoke_error(format!("cannot parse `{expr}` as WAVE: {e}")))?;

    let engine = store.engine().clone();
    let (iface, func_name) = resolve(component, &engine, name)?;
    let instance_index: Option<ComponentExportIndex> = match &iface {
        Some(i) => Some(
            component
                .get_export_index(None, i.as_str())
                .ok_or_else(|| invoke_error(format!("the component exports no interface `{i}`")))?,
        ),
        None => None,
    };
    let func_index = component
        .get_export_index(instance_index.as_ref(), func_name.as_str())
        .ok_or_else(|| invoke_error(format!("no function `{func_name}` in `{name}`")))?;

    let instance = pre.instantiate(&mut *store)?;
    let func = instance
        .get_func(&mut *store, func_index)
        .ok_or_else(|| invoke_error(format!("`{name}` is not a function")))?;
    let ty = func.ty(&*store);
    let params: Vec<(String, wasmtime::component::Type)> =
        ty.params().map(|(n, t)| (n.to_string(), t)).collect();
    let signature = || {
        let ps: Vec<String> = params
            .iter()
            .map(|(n, t)| format!("{n}: {}", DisplayType(t)))
            .collect();
        format!("`{name}` takes ({})", ps.join(", "))
    };
    let args: Vec<Val> = call
        .to_wasm_params::<Val>(params.iter().map(|(_, t)| t))
        .map_err(|e| invoke_error(format!("`{expr}`: {e}; {}", signature())))?;
    let mut results = vec![Val::Bool(false); ty.results().len()];
    func.call(&mut *store, &args, &mut results)?;
    let size: usize = results.iter().map(size_of_val).sum();
    if size > max_result {
        return Err(Failure::Run(RunError::Limit {
            limit: "--max-result",
            detail: format!(
                "`{name}` returned {} of data, more than the {} the host accepts",
                crate::limits::show_size(size),
                crate::limits::show_size(max_result)
            ),
        }));
    }
    let shown: Result<Vec<String>, _> = results.iter().map(wasm_wave::to_string).collect();
    let shown = shown.map_err(|e| invoke_error(format!("cannot show the result in WAVE: {e}")))?;
    Ok(Outcome::Returned(shown.join(", ")))
}

/// Roughly how many bytes `val` holds: string bytes, plus a word for every
/// other value, list elements included. Counted before the result is shown,
/// so an oversized one is refused before WAVE text doubles it.
fn size_of_val(val: &Val) -> usize {
    match val {
        Val::String(s) => s.len(),
        Val::List(vs) | Val::Tuple(vs) => vs.iter().map(size_of_val).sum::<usize>() + 8,
        Val::Record(fields) => fields.iter().map(|(_, v)| size_of_val(v)).sum::<usize>() + 8,
        Val::Variant(_, Some(v))
        | Val::Option(Some(v))
        | Val::Result(Ok(Some(v)) | Err(Some(v))) => size_of_val(v) + 8,
        Val::Flags(names) => names.iter().map(String::len).sum::<usize>() + 8,
        _ => 8,
    }
}
