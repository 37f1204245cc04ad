"""Which dsl.If conditions does kfp.local (2.17.3) evaluate wrongly?

Every branch below is TRUE in Python (and in CEL as the real KFP backend evaluates it), so
every `mark` task should run. Run it and compare with the marks kfp.local actually ran:
  /tmp/kfpvenv/bin/python kfp_local_conditions.py /tmp/kfpr/cond_root
Prints one line per branch: RAN or SKIPPED, with the compiled CEL.
"""
import glob
import os
import sys
import tempfile
import warnings
from typing import NamedTuple

import yaml
from kfp import compiler, dsl, local

warnings.filterwarnings('ignore')
C = dict(install_kfp_package=False, base_image='python:3.11')


@dsl.component(**C)
def fnum() -> float:
    return 1.5


@dsl.component(**C)
def inum() -> int:
    return 2


@dsl.component(**C)
def text() -> str:
    return "it's"


@dsl.component(**C)
def yes() -> bool:
    return True


@dsl.component(**C)
def pair() -> NamedTuple('P', [('score', float), ('label', str)]):
    from collections import namedtuple
    return namedtuple('P', ['score', 'label'])(0.9, 'cat')


@dsl.component(**C)
def mark(tag: str) -> str:
    return tag


CASES = {}


@dsl.pipeline(name='local-conditions')
def conds(threshold: float = 1.0, mode: str = 'a'):
    f, i, s, b, p = fnum(), inum(), text(), yes(), pair()
    with dsl.If(f.output > 0):
        mark(tag='c01 float > int literal')
    with dsl.If(f.output > 0.0):
        mark(tag='c02 float > float literal')
    with dsl.If(i.output > 1):
        mark(tag='c03 int > int literal')
    with dsl.If(i.output < 2.5):
        mark(tag='c04 int < float literal')
    with dsl.If(f.output >= threshold):
        mark(tag='c05 float >= pipeline float')
    with dsl.If(s.output == "it's"):
        mark(tag="c06 str == literal with quote")
    with dsl.If(s.output != mode):
        mark(tag='c07 str != pipeline str')
    with dsl.If(b.output == True):
        mark(tag='c08 bool == True')
    with dsl.If(p.outputs['score'] > 0.5):
        mark(tag='c09 NamedTuple float output > 0.5')
    with dsl.If(p.outputs['label'] == 'cat'):
        mark(tag='c10 NamedTuple str output == cat')
    with dsl.If(i.output > 1):
        with dsl.If(f.output > 1.0):
            mark(tag='c11 nested If')
    with dsl.If(i.output > 5):
        mark(tag='x12 if (false branch)')
    with dsl.Elif(i.output > 1):
        mark(tag='c12 elif')
    with dsl.Else():
        mark(tag='x12 else (false branch)')
    with dsl.ParallelFor([1, 2]) as item:
        with dsl.If(item > 0):
            mark(tag='c13 loop item > 0 (x2)')
    with dsl.If(f.output > i.output):  # 1.5 > 2 is FALSE: must be skipped
        mark(tag='x14 float > int task output (false)')
    with dsl.If(i.output > f.output):  # 2 > 1.5: TRUE, compiled with double(int(...))
        mark(tag='c14 int > float task output')


if __name__ == '__main__':
    root = sys.argv[1]
    with tempfile.NamedTemporaryFile(suffix='.yaml') as t:
        compiler.Compiler().compile(conds, t.name)
        ir = yaml.safe_load(open(t.name))
    # tag -> CEL (walk the DAG: a mark task's tag and its enclosing trigger conditions)
    cel_of = {}

    def walk(dag, conds_so_far):
        for name, task in dag.get('tasks', {}).items():
            c = task.get('triggerPolicy', {}).get('condition')
            cs = conds_so_far + ([c] if c else [])
            comp = ir['components'][task['componentRef']['name']]
            if 'dag' in comp:
                walk(comp['dag'], cs)
            else:
                tag = task.get('inputs', {}).get('parameters', {}).get('tag', {}).get('runtimeValue', {}).get('constant')
                if tag:
                    cel_of[tag] = cs
    walk(ir['root']['dag'], [])

    local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=root)
    import contextlib, io
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        conds()
    open(os.path.join(root, 'log.txt'), 'w').write(buf.getvalue())  # kfp.local's own log
    run_dir = sorted(glob.glob(os.path.join(root, 'local-conditions-*')))[-1]
    ran = []
    for eo in glob.glob(os.path.join(run_dir, '**', 'executor_output.json'), recursive=True):
        import json
        v = json.load(open(eo)).get('parameterValues', {}).get('Output')
        if isinstance(v, str) and v[:1] in 'cx' and v[1:3].isdigit():
            ran.append(v)
    for tag in sorted(cel_of):
        expect = tag.startswith('c')
        got = ran.count(tag)
        verdict = ('ok' if (got > 0) == expect else 'WRONG')
        print(f'{verdict:5} {"RAN" if got else "SKIPPED":7} x{got} {tag:40} {cel_of[tag]}')
