//! `--invoke 'name(args…)'`: call one export with WAVE arguments and show
//! its result in WAVE, like `wasmtime run --invoke`, but reaching into
//! exported interfaces too (`iface#func`, or a bare function name when only
//! one interface has it). An `async func` is called like any other: the
//! call is asynchronous either way, and its result is what the guest's
//! task returns.

use crate::{Failure, Outcome, RunError, State};
use wasmtime::Store;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::wasm_wave::{self, untyped::UntypedFuncCall, wasm::DisplayType};
use wasmtime::component::{Component, ComponentExportIndex, InstancePre, Type, Val};

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
pub(crate) async fn call(
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
    // Spans in `call_text` are one byte ("f") in place of the `open` bytes
    // of the name.
    let located = |e: &wasm_wave::parser::ParserError, what: String| {
        let span = e.span();
        let at = |p: usize| if p == 0 { 0 } else { p - 1 + open };
        invoke_error(pointed(expr, at(span.start), at(span.end), what, e))
    };
    let call = UntypedFuncCall::parse(&call_text)
        .map_err(|e| located(&e, "cannot parse the call as WAVE".to_string()))?;

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

    let instance = pre.instantiate_async(&mut *store).await?;
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
    // A stream, a future, an error-context or a resource has no WAVE
    // text: say so before calling, rather than after the guest ran.
    for (what, t) in params
        .iter()
        .map(|(n, t)| (format!("its parameter `{n}`"), t.clone()))
        .chain(ty.results().map(|t| ("its result".to_string(), t)))
    {
        if let Some(part) = unshowable(&t) {
            return Err(invoke_error(format!(
                "`{name}` cannot be called with --invoke: {what} is or holds {part}, which WAVE cannot write; call it from a component composed in front of it, or from a host of your own"
            )));
        }
    }
    let args: Vec<Val> = call
        .to_wasm_params::<Val>(params.iter().map(|(_, t)| t))
        .map_err(|e| located(&e, format!("the arguments do not fit: {}", signature())))?;
    let mut results = vec![Val::Bool(false); ty.results().len()];
    func.call_async(&mut *store, &args, &mut results).await?;
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

/// A WAVE error in what the user typed: what went wrong, then the call
/// with carets under `start..end` (byte offsets into `expr`).
fn pointed(
    expr: &str,
    start: usize,
    end: usize,
    what: String,
    e: &wasm_wave::parser::ParserError,
) -> String {
    let mut why = e.kind().to_string();
    if let Some(detail) = e.detail() {
        why = format!("{why}: {detail}");
    } else if let Some(source) = std::error::Error::source(e) {
        why = format!("{why}: {source}");
    }
    let start = floor_char(expr, start.min(expr.len()));
    let end = floor_char(expr, end.clamp(start, expr.len()));
    let col = expr[..start].chars().count();
    let width = expr[start..end].chars().count().max(1);
    format!(
        "{what}: {why} (column {})\n  {expr}\n  {}{}",
        col + 1,
        " ".repeat(col),
        "^".repeat(width)
    )
}

/// The largest char boundary of `s` at or before `i`.
fn floor_char(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The first part of `ty` that has no WAVE text (a `stream<u8>`, a
/// resource), if any.
fn unshowable(ty: &Type) -> Option<String> {
    let any = |mut types: Box<dyn Iterator<Item = Type> + '_>| types.find_map(|t| unshowable(&t));
    match ty {
        Type::Own(_) | Type::Borrow(_) => Some("a resource".to_string()),
        Type::Stream(_) | Type::Future(_) | Type::ErrorContext | Type::Map(_) => {
            Some(format!("a `{}`", wit_name(ty)))
        }
        Type::List(l) => unshowable(&l.ty()),
        Type::FixedLengthList(l) => unshowable(&l.ty()),
        Type::Option(o) => unshowable(&o.ty()),
        Type::Result(r) => any(Box::new(r.ok().into_iter().chain(r.err()))),
        Type::Record(r) => any(Box::new(r.fields().map(|f| f.ty))),
        Type::Tuple(t) => any(Box::new(t.types())),
        Type::Variant(v) => any(Box::new(v.cases().filter_map(|c| c.ty))),
        _ => None,
    }
}

/// `stream<u8>`, `future`, `error-context`: WIT's names for the types
/// WAVE's own display leaves out.
fn wit_name(ty: &Type) -> String {
    let of = |inner: Option<Type>| inner.map_or(String::new(), |t| format!("<{}>", wit_name(&t)));
    match ty {
        Type::Stream(s) => format!("stream{}", of(s.ty())),
        Type::Future(f) => format!("future{}", of(f.ty())),
        Type::ErrorContext => "error-context".to_string(),
        Type::Map(m) => format!("map<{}, {}>", wit_name(&m.key()), wit_name(&m.value())),
        Type::Own(_) | Type::Borrow(_) => "a resource".to_string(),
        other => DisplayType(other).to_string(),
    }
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
