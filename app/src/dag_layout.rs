//! Where to draw each node of a pipeline's graph: a layered layout, top to bottom. Within each
//! DAG a node's layer is the longest path to it along `after`; the nodes of a layer sit side by
//! side (at most [`PER_ROW`] to a row), rows centred. A sub-DAG, a loop or an iteration is a box
//! around its children, laid out the same way inside it and sized to fit them. Pure: the SVG
//! component draws what this returns.

use std::collections::HashMap;

use api::GraphNode;

pub const NODE_W: f64 = 168.0;
pub const NODE_H: f64 = 36.0;
/// Between nodes of one row.
pub const GAP_X: f64 = 20.0;
/// Between rows: room for the edges.
pub const GAP_Y: f64 = 36.0;
/// Inside a box, around its children.
pub const PAD: f64 = 12.0;
/// Above a box's children: its label.
pub const HEADER: f64 = 22.0;
/// Around the whole drawing.
pub const MARGIN: f64 = 8.0;
/// A layer with more nodes than this wraps onto further rows (a loop of many iterations).
pub const PER_ROW: usize = 6;

/// A node's box, in the drawing's coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    /// Its index in the graph's nodes.
    pub node: usize,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    /// A box with children inside, labelled at its top.
    pub container: bool,
}

/// An edge from the bottom of `from` to the top of `to` (indices in the graph's nodes).
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layout {
    pub width: f64,
    pub height: f64,
    /// Every node once, a box before the boxes inside it (the order to draw them in).
    pub boxes: Vec<Placed>,
    pub edges: Vec<Edge>,
}

pub fn layout(nodes: &[GraphNode]) -> Layout {
    let index: HashMap<&str, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let mut children = vec![Vec::new(); nodes.len()];
    let mut top = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        match n.parent.as_deref().and_then(|p| index.get(p)) {
            Some(&parent) if parent != i => children[parent].push(i),
            _ => top.push(i),
        }
    }
    let graph = Graph {
        nodes,
        index,
        children,
    };
    let block = graph.arrange(&top, &mut Vec::new());
    let mut boxes: Vec<Placed> = block.boxes;
    for b in &mut boxes {
        b.x += MARGIN;
        b.y += MARGIN;
    }
    let edges = graph.edges(&boxes);
    Layout {
        width: block.w + 2.0 * MARGIN,
        height: block.h + 2.0 * MARGIN,
        boxes,
        edges,
    }
}

struct Graph<'a> {
    nodes: &'a [GraphNode],
    index: HashMap<&'a str, usize>,
    children: Vec<Vec<usize>>,
}

/// A DAG laid out at the origin: its size and every box in it and below it.
struct Block {
    w: f64,
    h: f64,
    boxes: Vec<Placed>,
}

