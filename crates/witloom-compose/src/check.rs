//! Type checks across a wire, in WIT terms: does what the provider exports
//! give the consumer everything it imports, with the same types?
//!
//! Both sides come from different `Ir`s (each part's own), so types are
//! compared structurally: records by field names and types, variants by
//! cases, and so on. Resources are compared by name; whether both sides
//! mean the same resource instance is checked by the wiring (see
//! `wire::check_shared_resources`).

use std::fmt;
use witloom_ir::{Function, InterfaceId, Ir, Type, TypeDefKind};

/// Where two sides of a wire first differ: the items leading there
/// (`function \`add\``, `parameter \`a\``, `record fraction, field
/// numerator`), and the difference itself (`s32 here, u32 there`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeMismatch {
    pub within: Vec<String>,
    pub difference: String,
}

impl TypeMismatch {
    fn new(difference: String) -> Self {
        TypeMismatch {
            within: Vec::new(),
            difference,
        }
    }

    /// The same difference, one item further out.
    fn within(mut self, item: String) -> Self {
        self.within.insert(0, item);
        self
    }
}

impl fmt::Display for TypeMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for item in &self.within {
            write!(f, "{item}: ")?;
        }
        f.write_str(&self.difference)
    }
}

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
) -> Result<(), TypeMismatch> {
    let (ci, pi) = (&c.ir[ci], &p.ir[pi]);
    for (name, cf) in &ci.functions {
        let Some(pf) = pi.functions.get(name) else {
            return Err(TypeMismatch::new(format!(
                "`{}` exports no function `{name}`, which `{}` calls",
                p.part, c.part
            )));
        };
        functions(c, cf, p, pf).map_err(|m| m.within(format!("function `{name}`")))?;
    }
    for (name, &ct) in &ci.types {
        let Some(&pt) = pi.types.get(name) else {
            return Err(TypeMismatch::new(format!(
                "`{}` exports no type `{name}`, which `{}` uses",
                p.part, c.part
            )));
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
) -> Result<(), TypeMismatch> {
    // An `async func` lifts and lowers through the async ABI: it stands
    // for a `func` of the same signature no more than a `u32` for an `s32`.
    if cf.is_async != pf.is_async {
        let kind = |f: &Function| if f.is_async { "async func" } else { "func" };
        return Err(TypeMismatch::new(format!(
            "{} here, {} there",
            kind(cf),
            kind(pf)
        )));
    }
    if cf.params.len() != pf.params.len() {
        return Err(TypeMismatch::new(format!(
            "{} parameters here, {} there",
            cf.params.len(),
            pf.params.len()
        )));
    }
    for (a, b) in cf.params.iter().zip(&pf.params) {
        if a.name != b.name {
            return Err(TypeMismatch::new(format!(
                "parameter `{}` here, `{}` there",
                a.name, b.name
            )));
        }
        types(c, a.r#type, p, b.r#type).map_err(|m| m.within(format!("parameter `{}`", a.name)))?;
    }
    match (cf.result, pf.result) {
        (None, None) => Ok(()),
        (Some(a), Some(b)) => types(c, a, p, b).map_err(|m| m.within("result".to_string())),
        (a, b) => Err(TypeMismatch::new(format!(
            "result: {} here, {} there",
            describe(c.ir, a),
            describe(p.ir, b)
        ))),
    }
}

fn describe(ir: &Ir, ty: Option<Type>) -> String {
    ty.map_or_else(|| "none".to_string(), |t| ir.type_name(t))
}

fn mismatch(c: &Side<'_>, a: Type, p: &Side<'_>, b: Type) -> TypeMismatch {
    TypeMismatch::new(format!(
        "{} here, {} there",
        c.ir.type_name(a),
        p.ir.type_name(b)
    ))
}

/// Checks that types `a` (consumer) and `b` (provider) are the same.
pub(crate) fn types(c: &Side<'_>, a: Type, p: &Side<'_>, b: Type) -> Result<(), TypeMismatch> {
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
    let opt = |x: Option<Type>, y: Option<Type>, what: &str| -> Result<(), TypeMismatch> {
        match (x, y) {
            (None, None) => Ok(()),
            (Some(x), Some(y)) => types(c, x, p, y).map_err(|m| m.within(what.to_string())),
            _ => Err(TypeMismatch::new(format!(
                "{what}: {} here, {} there",
                describe(c.ir, x),
                describe(p.ir, y)
            ))),
        }
    };
    let names = |x: Vec<&str>, y: Vec<&str>, what: &str| -> Result<(), TypeMismatch> {
        if x == y {
            Ok(())
        } else {
            Err(TypeMismatch::new(format!(
                "{}: {} here, {} there",
                label(what),
                x.join(", "),
                y.join(", ")
            )))
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
                TypeMismatch::new(format!(
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
                ))
            })?;
            for (fx, fy) in x.iter().zip(y) {
                types(c, fx.r#type, p, fy.r#type)
                    .map_err(|m| m.within(format!("{}, field {}", label("record"), fx.name)))?;
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
                types(c, *tx, p, *ty).map_err(|m| m.within(format!("tuple element {i}")))?;
            }
            Ok(())
        }
        (TypeDefKind::Option { r#type: x }, TypeDefKind::Option { r#type: y }) => {
            types(c, *x, p, *y).map_err(|m| m.within("option".to_string()))
        }
        (TypeDefKind::Result { ok: ox, err: ex }, TypeDefKind::Result { ok: oy, err: ey }) => {
            opt(*ox, *oy, "result ok")?;
            opt(*ex, *ey, "result error")
        }
        (TypeDefKind::List { element: x }, TypeDefKind::List { element: y }) => {
            types(c, *x, p, *y).map_err(|m| m.within("list element".to_string()))
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
        ) if sx == sy => types(c, *x, p, *y).map_err(|m| m.within("list element".to_string())),
        (TypeDefKind::Map { key: kx, value: vx }, TypeDefKind::Map { key: ky, value: vy }) => {
            types(c, *kx, p, *ky).map_err(|m| m.within("map key".to_string()))?;
            types(c, *vx, p, *vy).map_err(|m| m.within("map value".to_string()))
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
