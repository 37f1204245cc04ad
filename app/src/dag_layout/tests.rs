use api::GraphNode;

use super::*;

fn node(id: &str, parent: Option<&str>, kind: &str, after: &[&str]) -> GraphNode {
    GraphNode {
        id: id.into(),
        parent: parent.map(Into::into),
        label: id.rsplit('/').next().unwrap_or(id).into(),
        kind: kind.into(),
        after: after.iter().map(|a| a.to_string()).collect(),
        state: None,
    }
}

/// The bench pipeline as a run shows it: make-data, four column statistics, aggregate, then a
/// condition holding a loop of three iterations of `scale`, and `finalize` after the loop.
fn bench() -> Vec<GraphNode> {
    let stats = ["col-stat", "col-stat-2", "col-stat-3", "col-stat-4"];
    let mut nodes = vec![node("make-data", None, "task", &[])];
    for s in stats {
        nodes.push(node(s, None, "task", &["make-data"]));
    }
    nodes.push(node("aggregate", None, "task", &stats));
    nodes.push(node("condition-1", None, "condition", &["aggregate"]));
    let fan = "condition-1/for-loop-3";
    nodes.push(node(fan, Some("condition-1"), "loop", &[]));
    for i in 0..3 {
        let iteration = format!("{fan}[{i}]");
        nodes.push(node(&iteration, Some(fan), "iteration", &[]));
        let scale = format!("{iteration}/scale");
        nodes.push(node(&scale, Some(&iteration), "task", &[]));
    }
    nodes.push(node(
        "condition-1/finalize",
        Some("condition-1"),
        "task",
        &[fan],
    ));
    nodes
}

fn placed<'a>(layout: &'a Layout, nodes: &[GraphNode], id: &str) -> &'a Placed {
    let i = nodes.iter().position(|n| n.id == id).expect(id);
    layout.boxes.iter().find(|b| b.node == i).expect(id)
}

fn inside(inner: &Placed, outer: &Placed) -> bool {
    inner.x >= outer.x
        && inner.y >= outer.y
        && inner.x + inner.w <= outer.x + outer.w
        && inner.y + inner.h <= outer.y + outer.h
}

fn overlap(a: &Placed, b: &Placed) -> bool {
    a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
}

#[test]
fn the_bench_pipeline_is_layered_and_nested() {
    let nodes = bench();
    let l = layout(&nodes);
    assert_eq!(l.boxes.len(), nodes.len(), "every node is drawn once");
    let at = |id: &str| placed(&l, &nodes, id);

    // Layers, top to bottom.
    let stats = ["col-stat", "col-stat-2", "col-stat-3", "col-stat-4"];
    for s in stats {
        assert_eq!(at(s).y, at("col-stat").y, "{s} in the second layer");
        assert!(at(s).y > at("make-data").y + at("make-data").h);
    }
    assert!(at("aggregate").y > at("col-stat").y + NODE_H);
    assert!(at("condition-1").y > at("aggregate").y + NODE_H);
    // The four statistics side by side, left to right in the pipeline's order.
    for pair in stats.windows(2) {
        assert!(at(pair[0]).x + NODE_W < at(pair[1]).x, "{pair:?}");
    }
    // make-data sits over the middle of its row below.
    let mid = |b: &Placed| b.x + b.w / 2.0;
    assert!(
        (mid(at("make-data")) - (mid(at("col-stat-2")) + mid(at("col-stat-3"))) / 2.0).abs() < 1e-9
    );

    // Boxes hold their children: condition > loop > iterations > scale; finalize after the loop.
    let fan = "condition-1/for-loop-3";
    assert!(at("condition-1").container && at(fan).container);
    assert!(inside(at(fan), at("condition-1")));
    assert!(inside(at("condition-1/finalize"), at("condition-1")));
    assert!(at("condition-1/finalize").y > at(fan).y + at(fan).h);
    for i in 0..3 {
        let iteration = format!("{fan}[{i}]");
        let scale = format!("{iteration}/scale");
        assert!(at(&iteration).container);
        assert!(!at(&scale).container);
        assert!(inside(at(&iteration), at(fan)));
        assert!(inside(at(&scale), at(&iteration)));
        assert_eq!(
            at(&iteration).y,
            at(&format!("{fan}[0]")).y,
            "iterations side by side"
        );
    }
    // A box is drawn before what it holds.
    let order = |id| l.boxes.iter().position(|b| nodes[b.node].id == id).unwrap();
    assert!(order("condition-1") < order(fan));
    assert!(order(fan) < order("condition-1/for-loop-3[2]/scale"));

    // No two siblings overlap; everything is within the drawing.
    for a in &l.boxes {
        assert!(a.x >= 0.0 && a.y >= 0.0);
        assert!(a.x + a.w <= l.width && a.y + a.h <= l.height);
        for b in &l.boxes {
            if a.node < b.node && nodes[a.node].parent == nodes[b.node].parent {
                assert!(
                    !overlap(a, b),
                    "{} / {}",
                    nodes[a.node].id,
                    nodes[b.node].id
                );
            }
        }
    }

    // Edges: 4 out of make-data, 4 into aggregate, aggregate -> condition, loop -> finalize;
    // each from the bottom of one box down to the top of the other.
    assert_eq!(l.edges.len(), 10);
    for e in &l.edges {
        assert!(e.y2 > e.y1, "{} -> {}", nodes[e.from].id, nodes[e.to].id);
        assert_eq!(
            e.y1,
            placed(&l, &nodes, &nodes[e.from].id).y + placed(&l, &nodes, &nodes[e.from].id).h
        );
        assert_eq!(e.y2, placed(&l, &nodes, &nodes[e.to].id).y);
    }
    let finalize = l
        .edges
        .iter()
        .find(|e| nodes[e.to].id == "condition-1/finalize")
        .expect("loop -> finalize");
    assert_eq!(nodes[finalize.from].id, fan);
}

#[test]
fn a_long_layer_wraps_and_a_loop_before_its_iterations_is_a_box() {
    let mut nodes = vec![node("fan", None, "loop", &[])];
    for i in 0..8 {
        nodes.push(node(&format!("fan[{i}]"), Some("fan"), "iteration", &[]));
    }
    let l = layout(&nodes);
    let at = |id: &str| placed(&l, &nodes, id);
    assert_eq!(at("fan[5]").y, at("fan[0]").y);
    assert!(
        at("fan[6]").y > at("fan[0]").y + NODE_H,
        "the seventh starts a new row"
    );
    assert!(at("fan").w >= PER_ROW as f64 * NODE_W);
    assert!(l.edges.is_empty());

    let lone = layout(&[node("fan", None, "loop", &[])]);
    assert!(
        !lone.boxes[0].container,
        "nothing inside: drawn as a plain node"
    );
    assert_eq!(
        (lone.width, lone.height),
        (NODE_W + 2.0 * MARGIN, NODE_H + 2.0 * MARGIN)
    );
}

#[test]
fn odd_graphs_still_draw() {
    // A cycle, an unknown dependency, an unknown parent, a dependency across DAGs.
    let nodes = vec![
        node("a", None, "task", &["b", "nowhere"]),
        node("b", None, "task", &["a"]),
        node("orphan", Some("missing"), "task", &[]),
        node("box", None, "dag", &[]),
        node("box/inner", Some("box"), "task", &["a"]),
    ];
    let l = layout(&nodes);
    assert_eq!(l.boxes.len(), nodes.len());
    assert!(
        l.edges
            .iter()
            .all(|e| nodes[e.from].parent == nodes[e.to].parent)
    );
    assert!(layout(&[]).boxes.is_empty());
}