impl Graph<'_> {
    /// Lays out the DAG made of `members` (siblings); `inside` guards against a parent loop.
    fn arrange(&self, members: &[usize], inside: &mut Vec<usize>) -> Block {
        // Each member's own block: a leaf, or a box around its children.
        let mut own: Vec<(f64, f64, Vec<Placed>)> = Vec::with_capacity(members.len());
        for &m in members {
            let kids = &self.children[m];
            if kids.is_empty() || inside.contains(&m) {
                own.push((NODE_W, NODE_H, Vec::new()));
                continue;
            }
            inside.push(m);
            let inner = self.arrange(kids, inside);
            inside.pop();
            let w = inner.w.max(NODE_W) + 2.0 * PAD;
            let h = inner.h + HEADER + 2.0 * PAD;
            let dx = (w - inner.w) / 2.0;
            let boxes = inner
                .boxes
                .into_iter()
                .map(|b| Placed {
                    x: b.x + dx,
                    y: b.y + HEADER + PAD,
                    ..b
                })
                .collect();
            own.push((w, h, boxes));
        }
        let rows = self.rows(members);
        let sizes: Vec<(f64, f64)> = own.iter().map(|(w, h, _)| (*w, *h)).collect();
        let row_size = |row: &[usize]| {
            let w = row.iter().map(|&k| sizes[k].0).sum::<f64>()
                + GAP_X * row.len().saturating_sub(1) as f64;
            let h = row.iter().map(|&k| sizes[k].1).fold(0.0, f64::max);
            (w, h)
        };
        let width = rows.iter().map(|r| row_size(r).0).fold(0.0, f64::max);
        let mut boxes = Vec::new();
        let mut y = 0.0;
        for row in &rows {
            let (row_w, row_h) = row_size(row);
            let mut x = (width - row_w) / 2.0;
            for &k in row {
                let (w, h, inner) = std::mem::take(&mut own[k]);
                boxes.push(Placed {
                    node: members[k],
                    x,
                    y,
                    w,
                    h,
                    container: !inner.is_empty(),
                });
                boxes.extend(inner.into_iter().map(|b| Placed {
                    x: b.x + x,
                    y: b.y + y,
                    ..b
                }));
                x += w + GAP_X;
            }
            y += row_h + GAP_Y;
        }
        Block {
            w: width,
            h: (y - GAP_Y).max(0.0),
            boxes,
        }
    }

    /// The members (as positions in `members`) row by row: by layer, in the graph's order,
    /// long layers wrapped.
    fn rows(&self, members: &[usize]) -> Vec<Vec<usize>> {
        let local: HashMap<usize, usize> =
            members.iter().enumerate().map(|(k, &m)| (m, k)).collect();
        let preds: Vec<Vec<usize>> = members
            .iter()
            .map(|&m| {
                self.nodes[m]
                    .after
                    .iter()
                    .filter_map(|a| self.index.get(a.as_str()))
                    .filter_map(|i| local.get(i).copied())
                    .collect()
            })
            .collect();
        let mut layer: Vec<Option<usize>> = vec![None; members.len()];
        for k in 0..members.len() {
            layer_of(k, &preds, &mut layer, &mut Vec::new());
        }
        let deepest = layer.iter().flatten().copied().max().unwrap_or(0);
        let mut rows = Vec::new();
        for l in 0..=deepest {
            let in_layer: Vec<usize> = (0..members.len())
                .filter(|&k| layer[k] == Some(l))
                .collect();
            rows.extend(in_layer.chunks(PER_ROW).map(<[usize]>::to_vec));
        }
        rows
    }

    /// An edge for every `after` between two placed siblings.
    fn edges(&self, boxes: &[Placed]) -> Vec<Edge> {
        let at: HashMap<usize, &Placed> = boxes.iter().map(|b| (b.node, b)).collect();
        let mut edges = Vec::new();
        for b in boxes {
            let node = &self.nodes[b.node];
            for a in &node.after {
                let Some(from) = self.index.get(a.as_str()).and_then(|i| at.get(i)) else {
                    continue;
                };
                if self.nodes[from.node].parent != node.parent || from.node == b.node {
                    continue;
                }
                edges.push(Edge {
                    from: from.node,
                    to: b.node,
                    x1: from.x + from.w / 2.0,
                    y1: from.y + from.h,
                    x2: b.x + b.w / 2.0,
                    y2: b.y,
                });
            }
        }
        edges
    }
}

/// The longest path to `k` along `preds`; a node on a cycle counts its cycle as nothing.
fn layer_of(
    k: usize,
    preds: &[Vec<usize>],
    layer: &mut [Option<usize>],
    visiting: &mut Vec<usize>,
) -> usize {
    if let Some(l) = layer[k] {
        return l;
    }
    if visiting.contains(&k) {
        return 0;
    }
    visiting.push(k);
    let l = preds[k]
        .iter()
        .map(|&p| layer_of(p, preds, layer, visiting) + 1)
        .max()
        .unwrap_or(0);
    visiting.pop();
    layer[k] = Some(l);
    l
}

#[cfg(test)]
mod tests;
