"""The pipeline of the kfp SDK test (backend/tests/pipelines_kfp.rs): lightweight Python
components passing parameters and artifacts, a condition that holds, one that does not, and a
parallel-for whose outputs are collected."""
from typing import List

from kfp import dsl

# No pip install at run time: the kfp package is already where the tasks run.
COMP = dict(install_kfp_package=False, base_image='python:3.11')


@dsl.component(**COMP)
def make_dataset(rows: int, data: dsl.Output[dsl.Dataset],
                 metrics: dsl.Output[dsl.Metrics]) -> int:
    with open(data.path, 'w') as f:
        for i in range(rows):
            f.write(f'{i},{i * i}\n')
    data.metadata['rows'] = rows
    metrics.log_metric('rows', rows)
    return rows


@dsl.component(**COMP)
def column_mean(data: dsl.Input[dsl.Dataset], col: int) -> float:
    with open(data.path) as f:
        values = [float(line.split(',')[col]) for line in f.read().splitlines()]
    return sum(values) / len(values)


@dsl.component(**COMP)
def scale(x: float, factor: int) -> float:
    return x * factor


@dsl.component(**COMP)
def summarize(scaled: List[float], label: str, rows: int) -> str:
    return f'{label}: rows={rows} scaled={sorted(scaled)}'


@dsl.component(**COMP)
def write_report(text: str, report: dsl.Output[dsl.Artifact]):
    with open(report.path, 'w') as f:
        f.write(text)
    report.metadata['length'] = len(text)


@dsl.pipeline(name='capstan-kfp-e2e')
def e2e(rows: int = 6, label: str = 'squares'):
    dataset = make_dataset(rows=rows)
    first = column_mean(data=dataset.outputs['data'], col=0)
    second = column_mean(data=dataset.outputs['data'], col=1)
    with dsl.If(second.output > 5.0, name='big-enough'):
        with dsl.ParallelFor([1, 2, 3], name='factors') as factor:
            scaled = scale(x=second.output, factor=factor)
        summary = summarize(scaled=dsl.Collected(scaled.output), label=label,
                            rows=dataset.outputs['Output'])
        write_report(text=summary.output)
    with dsl.If(first.output > 100.0, name='never'):
        scale(x=first.output, factor=10)
