//! How the Notebooks pages write a notebook's figures: state with its reason, GPUs, cores,
//! GiB and ages.

use api::{EventKind, NotebookSpec, NotebookState, NotebookView};

/// The events after which the Notebooks pages reload: a notebook became ready or active, or
/// its run (a workload) changed phase.
pub const NOTEBOOK_CHANGES: &[EventKind] = &[EventKind::Notebook, EventKind::Workload];

/// The state in words, with where it waits or why it stopped.
pub fn state_text(nb: &NotebookView) -> String {
    let state = match nb.state {
        NotebookState::Queued => match nb.queue_position {
            Some(p) => format!("queued (#{p})"),
            None => "queued".to_owned(),
        },
        NotebookState::Starting => "starting".to_owned(),
        NotebookState::Ready => "ready".to_owned(),
        NotebookState::Stopped => "stopped".to_owned(),
        NotebookState::Failed => "failed".to_owned(),
    };
    match &nb.reason {
        Some(reason) if nb.state != NotebookState::Ready => format!("{state}: {reason}"),
        _ => state,
    }
}

pub fn gpus_of(spec: &NotebookSpec) -> String {
    let model = spec
        .gpu_model
        .as_deref()
        .map(|m| format!(" {m}"))
        .unwrap_or_default();
    match (spec.gpus.unwrap_or(0), spec.gpu_milli.unwrap_or(0)) {
        (0, 0) => "—".to_owned(),
        (0, milli) => format!("{}{model}", milli_as_cores(u64::from(milli))),
        (n, _) => format!("{n}{model}"),
    }
}

/// 1500 → "1.5", 250 → "0.25".
pub fn milli_as_cores(milli: u64) -> String {
    trimmed(milli as f64 / 1000.0)
}

pub fn megabytes_as_gib(mib: u64) -> String {
    trimmed(mib as f64 / 1024.0)
}

fn trimmed(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// How long ago `then_ms` was, seen at `now_ms`: "40 s", "5 min", "3 h", "2 d".
pub fn ago(now_ms: i64, then_ms: i64) -> String {
    let secs = (now_ms - then_ms).max(0) / 1000;
    match secs {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min", s / 60),
        s if s < 86_400 => format!("{} h", s / 3600),
        s => format!("{} d", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_figures_briefly() {
        assert_eq!(milli_as_cores(1500), "1.5");
        assert_eq!(milli_as_cores(2000), "2");
        assert_eq!(megabytes_as_gib(512), "0.5");
        assert_eq!(ago(100_000, 40_000), "1 min");
        assert_eq!(ago(10_000, 5_000), "5 s");
        let spec = NotebookSpec {
            gpu_milli: Some(500),
            gpu_model: Some("H100".into()),
            ..NotebookSpec::default()
        };
        assert_eq!(gpus_of(&spec), "0.5 H100");
    }
}
