//! The application's wiring drawn as SVG, with a small layered layout of
//! our own (no Graphviz): nodes go in columns by longest path from the
//! sources, so every arrow points right; edges spanning columns get a
//! waypoint in each column they cross; the order within a column is
//! improved by barycenter sweeps; parallel arrows are merged into one with
//! a label per interface. Colours are CSS classes, so the page's light and
//! dark themes apply.

use std::fmt::Write as _;

/// A box in the picture.
pub struct Node {
    pub title: String,
    /// A second line (the component's language).
    pub sub: Option<String>,
    pub href: Option<String>,
    /// The host and the exports: drawn as rounded ends rather than boxes.
    pub terminal: bool,
}

/// An arrow from provider to consumer, labelled with the interface.
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub label: String,
    pub href: Option<String>,
}

const CHAR: f64 = 7.8; // 13px monospace
const LABEL_CHAR: f64 = 6.6; // 11px monospace
const NODE_H: f64 = 44.0;
const ROW_GAP: f64 = 36.0;
const PAD: f64 = 16.0;
const LINE_H: f64 = 14.0;

/// A node or an edge's waypoint, placed in a column.
#[derive(Clone, Copy, PartialEq)]
enum Slot {
    Node(usize),
    /// Waypoint of merged edge `e` in a column it crosses.
    Via(usize),
}

/// Merged edges: one arrow per (from, to), with every label on it.
struct Arrow<'a> {
    from: usize,
    to: usize,
    labels: Vec<(&'a str, Option<&'a str>)>,
}

