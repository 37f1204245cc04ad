//! A pipeline's or a run's graph as SVG, where `dag_layout` puts it: a rounded box per task in
//! its state's colour, larger boxes around sub-DAGs, loops and iterations, arrows along the
//! dependencies. Given `selected`, every node is a button that selects it (keyboard too).

use api::{GraphNode, GraphView, TaskState};
use leptos::prelude::*;

use crate::dag_layout::{Edge, Placed, layout};

/// The states in the legend's order.
const LEGEND: [TaskState; 7] = TaskState::ALL;

#[component]
pub fn DagGraph(
    graph: GraphView,
    /// The node whose details are open; `None`: a picture, nothing to click.
    #[prop(optional)]
    selected: Option<RwSignal<Option<String>>>,
    label: String,
) -> impl IntoView {
    let drawing = layout(&graph.nodes);
    let (w, h) = (drawing.width, drawing.height);
    let node_view = |b: &Placed| node_box(&graph.nodes[b.node], b, selected);
    let containers = drawing
        .boxes
        .iter()
        .filter(|b| b.container)
        .map(node_view)
        .collect_view();
    let tasks = drawing
        .boxes
        .iter()
        .filter(|b| !b.container)
        .map(node_view)
        .collect_view();
    let edges = drawing
        .edges
        .iter()
        .map(|e| view! { <path class="dag-edge" d=edge_path(e) marker-end="url(#dag-arrow)"></path> })
        .collect_view();
    let role = if selected.is_some() { "group" } else { "img" };
    let has_states = graph.nodes.iter().any(|n| n.state.is_some());
    view! {
        <div class="dag-scroll">
            <svg class="dag" width=px(w) height=px(h) viewBox=format!("0 0 {} {}", px(w), px(h))
                role=role aria-label=label data-testid="dag">
                <defs>
                    <marker id="dag-arrow" viewBox="0 0 10 10" refX="10" refY="5"
                        markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                        <path class="dag-arrow" d="M 0 0 L 10 5 L 0 10 z"></path>
                    </marker>
                </defs>
                {containers}
                {edges}
                {tasks}
            </svg>
        </div>
        {has_states.then(|| view! {
            <ul class="dag-legend" aria-label="Colours of the states">
                {LEGEND.into_iter().map(|s| view! {
                    <li><span class=format!("swatch st-{}", s.as_str())></span>{s.as_str()}</li>
                }).collect_view()}
            </ul>
        })}
    }
}

fn node_box(
    node: &GraphNode,
    b: &Placed,
    selected: Option<RwSignal<Option<String>>>,
) -> impl IntoView + use<> {
    let state = node.state.map(TaskState::as_str).unwrap_or("none");
    let id = node.id.clone();
    let is_selected = {
        let id = id.clone();
        move || selected.is_some_and(|s| s.with(|s| s.as_deref() == Some(id.as_str())))
    };
    let kind_class = format!(
        "dag-node {} kind-{} st-{state}",
        if b.container { "dag-box" } else { "dag-task" },
        node.kind
    );
    let (label_x, label_y, anchor) = if b.container {
        (8.0, 15.0, "start")
    } else {
        (b.w / 2.0, b.h / 2.0 + 4.0, "middle")
    };
    let chars = ((b.w - 16.0) / 7.0).max(4.0) as usize;
    let text = short(&node.label, chars);
    // Starts with the label as shown, so that what is read out names what is seen.
    let mut title = node.label.clone();
    if node.label != node.id {
        title.push_str(&format!(" ({})", node.id));
    }
    if let Some(s) = node.state {
        title.push_str(&format!(": {}", s.as_str()));
    }
    let choose = {
        let id = id.clone();
        move || {
            if let Some(s) = selected {
                s.set(Some(id.clone()));
            }
        }
    };
    let on_key = {
        let choose = choose.clone();
        move |ev: leptos::ev::KeyboardEvent| {
            if matches!(ev.key().as_str(), "Enter" | " ") {
                ev.prevent_default();
                choose();
            }
        }
    };
    let interactive = selected.is_some();
    view! {
        <g class=kind_class class:selected=is_selected
            transform=format!("translate({},{})", px(b.x), px(b.y))
            data-node=id data-state=state
            role=interactive.then_some("button")
            tabindex=interactive.then_some("0")
            aria-label=interactive.then(|| title.clone())
            on:click=move |_| choose()
            on:keydown=on_key>
            <title>{title.clone()}</title>
            <rect width=px(b.w) height=px(b.h) rx="6"></rect>
            <text x=px(label_x) y=px(label_y) text-anchor=anchor>{text}</text>
        </g>
    }
}

/// A curve from the bottom of one box down to the top of the other.
fn edge_path(e: &Edge) -> String {
    let mid = (e.y1 + e.y2) / 2.0;
    format!(
        "M {} {} C {} {}, {} {}, {} {}",
        px(e.x1),
        px(e.y1),
        px(e.x1),
        px(mid),
        px(e.x2),
        px(mid),
        px(e.x2),
        px(e.y2)
    )
}

/// A coordinate, briefly: `12`, `12.5`.
fn px(v: f64) -> String {
    let text = format!("{v:.1}");
    text.trim_end_matches(".0").to_owned()
}

/// The label cut to `chars` characters, with an ellipsis when cut.
fn short(label: &str, chars: usize) -> String {
    if label.chars().count() <= chars {
        return label.to_owned();
    }
    let kept: String = label.chars().take(chars.saturating_sub(1)).collect();
    format!("{kept}…")
}
