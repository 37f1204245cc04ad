"""IR of features Capstan must at least recognise (to run them or to refuse them with a path):
container components, importer, exit handler, ignore_upstream_failure, .after(), a pipeline
used as a component, f-string parameters, set_container_image, placeholders in args.
Usage: /tmp/kfpvenv/bin/python kfp_ir_other_features.py OUT.yaml
"""
import sys
import warnings

from kfp import compiler, dsl
from kfp.dsl import Dataset, Input, Output

warnings.filterwarnings('ignore')
C = dict(install_kfp_package=False, base_image='python:3.11')


@dsl.container_component
def shell_step(msg: str, n: int, out: Output[Dataset]):
    return dsl.ContainerSpec(image='alpine:3', command=['sh', '-c'],
                             args=['echo "$0 $1" > "$2"', msg, n, out.path])


@dsl.component(**C)
def read(d: Input[Dataset]) -> str:
    return open(d.path).read()


@dsl.component(**C)
def fail_maybe(x: int = 0) -> int:
    return x


@dsl.component(**C)
def cleanup(status: dsl.PipelineTaskFinalStatus) -> str:
    return status.state


@dsl.pipeline(name='inner')
def inner(x: int = 1) -> int:
    return fail_maybe(x=x).output


@dsl.pipeline(name='other-features')
def other(x: int = 3, who: str = 'bob'):
    exit_task = cleanup()
    with dsl.ExitHandler(exit_task, name='guarded'):
        s = shell_step(msg=f'hello {who}', n=x)
        r = read(d=s.outputs['out'])
        imp = dsl.importer(artifact_uri='file:///tmp/some.csv', artifact_class=Dataset,
                           reimport=False, metadata={'src': 'x'})
        r2 = read(d=imp.output).after(r)
        sub = inner(x=x)
        f = fail_maybe(x=sub.output).ignore_upstream_failure()
        f.set_container_image('python:3.12')


if __name__ == '__main__':
    compiler.Compiler().compile(other, sys.argv[1])