pub fn svg(nodes: &[Node], edges: &[Edge]) -> String {
    let mut arrows: Vec<Arrow> = Vec::new();
    for e in edges
        .iter()
        .filter(|e| e.from != e.to && e.from.max(e.to) < nodes.len())
    {
        let label = (e.label.as_str(), e.href.as_deref());
        match arrows.iter_mut().find(|a| a.from == e.from && a.to == e.to) {
            Some(a) => a.labels.push(label),
            None => arrows.push(Arrow {
                from: e.from,
                to: e.to,
                labels: vec![label],
            }),
        }
    }

    let layer = layers(nodes.len(), &arrows);
    let columns = layer.iter().copied().max().map_or(0, |m| m + 1);
    let mut cols: Vec<Vec<Slot>> = vec![Vec::new(); columns];
    for (n, l) in layer.iter().enumerate() {
        cols[*l].push(Slot::Node(n));
    }
    for (e, a) in arrows.iter().enumerate() {
        for col in cols.iter_mut().take(layer[a.to]).skip(layer[a.from] + 1) {
            col.push(Slot::Via(e));
        }
    }
    order(&mut cols, &arrows, &layer);

    // Sizes, then places: columns left to right, wide enough for the
    // labels of the arrows leaving them; rows centred on the tallest.
    let width = |s: Slot| match s {
        Slot::Node(n) => {
            let sub = nodes[n].sub.as_deref().map_or(0, str::len);
            nodes[n].title.len().max(sub) as f64 * CHAR + 2.0 * PAD
        }
        Slot::Via(_) => 0.0,
    };
    let height = |s: Slot| match s {
        Slot::Node(_) => NODE_H,
        Slot::Via(_) => 8.0,
    };
    let label_w = |a: &Arrow| {
        a.labels.iter().map(|(l, _)| l.len()).max().unwrap_or(0) as f64 * LABEL_CHAR + 24.0
    };
    let mut col_x = Vec::new();
    let mut x = 8.0;
    for (c, col) in cols.iter().enumerate() {
        col_x.push(x);
        let w = col.iter().map(|s| width(*s)).fold(0.0, f64::max);
        let gap = arrows
            .iter()
            .filter(|a| layer[a.from] == c || (layer[a.from] < c && layer[a.to] > c))
            .map(|a| label_w(a) + 48.0)
            .fold(72.0, f64::max);
        x += w + gap;
    }
    let col_h: Vec<f64> = cols
        .iter()
        .map(|col| col.iter().map(|s| height(*s) + ROW_GAP).sum::<f64>() - ROW_GAP)
        .collect();
    let total_h = col_h.iter().copied().fold(NODE_H, f64::max) + 16.0;
    // Where each slot is: (x of its left side, y of its middle, width).
    let mut places: Vec<Vec<(f64, f64, f64)>> = Vec::new();
    for (c, col) in cols.iter().enumerate() {
        let cw = col.iter().map(|s| width(*s)).fold(0.0, f64::max);
        let mut y = (total_h - col_h[c]) / 2.0;
        let mut column = Vec::new();
        for s in col {
            let (w, h) = (width(*s), height(*s));
            column.push((col_x[c] + (cw - w) / 2.0, y + h / 2.0, w));
            y += h + ROW_GAP;
        }
        places.push(column);
    }
    let place = |c: usize, s: Slot| places[c][cols[c].iter().position(|o| *o == s).unwrap_or(0)];
    let node_place: Vec<(f64, f64, f64)> = (0..nodes.len())
        .map(|n| place(layer[n], Slot::Node(n)))
        .collect();

    let svg_w = (x - 64.0).max(16.0);
    let mut out = String::new();
    out.push_str("<defs><marker id=\"arrowhead\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" class=\"g-head\"/></marker></defs>\n");

    // Where arrows leave and reach a node: spread over its side in the
    // order of the nodes at their other ends, so arrowheads do not pile up.
    let port = |e: usize, node: usize, incoming: bool| -> f64 {
        let mut ends: Vec<(f64, usize)> = arrows
            .iter()
            .enumerate()
            .filter(|(_, a)| {
                if incoming {
                    a.to == node
                } else {
                    a.from == node
                }
            })
            .map(|(i, a)| (node_place[if incoming { a.from } else { a.to }].1, i))
            .collect();
        ends.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
        let k = ends.len() as f64;
        let i = ends.iter().position(|(_, i)| *i == e).unwrap_or(0) as f64;
        let step = ((NODE_H - 16.0) / k).min(10.0);
        node_place[node].1 + (i - (k - 1.0) / 2.0) * step
    };

    // Arrows first, so boxes and labels are drawn over them.
    let mut boxes: Vec<LabelBox> = Vec::new();
    for (e, a) in arrows.iter().enumerate() {
        let (fx, _, fw) = node_place[a.from];
        let (tx, _, _) = node_place[a.to];
        let (fy, ty) = (port(e, a.from, false), port(e, a.to, true));
        let mut points = vec![(fx + fw, fy)];
        for c in layer[a.from] + 1..layer[a.to] {
            let (vx, vy, _) = place(c, Slot::Via(e));
            points.push((vx, vy));
        }
        points.push((tx, ty));
        // Smooth curves through the waypoints: horizontal tangents.
        let mut d = format!("M{:.1},{:.1}", points[0].0, points[0].1);
        for w in points.windows(2) {
            let ((x1, y1), (x2, y2)) = (w[0], w[1]);
            let dx = (x2 - x1) / 2.0;
            let _ = write!(
                d,
                " C{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}",
                x1 + dx,
                y1,
                x2 - dx,
                y2,
                x2 - 2.0,
                y2
            );
        }
        let _ = writeln!(
            out,
            "<path class=\"g-edge\" d=\"{d}\" marker-end=\"url(#arrowhead)\"/>"
        );
        // Labels where the arrow leaves its node's column: past the box,
        // before any other column.
        let (x1, y1) = points[0];
        let (x2, y2) = points[1];
        let (lx, ly) = ((x1 + x2) / 2.0, (y1 + y2) / 2.0);
        let (w, h) = (label_w(a) - 12.0, a.labels.len() as f64 * LINE_H + 6.0);
        boxes.push(LabelBox {
            arrow: e,
            x: lx - w / 2.0,
            top: ly - h / 2.0,
            w,
            h,
        });
    }
    // Labels of arrows that leave one gap at nearly the same height would
    // cover each other: push the lower ones down until none overlap (the
    // picture grows if it must).
    for b in &mut boxes {
        b.top = b.top.max(4.0);
    }
    boxes.sort_by(|a, b| a.top.total_cmp(&b.top).then(a.arrow.cmp(&b.arrow)));
    for i in 1..boxes.len() {
        for j in 0..i {
            let (above, below) = (&boxes[j], &boxes[i]);
            let beside = above.x + above.w <= below.x || below.x + below.w <= above.x;
            if !beside && below.top < above.top + above.h + 4.0 {
                boxes[i].top = above.top + above.h + 4.0;
            }
        }
    }
    let total_h = boxes
        .iter()
        .map(|b| b.top + b.h + 8.0)
        .fold(total_h, f64::max);
    for b in &boxes {
        let _ = writeln!(
            out,
            "<rect class=\"g-label-bg\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"4\"/>",
            b.x, b.top, b.w, b.h
        );
        let lx = b.x + b.w / 2.0;
        for (i, (text, href)) in arrows[b.arrow].labels.iter().enumerate() {
            let y = b.top + 3.0 + LINE_H * (i as f64 + 0.75);
            let t = format!(
                "<text class=\"g-label\" x=\"{lx:.1}\" y=\"{y:.1}\" text-anchor=\"middle\">{}</text>",
                esc(text)
            );
            let _ = writeln!(out, "{}", linked(&t, *href));
        }
    }

    for (n, node) in nodes.iter().enumerate() {
        let (x, y, w) = node_place[n];
        let class = if node.terminal { "g-end" } else { "g-node" };
        let rx = if node.terminal { NODE_H / 2.0 } else { 6.0 };
        let mut g = format!(
            "<rect class=\"{class}\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{NODE_H}\" rx=\"{rx}\"/>",
            y - NODE_H / 2.0
        );
        let cx = x + w / 2.0;
        match &node.sub {
            Some(sub) => {
                let _ = write!(
                    g,
                    "<text class=\"g-title\" x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text><text class=\"g-sub\" x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                    y - 2.0,
                    esc(&node.title),
                    y + 13.0,
                    esc(sub)
                );
            }
            None => {
                let _ = write!(
                    g,
                    "<text class=\"g-title\" x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                    y + 4.5,
                    esc(&node.title)
                );
            }
        }
        let _ = writeln!(out, "{}", linked(&g, node.href.as_deref()));
    }
    out.push_str("</svg>\n");
    format!(
        "<svg class=\"graph\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {svg_w:.0} {total_h:.0}\" width=\"{svg_w:.0}\" role=\"img\" aria-label=\"the application's wiring\">\n{out}"
    )
}

