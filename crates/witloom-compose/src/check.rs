//! Type checks across a wire, in WIT terms: does what the provider exports
//! give the consumer everything it imports, with the same types?
//!
//! Both sides come from different `Ir`s (each part's own), so types are
//! compared structurally: records by field names and types, variants by
//! cases, and so on. Resources are compared by name; whether both sides
//! mean the same resource instance is checked by the wiring (see
//! `wire::check_shared_resources`).

use witloom_ir::{Function, InterfaceId, Ir, Type, TypeDefKind};

/// Where each side is: for "here" / "there" in messages.
pub(crate) struct Side<'a> {
    pub ir: &'a Ir,
    pub part: &'a str,
}

/// Checks that interface `p` of the provider can stand for interface `c`
/// the consumer imports. Returns the first difference, as a sentence.
pub(crate) fn interfaces(
    c: &Side<'_>,
    ci: InterfaceId,
    p: &Side<'_>,
    pi: InterfaceId,
) -> Result<(), String> {
    let (ci, pi) = (&c.ir[ci], &p.ir[pi]);
    for (name, cf) in &ci.functions {
        let Some(pf) = pi.functions.get(name) else {
            return Err(format!(
                "`{}` exports no function `{name}`, which `{}` calls",
                p.part, c.part
            ));
        };
        functions(c, cf, p, pf).map_err(|why| format!("function `{name}`: {why}"))?;
    }
    for (name, &ct) in &ci.types {
        let Some(&pt) = pi.types.get(name) else {
            return Err(format!(
                "`{}` exports no type `{name}`, which `{}` uses",
                p.part, c.part
            ));
        };
        types(c, Type::Id(ct), p, Type::Id(pt))?;
    }
    Ok(())
}

