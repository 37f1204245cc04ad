//! `capstan sim`: reads the trace files, replays them with one or more seeds, and answers one
//! JSON object (means over the seeds, with the spread of the allocation rate).

use backend::scheduler::{Node, Policy};
use backend::sim::{Outcome, ReplayConfig, read_nodes, read_pods, replay};

use crate::cli::SimArgs;

pub fn run(args: &SimArgs) -> Result<String, String> {
    let policy = Policy::parse(&args.policy)
        .ok_or_else(|| format!("--policy {}: use best-fit or fgd", args.policy))?;
    if !(args.inflate >= 1.0 && args.inflate <= 10.0) {
        return Err(format!(
            "--inflate {}: use a value from 1 to 10",
            args.inflate
        ));
    }
    if args.seeds == 0 {
        return Err("--seeds must be at least 1".to_owned());
    }
    let read = |path: &std::path::Path| {
        std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let nodes = read_nodes(&args.nodes.display().to_string(), &read(&args.nodes)?)
        .map_err(|e| e.to_string())?;
    let nodes = replicate(nodes, args.replicate_nodes)?;
    let pods = read_pods(&args.pods.display().to_string(), &read(&args.pods)?)
        .map_err(|e| e.to_string())?;
    let outcomes: Vec<Outcome> = (args.seed..args.seed + args.seeds)
        .map(|seed| {
            replay(
                &nodes,
                &pods,
                ReplayConfig {
                    policy,
                    seed,
                    inflate: args.inflate,
                },
            )
        })
        .collect();
    let mean = |f: fn(&Outcome) -> f64| outcomes.iter().map(f).sum::<f64>() / outcomes.len() as f64;
    let alloc: Vec<f64> = outcomes.iter().map(|o| o.gpu_alloc_pct).collect();
    let mut json = serde_json::json!({
        "policy": policy.as_str(),
        "gpu_alloc_pct": round2(mean(|o| o.gpu_alloc_pct)),
        "decisions_per_sec": mean(|o| o.decisions_per_sec).round(),
        "p50_us": round2(mean(|o| o.p50_us)),
        "p99_us": round2(mean(|o| o.p99_us)),
        "nodes": nodes.len(),
    });
    if outcomes.len() > 1 {
        json["seeds"] = outcomes.len().into();
        json["gpu_alloc_pct_min"] = round2(alloc.iter().copied().fold(f64::MAX, f64::min)).into();
        json["gpu_alloc_pct_max"] = round2(alloc.iter().copied().fold(f64::MIN, f64::max)).into();
    }
    Ok(json.to_string())
}

/// The node list repeated (and cut) to `count` nodes, each copy's names suffixed `-r1`, `-r2`,
/// …; 0 leaves it as it is.
fn replicate(nodes: Vec<Node>, count: usize) -> Result<Vec<Node>, String> {
    if count == 0 {
        return Ok(nodes);
    }
    if nodes.is_empty() {
        return Err("--replicate-nodes: the node list is empty".to_owned());
    }
    Ok((0..count)
        .map(|i| {
            let mut node = nodes[i % nodes.len()].clone();
            let copy = i / nodes.len();
            if copy > 0 {
                node.name = format!("{}-r{copy}", node.name);
            }
            node
        })
        .collect())
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_node_list_repeats_to_the_count_with_distinct_names() {
        let nodes = vec![
            Node::new("a", 8000, 1024, 2, Some("T4")),
            Node::new("b", 8000, 1024, 8, Some("G2")),
        ];
        let five = replicate(nodes.clone(), 5).unwrap();
        let names: Vec<&str> = five.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "a-r1", "b-r1", "a-r2"]);
        assert_eq!(five[4].gpus.len(), 2);
        assert_eq!(replicate(nodes.clone(), 0).unwrap(), nodes);
        assert!(replicate(Vec::new(), 3).is_err());
    }
}