/// Where one arrow's label box goes.
struct LabelBox {
    arrow: usize,
    x: f64,
    top: f64,
    w: f64,
    h: f64,
}

/// Each node's column: the longest path to it from a node nothing points
/// to. A cycle (which composition refuses) cannot loop: each pass can only
/// push nodes right, and there are at most as many passes as nodes.
fn layers(n: usize, arrows: &[Arrow]) -> Vec<usize> {
    let mut layer = vec![0; n];
    for _ in 0..n {
        let mut changed = false;
        for a in arrows {
            if layer[a.to] <= layer[a.from] && layer[a.from] + 1 < n.max(1) {
                layer[a.to] = layer[a.from] + 1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // Sinks go in the last column, sources that only feed the last
    // columns as far right as they can: arrows stay short.
    let last = layer.iter().copied().max().unwrap_or(0);
    for v in 0..n {
        let outs: Vec<usize> = arrows
            .iter()
            .filter(|a| a.from == v)
            .map(|a| layer[a.to])
            .collect();
        let has_in = arrows.iter().any(|a| a.to == v);
        if outs.is_empty() && has_in {
            layer[v] = last;
        } else if !has_in && let Some(min) = outs.iter().min() {
            layer[v] = min.saturating_sub(1);
        }
    }
    layer
}

/// Orders each column by the mean row of its neighbours, sweeping right
/// then left a few times; fewer crossings, shorter arrows.
fn order(cols: &mut [Vec<Slot>], arrows: &[Arrow], layer: &[usize]) {
    // The neighbours in column `c - 1` (`before`) or `c + 1` of slot `s`
    // of column `c`: a node, or the waypoint of a longer arrow.
    let neighbours = |s: Slot, c: usize, before: bool| -> Vec<Slot> {
        let step = |e: usize, far: usize| {
            let near = if before {
                c.checked_sub(1)
            } else {
                Some(c + 1)
            };
            if Some(layer[far]) == near {
                Some(Slot::Node(far))
            } else if (before && layer[far] + 1 < c) || (!before && layer[far] > c + 1) {
                Some(Slot::Via(e))
            } else {
                None // an arrow pointing the other way
            }
        };
        match s {
            Slot::Node(n) => arrows
                .iter()
                .enumerate()
                .filter_map(|(e, a)| match before {
                    true if a.to == n => step(e, a.from),
                    false if a.from == n => step(e, a.to),
                    _ => None,
                })
                .collect(),
            Slot::Via(e) => {
                let a = &arrows[e];
                step(e, if before { a.from } else { a.to })
                    .into_iter()
                    .collect()
            }
        }
    };
    for sweep in 0..4 {
        let forward = sweep % 2 == 0;
        let range: Vec<usize> = if forward {
            (1..cols.len()).collect()
        } else {
            (0..cols.len().saturating_sub(1)).rev().collect()
        };
        for c in range {
            let other = if forward { c - 1 } else { c + 1 };
            let pos = |s: &Slot| cols[other].iter().position(|o| o == s);
            let mut keyed: Vec<(f64, usize, Slot)> = cols[c]
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let rows: Vec<f64> = neighbours(*s, c, forward)
                        .iter()
                        .filter_map(pos)
                        .map(|p| p as f64)
                        .collect();
                    let bary = if rows.is_empty() {
                        i as f64
                    } else {
                        rows.iter().sum::<f64>() / rows.len() as f64
                    };
                    (bary, i, *s)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            cols[c] = keyed.into_iter().map(|(_, _, s)| s).collect();
        }
    }
}

fn linked(inner: &str, href: Option<&str>) -> String {
    match href {
        Some(h) => format!("<a href=\"{}\">{inner}</a>", esc(h)),
        None => inner.to_string(),
    }
}

fn esc(s: &str) -> String {
    crate::html::escape(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(title: &str) -> Node {
        Node {
            title: title.into(),
            sub: None,
            href: None,
            terminal: false,
        }
    }

    fn edge(from: usize, to: usize, label: &str) -> Edge {
        Edge {
            from,
            to,
            label: label.into(),
            href: None,
        }
    }

    #[test]
    fn arrows_point_right_and_long_ones_get_waypoints() {
        // host → a → b → exports, and host → b directly.
        let nodes = ["host", "a", "b", "exports"].map(node);
        let edges = [
            edge(0, 1, "x"),
            edge(1, 2, "y"),
            edge(2, 3, "run"),
            edge(0, 2, "log"),
            edge(0, 2, "sql"),
        ];
        let arrows: Vec<Arrow> = vec![
            Arrow {
                from: 0,
                to: 1,
                labels: vec![],
            },
            Arrow {
                from: 1,
                to: 2,
                labels: vec![],
            },
            Arrow {
                from: 2,
                to: 3,
                labels: vec![],
            },
            Arrow {
                from: 0,
                to: 2,
                labels: vec![],
            },
        ];
        assert_eq!(layers(4, &arrows), [0, 1, 2, 3]);
        let svg = svg(&nodes, &edges);
        // Four arrows: the two host → b edges are one, with two labels.
        assert_eq!(svg.matches("class=\"g-edge\"").count(), 4);
        assert!(svg.contains(">log</text>") && svg.contains(">sql</text>"));
        // The long arrow goes through a waypoint: two curve segments.
        let long = svg
            .lines()
            .filter(|l| l.contains("g-edge"))
            .find(|l| l.matches(" C").count() == 2);
        assert!(long.is_some(), "{svg}");
    }

    #[test]
    fn labels_leaving_one_column_do_not_cover_each_other() {
        // The host and `p` both feed `a`, and the host also feeds `b` past
        // it: three label boxes leave the first column at about one height
        // (the notes example's shape, where they overlapped).
        let nodes = ["host", "p", "a", "b"].map(node);
        let mut edges = vec![edge(1, 2, "pages"), edge(2, 3, "handler")];
        for l in ["poll", "clock", "error", "streams", "types", "sql", "log"] {
            edges.push(edge(0, 2, l));
        }
        for l in ["poll", "clock", "error", "streams", "types"] {
            edges.push(edge(0, 3, l));
        }
        let svg = svg(&nodes, &edges);
        let attr = |line: &str, name: &str| -> f64 {
            let at = line.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
            line[at..].split('"').next().unwrap().parse().unwrap()
        };
        let boxes: Vec<(f64, f64, f64, f64)> = svg
            .lines()
            .filter(|l| l.contains("g-label-bg"))
            .map(|l| {
                (
                    attr(l, "x"),
                    attr(l, "y"),
                    attr(l, "width"),
                    attr(l, "height"),
                )
            })
            .collect();
        assert_eq!(boxes.len(), 4, "{svg}");
        let view_h: f64 = svg
            .split("viewBox=\"0 0 ")
            .nth(1)
            .and_then(|v| v.split('"').next())
            .and_then(|v| v.split(' ').nth(1))
            .unwrap()
            .parse()
            .unwrap();
        for (i, a) in boxes.iter().enumerate() {
            assert!(
                a.1 >= 0.0 && a.1 + a.3 <= view_h,
                "box {a:?} outside 0..{view_h}"
            );
            for b in &boxes[i + 1..] {
                let apart =
                    a.0 + a.2 <= b.0 || b.0 + b.2 <= a.0 || a.1 + a.3 <= b.1 || b.1 + b.3 <= a.1;
                assert!(apart, "{a:?} and {b:?} overlap");
            }
        }
    }

    #[test]
    fn a_cycle_is_drawn_not_looped() {
        let nodes = ["a", "b"].map(node);
        let svg = svg(&nodes, &[edge(0, 1, "x"), edge(1, 0, "y")]);
        assert_eq!(svg.matches("class=\"g-edge\"").count(), 2);
    }

    #[test]
    fn names_are_escaped() {
        let svg = svg(&[node("<a&b>")], &[]);
        assert!(svg.contains("&lt;a&amp;b&gt;"), "{svg}");
    }
}
