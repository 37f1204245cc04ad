"""Compile small KFP v2 pipelines covering every IR feature issue 6 needs.

Usage: /tmp/kfpvenv/bin/python kfp_ir_examples.py OUTDIR
Writes OUTDIR/<name>.yaml, one file per pipeline below (kfp 2.17.3).
"""
import sys
from typing import Dict, List, NamedTuple

from kfp import compiler, dsl
from kfp.dsl import Dataset, Input, Metrics, Model, Output

C = dict(install_kfp_package=False, base_image='python:3.11')


# ---- 1. parameters of every type ---------------------------------------------------------
@dsl.component(**C)
def echo(s: str, i: int, f: float, b: bool, l: list, d: dict) -> str:
    return f'{s}|{i}|{f}|{b}|{l}|{d}'


@dsl.component(**C)
def multi_out(x: int) -> NamedTuple('Outs', [('total', int), ('ratio', float),
                                             ('names', List[str]),
                                             ('info', Dict[str, int])]):
    from collections import namedtuple
    O = namedtuple('Outs', ['total', 'ratio', 'names', 'info'])
    return O(x * 2, x / 3, ['a', 'b'], {'x': x})


@dsl.component(**C)
def consume(total: int, ratio: float, names: List[str], info: Dict[str, int],
            tag: str = 'default-tag', opt: int = 7) -> str:
    return f'{total} {ratio} {names} {info} {tag} {opt}'


@dsl.pipeline(name='params-demo', description='every parameter type')
def params_pipeline(s: str = 'hi', i: int = 3, f: float = 0.5, b: bool = True,
                    l: list = [1, 2], d: dict = {'k': 'v'}) -> str:
    e = echo(s=s, i=i, f=f, b=b, l=l, d=d)
    e2 = echo(s='const', i=0, f=1.0, b=False, l=['x'], d={'a': 1})
    m = multi_out(x=i)
    c = consume(total=m.outputs['total'], ratio=m.outputs['ratio'],
                names=m.outputs['names'], info=m.outputs['info'],
                tag=e.output)
    c.after(e2)
    return c.output


# ---- 2. artifacts, metrics, retries, caching, resources ---------------------------------
@dsl.component(**C)
def make_ds(n: int, data: Output[Dataset], metrics: Output[Metrics]) -> int:
    with open(data.path, 'w') as fh:
        fh.write('\n'.join(str(k) for k in range(n)))
    data.metadata['rows'] = n
    metrics.log_metric('rows', n)
    metrics.log_metric('mean', (n - 1) / 2)
    return n


@dsl.component(**C)
def train(data: Input[Dataset], lr: float, model: Output[Model]) -> float:
    rows = open(data.path).read().split()
    with open(model.path, 'w') as fh:
        fh.write(f'lr={lr} rows={len(rows)}')
    model.metadata['framework'] = 'none'
    return lr * len(rows)


@dsl.pipeline(name='artifacts-demo')
def artifacts_pipeline(n: int = 4, lr: float = 0.1) -> Model:
    m = make_ds(n=n)
    m.set_retry(num_retries=3, backoff_duration='5s', backoff_factor=2.0,
                backoff_max_duration='60s')
    m.set_caching_options(enable_caching=False)
    t = train(data=m.outputs['data'], lr=lr)
    t.set_cpu_limit('2').set_memory_limit('4G').set_cpu_request('500m') \
     .set_memory_request('1Gi')
    t.set_accelerator_type('nvidia.com/gpu').set_accelerator_limit(1)
    t.set_env_variable('FOO', 'bar')
    t.set_display_name('Train it')
    t2 = train(data=m.outputs['data'], lr=0.2).set_gpu_limit(2)
    t2.set_caching_options(enable_caching=True, cache_key='my-key')
    return t.outputs['model']


# ---- 3. conditions -------------------------------------------------------------------------
@dsl.component(**C)
def num() -> float:
    return 1.5


@dsl.component(**C)
def count() -> int:
    return 2


@dsl.component(**C)
def word() -> str:
    return 'yes'


@dsl.component(**C)
def flag() -> bool:
    return True


@dsl.component(**C)
def say(msg: str) -> str:
    print(msg)
    return msg