/// Checks two functions of the same name.
pub(crate) fn functions(
    c: &Side<'_>,
    cf: &Function,
    p: &Side<'_>,
    pf: &Function,
) -> Result<(), String> {
    if cf.params.len() != pf.params.len() {
        return Err(format!(
            "{} parameters here, {} there",
            cf.params.len(),
            pf.params.len()
        ));
    }
    for (a, b) in cf.params.iter().zip(&pf.params) {
        if a.name != b.name {
            return Err(format!("parameter `{}` here, `{}` there", a.name, b.name));
        }
        types(c, a.r#type, p, b.r#type).map_err(|why| format!("parameter `{}`: {why}", a.name))?;
    }
    match (cf.result, pf.result) {
        (None, None) => Ok(()),
        (Some(a), Some(b)) => types(c, a, p, b).map_err(|why| format!("result: {why}")),
        (a, b) => Err(format!(
            "result: {} here, {} there",
            describe(c.ir, a),
            describe(p.ir, b)
        )),
    }
}

fn describe(ir: &Ir, ty: Option<Type>) -> String {
    ty.map_or_else(|| "none".to_string(), |t| ir.type_name(t))
}

fn mismatch(c: &Side<'_>, a: Type, p: &Side<'_>, b: Type) -> String {
    format!("{} here, {} there", c.ir.type_name(a), p.ir.type_name(b))
}

/// Checks that types `a` (consumer) and `b` (provider) are the same.
pub(crate) fn types(c: &Side<'_>, a: Type, p: &Side<'_>, b: Type) -> Result<(), String> {
    let (a, b) = (dealias(c.ir, a), dealias(p.ir, b));
    let (ia, ib) = match (a, b) {
        (Type::Id(ia), Type::Id(ib)) => (ia, ib),
        (a, b) if a == b => return Ok(()),
        _ => return Err(mismatch(c, a, p, b)),
    };
    let (ta, tb) = (&c.ir[ia], &p.ir[ib]);
    let label = |what: &str| match &ta.name {
        Some(n) => format!("{what} {n}"),
        None => what.to_string(),
    };
    let opt = |x: Option<Type>, y: Option<Type>, what: &str| -> Result<(), String> {
        match (x, y) {
            (None, None) => Ok(()),
            (Some(x), Some(y)) => types(c, x, p, y).map_err(|why| format!("{what}: {why}")),
            _ => Err(format!(
                "{what}: {} here, {} there",
                describe(c.ir, x),
                describe(p.ir, y)
            )),
        }
    };
    let names = |x: Vec<&str>, y: Vec<&str>, what: &str| -> Result<(), String> {
        if x == y {
            Ok(())
        } else {
            Err(format!(
                "{}: {} here, {} there",
                label(what),
                x.join(", "),
                y.join(", ")
            ))
        }
    };
    match (&ta.kind, &tb.kind) {
        (TypeDefKind::Record { fields: x }, TypeDefKind::Record { fields: y }) => {
            names(
                x.iter().map(|f| f.name.as_str()).collect(),
                y.iter().map(|f| f.name.as_str()).collect(),
                "record",
            )
            .map_err(|_| {
                format!(
                    "{}: fields {} here, {} there",
                    label("record"),
                    x.iter()
                        .map(|f| f.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    y.iter()
                        .map(|f| f.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
            for (fx, fy) in x.iter().zip(y) {
                types(c, fx.r#type, p, fy.r#type)
                    .map_err(|why| format!("{}, field {}: {why}", label("record"), fx.name))?;
            }
            Ok(())
        }
        (TypeDefKind::Variant { cases: x }, TypeDefKind::Variant { cases: y }) => {
            names(
                x.iter().map(|f| f.name.as_str()).collect(),
                y.iter().map(|f| f.name.as_str()).collect(),
                "variant",
            )?;
            for (cx, cy) in x.iter().zip(y) {
                opt(
                    cx.r#type,
                    cy.r#type,
                    &format!("{}, case {}", label("variant"), cx.name),
                )?;
            }
            Ok(())
        }
        (TypeDefKind::Enum { cases: x }, TypeDefKind::Enum { cases: y }) => names(
            x.iter().map(|f| f.name.as_str()).collect(),
            y.iter().map(|f| f.name.as_str()).collect(),
            "enum",
        ),
        (TypeDefKind::Flags { flags: x }, TypeDefKind::Flags { flags: y }) => names(
            x.iter().map(|f| f.name.as_str()).collect(),
            y.iter().map(|f| f.name.as_str()).collect(),
            "flags",
        ),
        (TypeDefKind::Tuple { types: x }, TypeDefKind::Tuple { types: y })
            if x.len() == y.len() =>
        {
            for (i, (tx, ty)) in x.iter().zip(y).enumerate() {
                types(c, *tx, p, *ty).map_err(|why| format!("tuple element {i}: {why}"))?;
            }
            Ok(())
        }
        (TypeDefKind::Option { r#type: x }, TypeDefKind::Option { r#type: y }) => {
            types(c, *x, p, *y).map_err(|why| format!("option: {why}"))
        }
        (TypeDefKind::Result { ok: ox, err: ex }, TypeDefKind::Result { ok: oy, err: ey }) => {
            opt(*ox, *oy, "result ok")?;
            opt(*ex, *ey, "result error")
        }
        (TypeDefKind::List { element: x }, TypeDefKind::List { element: y }) => {
            types(c, *x, p, *y).map_err(|why| format!("list element: {why}"))
        }
        (
            TypeDefKind::FixedSizeList {
                element: x,
                size: sx,
            },
            TypeDefKind::FixedSizeList {
                element: y,
                size: sy,
            },
        ) if sx == sy => types(c, *x, p, *y).map_err(|why| format!("list element: {why}")),
        (TypeDefKind::Map { key: kx, value: vx }, TypeDefKind::Map { key: ky, value: vy }) => {
            types(c, *kx, p, *ky).map_err(|why| format!("map key: {why}"))?;
            types(c, *vx, p, *vy).map_err(|why| format!("map value: {why}"))
        }
        (TypeDefKind::Future { r#type: x }, TypeDefKind::Future { r#type: y }) => {
            opt(*x, *y, "future")
        }
        (TypeDefKind::Stream { r#type: x }, TypeDefKind::Stream { r#type: y }) => {
            opt(*x, *y, "stream")
        }
        (TypeDefKind::Resource { .. }, TypeDefKind::Resource { .. }) => {
            if ta.name == tb.name {
                Ok(())
            } else {
                Err(mismatch(c, a, p, b))
            }
        }
        (TypeDefKind::Own { resource: x }, TypeDefKind::Own { resource: y })
        | (TypeDefKind::Borrow { resource: x }, TypeDefKind::Borrow { resource: y }) => {
            types(c, Type::Id(*x), p, Type::Id(*y))
        }
        _ => Err(mismatch(c, a, p, b)),
    }
}

/// Follows `type a = b` (and `use`) to the definition.
fn dealias(ir: &Ir, ty: Type) -> Type {
    match ty {
        Type::Id(id) => {
            let id = ir.dealias(id);
            match ir[id].kind {
                TypeDefKind::Alias { target } => target,
                _ => Type::Id(id),
            }
        }
        t => t,
    }
}
