//! The "GPUs & queue" page: every node with its GPUs and who holds each share, GPU allocation
//! over time, and each visible profile's queue with its usage against quota. Rendered on the
//! server with the data; once hydrated it reloads both views when the event stream says the
//! cluster or a workload changed.

use std::time::Duration;

use api::{
    AllocationSample, ClusterGpu, ClusterNode, ClusterView, EventKind, GpuHolder, ProfileQueueView,
    QueueView, Quota, Usage, WaitingWorkload,
};
use leptos::prelude::*;
use leptos_meta::Title;

use crate::cluster_fns::{load_cluster, load_queue};
use crate::events::{Connection, use_events};
use crate::pages::profiles::utc;

/// A whole GPU in thousandths.
const WHOLE_GPU: u32 = 1000;
/// The chart shows at most this many of the latest samples.
const CHART_SAMPLES: usize = 240;
/// Events arrive in bursts (one scheduling cycle, many workloads): reload once per burst.
const RELOAD_AFTER: Duration = Duration::from_millis(250);

#[component]
pub fn GpusPage() -> impl IntoView {
    let feed = use_events();
    let (version, set_version) = signal(0u32);
    let reload_pending = StoredValue::new(false);
    let reload = move || {
        if reload_pending.try_get_value().unwrap_or(true) {
            return;
        }
        reload_pending.set_value(true);
        set_timeout(
            move || {
                reload_pending.try_set_value(false);
                set_version.try_update(|v| *v = v.wrapping_add(1));
            },
            RELOAD_AFTER,
        );
    };
    // Effects run in the browser only: on the server the page renders what is there now.
    Effect::new(move || {
        if let Some(event) = feed.latest.get()
            && matches!(event.kind, EventKind::Cluster | EventKind::Workload)
        {
            reload();
        }
    });
    // Whatever changed between the page's rendering (or a lost connection) and the stream's
    // (re)connection is read again once the stream is live.
    Effect::new(move |was_live: Option<bool>| {
        let live = feed.connection.get() == Connection::Live;
        if live && was_live == Some(false) {
            reload();
        }
        live
    });
    let cluster = Resource::new(move || version.get(), |_| load_cluster());
    let queue = Resource::new(move || version.get(), |_| load_queue());
    view! {
        <Title text="GPUs & queue"/>
        <h1>"GPUs & queue"</h1>
        <p class="live-note">
            "Updates: "
            <span data-testid="gpus-live">{move || feed.connection.get().label()}</span>
        </p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match cluster.await {
                    Ok(view) => view! { <ClusterSections view/> }.into_any(),
                    Err(e) => failure(e).into_any(),
                }
            })}
        </Transition>
        <section aria-labelledby="queues-title">
            <h2 id="queues-title">"Queues and quotas"</h2>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match queue.await {
                        Ok(view) => view! { <Queues view/> }.into_any(),
                        Err(e) => failure(e).into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

fn failure(e: ServerFnError) -> impl IntoView {
    let message = e
        .to_string()
        .trim_start_matches("error running server function: ")
        .to_owned();
    view! { <p class="error" role="alert">{message}</p> }
}

#[component]
fn ClusterSections(view: ClusterView) -> impl IntoView {
    let ClusterView {
        nodes,
        allocation,
        policy,
    } = view;
    view! {
        <section aria-labelledby="nodes-title">
            <h2 id="nodes-title">"Nodes and GPUs"</h2>
            <p>"Placement policy: " <strong data-testid="policy">{policy}</strong></p>
            {if nodes.is_empty() {
                view! { <p class="empty-note">"No nodes are known yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="nodes">
                        {nodes.into_iter().enumerate().map(|(i, node)| view! { <NodeCard index=i node/> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <AllocationChart samples=allocation/>
    }
}

#[component]
fn NodeCard(index: usize, node: ClusterNode) -> impl IntoView {
    let title_id = format!("node-{index}");
    let resources = format!(
        "CPU {} of {} cores · memory {} of {} GiB",
        amount(node.used_cpu_milli as f64 / 1000.0),
        amount(node.cpu_milli as f64 / 1000.0),
        amount(node.used_memory_mib as f64 / 1024.0),
        amount(node.memory_mib as f64 / 1024.0),
    );
    view! {
        <li class="panel node">
            <h3 id=title_id>
                {node.name.clone()}
                {node.simulated.then(|| view! {
                    " " <span class="badge" title="Declared in configuration, not found on this machine">"simulated"</span>
                })}
            </h3>
            <p class="node-resources">{resources}</p>
            {if node.gpus.is_empty() {
                view! {
                    <p class="empty-note">
                        "No GPUs on this node — set " <code>"gpus"</code>
                        " to discover or declare simulated ones."
                    </p>
                }.into_any()
            } else {
                view! {
                    <ul class="gpus" aria-label=format!("GPUs of {}", node.name)>
                        {node.gpus.into_iter().map(|gpu| view! { <GpuCell gpu/> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </li>
    }
}

#[component]
fn GpuCell(gpu: ClusterGpu) -> impl IntoView {
    let title = format!(
        "GPU {} · {} · {} GiB",
        gpu.index,
        gpu.model,
        amount(gpu.memory_mib as f64 / 1024.0)
    );
    let label = format!(
        "GPU {} ({}): {} of {WHOLE_GPU} milli in use",
        gpu.index, gpu.model, gpu.used_milli
    );
    let segments = share_segments(&gpu.holders);
    view! {
        <li class="gpu" data-testid="gpu">
            <p class="gpu-title">{title}</p>
            <svg
                class="gpu-bar"
                viewBox="0 0 1000 16"
                preserveAspectRatio="none"
                role="img"
                aria-label=label
            >
                <rect class="gpu-bar-track" x="0" y="0" width="1000" height="16"></rect>
                {segments.into_iter().map(|(x, width, class)| view! {
                    <rect class=class x=x.to_string() y="0" width=width.to_string() height="16"></rect>
                }).collect_view()}
            </svg>
            <p class="gpu-used">{format!("{} / {WHOLE_GPU} milli", gpu.used_milli)}</p>
            {if gpu.holders.is_empty() {
                view! { <p class="gpu-free">"Free"</p> }.into_any()
            } else {
                view! {
                    <ul class="holders" aria-label="Held by">
                        {gpu.holders.iter().enumerate().map(|(i, h)| view! {
                            <li><span class=format!("swatch share-{}", i % SHARE_COLOURS) aria-hidden="true"></span>{holder_label(h)}</li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </li>
    }
}

/// How many share colours the style sheet defines (`.share-0` …).
const SHARE_COLOURS: usize = 4;

/// Each holder's bar segment on a 0‥1000 scale: x, width and colour class; never past 1000.
fn share_segments(holders: &[GpuHolder]) -> Vec<(u32, u32, String)> {
    let mut x = 0;
    let mut out = Vec::new();
    for (i, holder) in holders.iter().enumerate() {
        let width = holder.milli.min(WHOLE_GPU - x);
        if width == 0 {
            continue;
        }
        out.push((x, width, format!("share share-{}", i % SHARE_COLOURS)));
        x += width;
    }
    out
}

/// "profile / workload (milli)", or the profile alone when its workloads are not the
/// caller's to see.
fn holder_label(holder: &GpuHolder) -> String {
    match &holder.workload {
        Some(workload) => format!("{} / {workload} ({} milli)", holder.profile, holder.milli),
        None => format!(
            "{} (another profile) ({} milli)",
            holder.profile, holder.milli
        ),
    }
}

/// The chart's drawing area inside its 480 × 120 view box.
const CHART_LEFT: f64 = 40.0;
const CHART_RIGHT: f64 = 472.0;
const CHART_TOP: f64 = 8.0;
const CHART_BOTTOM: f64 = 104.0;

#[component]
fn AllocationChart(samples: Vec<AllocationSample>) -> impl IntoView {
    let start = samples.len().saturating_sub(CHART_SAMPLES);
    let samples = samples[start..].to_vec();
    let body = match (samples.first(), samples.last()) {
        (Some(first), Some(last)) => {
            let (line, area) = chart_paths(&samples);
            let peak = samples.iter().map(percent).fold(0.0, f64::max);
            let label = format!(
                "GPU allocation over the last {}: now {}% ({} of {} GPUs), highest {}%",
                match samples.len() {
                    1 => "sample".to_owned(),
                    n => format!("{n} samples"),
                },
                amount(percent(last)),
                amount(last.used_gpu_milli as f64 / 1000.0),
                amount(last.total_gpu_milli as f64 / 1000.0),
                amount(peak),
            );
            let caption = format!(
                "From {} to {} UTC. Now {}% of the GPUs are allocated.",
                utc(first.at_ms),
                utc(last.at_ms),
                amount(percent(last))
            );
            let mid = (CHART_TOP + CHART_BOTTOM) / 2.0;
            view! {
                <figure class="chart">
                    <svg viewBox="0 0 480 120" role="img" aria-label=label data-testid="allocation-chart">
                        <line class="chart-grid" x1=CHART_LEFT.to_string() x2=CHART_RIGHT.to_string() y1=CHART_TOP.to_string() y2=CHART_TOP.to_string()></line>
                        <line class="chart-grid" x1=CHART_LEFT.to_string() x2=CHART_RIGHT.to_string() y1=mid.to_string() y2=mid.to_string()></line>
                        <line class="chart-axis" x1=CHART_LEFT.to_string() x2=CHART_RIGHT.to_string() y1=CHART_BOTTOM.to_string() y2=CHART_BOTTOM.to_string()></line>
                        <text x="34" y=(CHART_TOP + 4.0).to_string() text-anchor="end">"100%"</text>
                        <text x="34" y=(mid + 4.0).to_string() text-anchor="end">"50%"</text>
                        <text x="34" y=(CHART_BOTTOM + 4.0).to_string() text-anchor="end">"0%"</text>
                        <path class="chart-area" d=area></path>
                        <path class="chart-line" d=line></path>
                    </svg>
                    <figcaption>{caption}</figcaption>
                </figure>
            }
            .into_any()
        }
        _ => view! {
            <p class="empty-note">"No samples yet: one is taken after each scheduling cycle."</p>
        }
        .into_any(),
    };
    view! {
        <section aria-labelledby="allocation-title">
            <h2 id="allocation-title">"GPU allocation over time"</h2>
            {body}
        </section>
    }
}

/// Allocated share of the GPUs, 0‥100; 0 when there are none.
fn percent(sample: &AllocationSample) -> f64 {
    if sample.total_gpu_milli == 0 {
        0.0
    } else {
        (sample.used_gpu_milli as f64 / sample.total_gpu_milli as f64 * 100.0).clamp(0.0, 100.0)
    }
}

/// The line and the area under it, as SVG path data: x by time (by order when every sample
/// has the same time), y by the allocated percentage. One sample is drawn as a flat line.
fn chart_paths(samples: &[AllocationSample]) -> (String, String) {
    let (Some(first), Some(last)) = (samples.first(), samples.last()) else {
        return (String::new(), String::new());
    };
    let span = (last.at_ms - first.at_ms) as f64;
    let width = CHART_RIGHT - CHART_LEFT;
    let x_of = |i: usize, s: &AllocationSample| {
        if span > 0.0 {
            CHART_LEFT + (s.at_ms - first.at_ms) as f64 / span * width
        } else if samples.len() > 1 {
            CHART_LEFT + i as f64 / (samples.len() - 1) as f64 * width
        } else {
            CHART_LEFT
        }
    };
    let y_of =
        |s: &AllocationSample| CHART_BOTTOM - percent(s) / 100.0 * (CHART_BOTTOM - CHART_TOP);
    let mut points: Vec<(f64, f64)> = samples
        .iter()
        .enumerate()
        .map(|(i, s)| (x_of(i, s), y_of(s)))
        .collect();
    if points.len() == 1 {
        points.push((CHART_RIGHT, points[0].1));
    }
    let line = points
        .iter()
        .enumerate()
        .map(|(i, (x, y))| format!("{}{x:.1},{y:.1}", if i == 0 { "M" } else { "L" }))
        .collect::<Vec<_>>()
        .join(" ");
    let (first_x, last_x) = (points[0].0, points[points.len() - 1].0);
    let area = format!("{line} L{last_x:.1},{CHART_BOTTOM:.1} L{first_x:.1},{CHART_BOTTOM:.1} Z");
    (line, area)
}

#[component]
fn Queues(view: QueueView) -> impl IntoView {
    if view.profiles.is_empty() {
        return view! {
            <p class="empty-note">
                "You belong to no profile, so there is no queue to show. Ask a cluster admin to add you to one."
            </p>
        }
        .into_any();
    }
    view.profiles
        .into_iter()
        .map(|profile| view! { <ProfileQueue profile/> })
        .collect_view()
        .into_any()
}

#[component]
fn ProfileQueue(profile: ProfileQueueView) -> impl IntoView {
    let ProfileQueueView {
        profile: name,
        quota,
        usage,
        waiting,
    } = profile;
    let title_id = format!("queue-{name}");
    let labelled_by = title_id.clone();
    view! {
        <section class="panel profile-queue" aria-labelledby=labelled_by>
            <h3 id=title_id>{format!("Profile {name}")}</h3>
            <UsageTable profile=name.clone() quota usage/>
            <h4>"Waiting"</h4>
            {if waiting.is_empty() {
                view! { <p class="empty-note">"Nothing is waiting."</p> }.into_any()
            } else {
                view! { <WaitingTable profile=name waiting/> }.into_any()
            }}
        </section>
    }
}

#[component]
fn UsageTable(profile: String, quota: Quota, usage: Usage) -> impl IntoView {
    let rows = crate::quota_rows::quota_rows(&quota, &usage);
    view! {
        <table class="data usage">
            <caption>{format!("Usage against quota of {profile}")}</caption>
            <thead><tr>
                <th scope="col">"Resource"</th><th scope="col">"In use"</th>
                <th scope="col">"Quota"</th><th scope="col">"Share of quota"</th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|(label, used, limit, unit)| {
                    let share = match limit {
                        Some(limit) => view! {
                            <meter min="0" max=limit.max(1) as f64 value=used as f64 aria-label=format!("{label} of {profile}")></meter>
                        }.into_any(),
                        None => ().into_any(),
                    };
                    view! {
                        <tr>
                            <th scope="row">{label}</th>
                            <td>{amount(used as f64 / unit)}</td>
                            <td>{limit.map(|l| amount(l as f64 / unit)).unwrap_or_else(|| "no limit".to_owned())}</td>
                            <td>{share}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn WaitingTable(profile: String, waiting: Vec<WaitingWorkload>) -> impl IntoView {
    view! {
        <table class="data waiting">
            <caption>{format!("Queue of {profile}, in the order the scheduler considers it")}</caption>
            <thead><tr>
                <th scope="col">"Position"</th><th scope="col">"Workload"</th>
                <th scope="col">"Priority class"</th><th scope="col">"Waiting because"</th>
                <th scope="col">"Queued (UTC)"</th>
            </tr></thead>
            <tbody>
                {waiting.into_iter().map(|w| view! {
                    <tr>
                        <td>{w.position}</td>
                        <td>{w.name}</td>
                        <td>{w.priority_class}</td>
                        <td>{w.reason.unwrap_or_else(|| "waiting for its turn".to_owned())}</td>
                        <td>{utc(w.queued_at_ms)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// A quantity with at most two decimals and no trailing zeros: 1.5, 80, 0.25.
fn amount(value: f64) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(at_ms: i64, used: u64, total: u64) -> AllocationSample {
        AllocationSample {
            at_ms,
            used_gpu_milli: used,
            total_gpu_milli: total,
        }
    }

    #[test]
    fn amounts_drop_trailing_zeros() {
        assert_eq!(amount(80.0), "80");
        assert_eq!(amount(1.5), "1.5");
        assert_eq!(amount(0.25), "0.25");
        assert_eq!(amount(0.0), "0");
        assert_eq!(amount(2.0 / 3.0), "0.67");
    }

    #[test]
    fn holders_in_hidden_profiles_are_named_by_profile_only() {
        let mine = GpuHolder {
            profile: "team-a".into(),
            workload: Some("train".into()),
            milli: 500,
        };
        let theirs = GpuHolder {
            profile: "team-b".into(),
            workload: None,
            milli: 250,
        };
        assert_eq!(holder_label(&mine), "team-a / train (500 milli)");
        assert_eq!(
            holder_label(&theirs),
            "team-b (another profile) (250 milli)"
        );
    }

    #[test]
    fn share_segments_follow_each_other_and_stop_at_a_whole_gpu() {
        let holder = |milli| GpuHolder {
            profile: "p".into(),
            workload: None,
            milli,
        };
        let segments = share_segments(&[holder(500), holder(300), holder(400), holder(100)]);
        let spans: Vec<(u32, u32)> = segments.iter().map(|(x, w, _)| (*x, *w)).collect();
        assert_eq!(spans, [(0, 500), (500, 300), (800, 200)]);
        assert_eq!(segments[1].2, "share share-1");
    }

    #[test]
    fn the_chart_spans_its_area_by_time() {
        let (line, area) = chart_paths(&[
            sample(0, 0, 2000),
            sample(500, 1000, 2000),
            sample(1000, 2000, 2000),
        ]);
        assert_eq!(line, "M40.0,104.0 L256.0,56.0 L472.0,8.0");
        assert_eq!(area, format!("{line} L472.0,104.0 L40.0,104.0 Z"));
    }

    #[test]
    fn one_sample_is_a_flat_line_and_no_gpus_is_zero() {
        let (line, _) = chart_paths(&[sample(7, 0, 0)]);
        assert_eq!(line, "M40.0,104.0 L472.0,104.0");
        assert_eq!(chart_paths(&[]), (String::new(), String::new()));
    }
}