@dsl.pipeline(name='conditions-demo')
def conditions_pipeline(threshold: float = 1.0, k: int = 1, mode: str = 'a',
                        on: bool = True):
    x, n, w, fl = num(), count(), word(), flag()
    with dsl.If(x.output > 0):                       # float vs int literal
        say(msg='x > 0')
    with dsl.If(x.output > 0.0):                     # float vs float literal
        say(msg='x > 0.0')
    with dsl.If(x.output >= threshold):              # float vs pipeline float
        say(msg='x >= threshold')
    with dsl.If(n.output == 2):                      # int vs int
        say(msg='n == 2')
    with dsl.If(n.output != k):                      # int vs pipeline int
        say(msg='n != k')
    with dsl.If(n.output < 2.5):                     # int vs float literal
        say(msg='n < 2.5')
    with dsl.If(n.output <= x.output):               # int vs float task output
        say(msg='n <= x')
    with dsl.If(w.output == 'yes'):                  # str
        say(msg='w == yes')
    with dsl.If(w.output != mode):                   # str vs pipeline str
        say(msg='w != mode')
    with dsl.If(fl.output == True):                  # bool
        say(msg='flag true')
    with dsl.If(on == False):                        # pipeline bool vs literal
        say(msg='on false')
    with dsl.If(w.output == 1):                      # str vs int -> string compare
        say(msg='w == 1')
    with dsl.If(fl.output == 0):                     # bool vs int (promotion)
        say(msg='flag == 0')
    with dsl.Condition(n.output > 1, name='legacy-cond'):  # deprecated alias
        say(msg='legacy')
    # nested conditions = "and"
    with dsl.If(n.output > 1):
        with dsl.If(w.output == 'yes'):
            say(msg='nested and')
    # if / elif / else  (OneOf output)
    with dsl.If(n.output > 5):
        a = say(msg='big')
    with dsl.Elif(n.output > 1):
        b = say(msg='medium')
    with dsl.Else():
        c = say(msg='small')
    say(msg=dsl.OneOf(a.output, b.output, c.output))


# ---- 4. loops ------------------------------------------------------------------------------
@dsl.component(**C)
def items() -> List[int]:
    return [10, 20, 30]


@dsl.component(**C)
def records() -> List[dict]:
    return [{'a': 1, 'b': 'x'}, {'a': 2, 'b': 'y'}]


@dsl.component(**C)
def double_it(v: int) -> int:
    return v * 2


@dsl.component(**C)
def pair(a: int, b: str) -> str:
    return f'{a}{b}'


@dsl.component(**C)
def write_ds(v: int, out: Output[Dataset]):
    open(out.path, 'w').write(str(v))


@dsl.component(**C)
def total(vals: List[int]) -> int:
    # kfp.local hands Collected ints over as floats ([2.0, 4.0, 6.0]): a bare sum(vals) fails
    # there with "returned value of type <class 'float'>; want type <class 'int'>"
    return int(sum(vals))


@dsl.component(**C)
def read_all(dss: Input[List[Dataset]]) -> str:
    return ','.join(open(d.path).read() for d in dss)


@dsl.pipeline(name='loops-demo')
def loops_pipeline(xs: List[int] = [1, 2, 3]) -> List[int]:
    with dsl.ParallelFor(xs) as x:                           # pipeline list param
        d1 = double_it(v=x)
    total(vals=dsl.Collected(d1.output))
    with dsl.ParallelFor([4, 5], parallelism=1) as y:       # static list
        d2 = double_it(v=y)
        w = write_ds(v=d2.output)
    read_all(dss=dsl.Collected(w.outputs['out']))            # collected artifacts
    it = items()
    with dsl.ParallelFor(it.output) as z:                    # task output list
        double_it(v=z)
    with dsl.ParallelFor(records().output) as r:             # list of dicts, item.field
        pair(a=r.a, b=r.b)
    # static list of dicts: subvar type comes from the first dict's values (Dict[str, int])
    with dsl.ParallelFor([{'a': 1, 'b': 2}, {'a': 3, 'b': 4}]) as s:
        double_it(v=s.b)
    with dsl.ParallelFor([1, 2]) as o:                      # nested loop
        with dsl.ParallelFor([7, 8]) as p:
            pair(a=o, b='n')
    return dsl.Collected(d1.output)                          # pipeline output


if __name__ == '__main__':
    out = sys.argv[1]
    for name, p in [('params', params_pipeline), ('artifacts', artifacts_pipeline),
                    ('conditions', conditions_pipeline), ('loops', loops_pipeline)]:
        compiler.Compiler().compile(p, f'{out}/{name}.yaml')
        print('wrote', f'{out}/{name}.yaml')
