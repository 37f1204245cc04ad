//! The trace's CSV files. Node columns: sn,cpu_milli,memory_mib,gpu,model. Pod columns:
//! name,cpu_milli,memory_mib,num_gpu,gpu_milli[,gpu_spec,…] (gpu_spec: acceptable models,
//! separated by `|`). A malformed row is reported with its line number.

use crate::scheduler::{GpuAsk, Node, Request};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TraceError {
    #[error("{file}: {message}")]
    Header { file: String, message: String },
    #[error("{file} line {line}: {message}")]
    Row {
        file: String,
        line: usize,
        message: String,
    },
}

/// Column positions by name, from the header line.
struct Columns<'a> {
    file: &'a str,
    names: Vec<String>,
}

impl<'a> Columns<'a> {
    fn new(file: &'a str, header: Option<&str>, needed: &[&str]) -> Result<Self, TraceError> {
        let names: Vec<String> = header
            .unwrap_or_default()
            .split(',')
            .map(|c| c.trim().to_owned())
            .collect();
        for need in needed {
            if !names.iter().any(|n| n == need) {
                return Err(TraceError::Header {
                    file: file.to_owned(),
                    message: format!("the header has no column `{need}`"),
                });
            }
        }
        Ok(Columns { file, names })
    }

    fn get<'r>(&self, row: &[&'r str], name: &str) -> &'r str {
        self.names
            .iter()
            .position(|n| n == name)
            .and_then(|i| row.get(i))
            .map_or("", |v| v.trim())
    }

    fn number(&self, row: &[&str], name: &str, line: usize) -> Result<u64, TraceError> {
        let text = self.get(row, name);
        text.parse().map_err(|_| TraceError::Row {
            file: self.file.to_owned(),
            line,
            message: format!("`{name}` is `{text}`, not a whole number of zero or more"),
        })
    }
}

/// Data lines with their 1-based line numbers, blank lines skipped.
fn rows(text: &str) -> impl Iterator<Item = (usize, Vec<&str>)> {
    text.lines()
        .enumerate()
        .skip(1)
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, l.split(',').collect()))
}

pub fn read_nodes(file: &str, text: &str) -> Result<Vec<Node>, TraceError> {
    let columns = Columns::new(
        file,
        text.lines().next(),
        &["sn", "cpu_milli", "memory_mib", "gpu", "model"],
    )?;
    rows(text)
        .map(|(line, row)| {
            let gpus = columns.number(&row, "gpu", line)?;
            let gpus = u32::try_from(gpus).map_err(|_| TraceError::Row {
                file: file.to_owned(),
                line,
                message: format!("`gpu` is {gpus}, too many"),
            })?;
            let model = columns.get(&row, "model");
            Ok(Node::new(
                columns.get(&row, "sn"),
                columns.number(&row, "cpu_milli", line)?,
                columns.number(&row, "memory_mib", line)?,
                gpus,
                (!model.is_empty()).then_some(model),
            ))
        })
        .collect()
}

pub fn read_pods(file: &str, text: &str) -> Result<Vec<Request>, TraceError> {
    let columns = Columns::new(
        file,
        text.lines().next(),
        // gpu_spec is optional (one trace file has none): absent, any model will do.
        &["name", "cpu_milli", "memory_mib", "num_gpu", "gpu_milli"],
    )?;
    rows(text)
        .map(|(line, row)| {
            let count = columns.number(&row, "num_gpu", line)?;
            let milli = columns.number(&row, "gpu_milli", line)?;
            let (Ok(count), Ok(milli)) = (u32::try_from(count), u32::try_from(milli)) else {
                return Err(TraceError::Row {
                    file: file.to_owned(),
                    line,
                    message: "num_gpu or gpu_milli is too large".to_owned(),
                });
            };
            if milli > 1000 {
                return Err(TraceError::Row {
                    file: file.to_owned(),
                    line,
                    message: format!("`gpu_milli` is {milli}, more than one whole GPU (1000)"),
                });
            }
            let spec = columns.get(&row, "gpu_spec");
            Ok(Request {
                cpu_milli: columns.number(&row, "cpu_milli", line)?,
                memory_mib: columns.number(&row, "memory_mib", line)?,
                gpu: GpuAsk::from_count_and_milli(count, milli),
                gpu_models: spec
                    .split('|')
                    .filter(|m| !m.is_empty())
                    .map(str::to_owned)
                    .collect(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_become_nodes_and_requests() {
        let nodes = read_nodes(
            "n.csv",
            "sn,cpu_milli,memory_mib,gpu,model\na,64000,262144,2,P100\nb,32000,1024,0,\n",
        )
        .unwrap();
        assert_eq!(nodes.len(), 2);
        assert_eq!(nodes[0].gpus.len(), 2);
        assert_eq!(nodes[1].gpu_model, None);
        let pods = read_pods(
            "p.csv",
            "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos\np0,12000,16384,1,460,,LS\np1,1000,1,2,1000,V100|A100,BE\n",
        )
        .unwrap();
        assert_eq!(pods[0].gpu, GpuAsk::Share(460));
        assert_eq!(pods[1].gpu, GpuAsk::Whole(2));
        assert_eq!(pods[1].gpu_models, ["V100", "A100"]);
        let without_spec = read_pods(
            "p.csv",
            "name,cpu_milli,memory_mib,num_gpu,gpu_milli\np0,1,1,1,500\n",
        )
        .unwrap();
        assert!(without_spec[0].gpu_models.is_empty());
    }

    #[test]
    fn malformed_rows_are_named_by_line() {
        let err = read_pods(
            "p.csv",
            "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec\np0,12000,16384,1,460,\np1,lots,1,0,0,\n",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "p.csv line 3: `cpu_milli` is `lots`, not a whole number of zero or more"
        );
        let err = read_nodes("n.csv", "sn,cpu_milli\n").unwrap_err();
        assert!(err.to_string().contains("no column `memory_mib`"), "{err}");
    }
}
