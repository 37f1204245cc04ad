"""Print the CEL string that the kfp compiler writes in triggerPolicy.condition for each
comparison (operator x operand types), plus edge cases. Usage:
  /tmp/kfpvenv/bin/python kfp_cel_cases.py            # markdown table on stdout
"""
import operator
import tempfile
import warnings

import yaml
from kfp import compiler, dsl

warnings.filterwarnings('ignore')
C = dict(install_kfp_package=False)


@dsl.component(**C)
def i_() -> int:
    return 1


@dsl.component(**C)
def f_() -> float:
    return 1.0


@dsl.component(**C)
def s_() -> str:
    return 'a'


@dsl.component(**C)
def b_() -> bool:
    return True


@dsl.component(**C)
def noop():
    pass


def conditions_of(build):
    """Compile a pipeline whose body is build(); return every triggerPolicy.condition."""

    @dsl.pipeline(name='cel')
    def p(pi: int = 1, pf: float = 1.0, ps: str = 'a', pb: bool = True):
        build(dict(int=i_().output, float=f_().output, str=s_().output,
                   bool=b_().output, pint=pi, pfloat=pf, pstr=ps, pbool=pb))

    with tempfile.NamedTemporaryFile(suffix='.yaml') as t:
        compiler.Compiler().compile(p, t.name)
        spec = yaml.safe_load(open(t.name))
    out = []

    def walk(dag):
        for name, task in sorted(dag.get('tasks', {}).items()):
            c = task.get('triggerPolicy', {}).get('condition')
            if c:
                out.append(c)
            sub = spec['components'][task['componentRef']['name']].get('dag')
            if sub:
                walk(sub)

    walk(spec['root']['dag'])
    return out


def one(cond):
    def build(ch):
        with dsl.If(cond(ch)):
            noop()
    try:
        return conditions_of(build)[0]
    except Exception as e:  # noqa
        return f'ERROR {type(e).__name__}: {str(e)[:90]}'


OPS = [('==', operator.eq), ('!=', operator.ne), ('<', operator.lt), ('<=', operator.le),
       ('>', operator.gt), ('>=', operator.ge)]
LITS = [('0', 0), ('2', 2), ('-3', -3), ('0.0', 0.0), ('2.5', 2.5), ('1e-07', 1e-07),
        ("'x'", 'x'), ('True', True), ('False', False)]

if __name__ == '__main__':
    print('| left | op | right | CEL in triggerPolicy.condition |')
    print('|---|---|---|---|')
    for chan in ['int', 'float', 'str', 'bool']:
        for lit_s, lit in LITS:
            for op_s, op in OPS:
                if op_s not in ('==', '>') and not (chan == 'int' and lit_s == '2'):
                    continue  # the operator is copied verbatim; show all six once
                print(f'| {chan} task output | `{op_s}` | `{lit_s}` | '
                      f'`{one(lambda ch: op(ch[chan], lit))}` |')
    for l, r in [('int', 'pint'), ('int', 'float'), ('float', 'pfloat'), ('str', 'pstr'),
                 ('bool', 'pbool'), ('int', 'str'), ('bool', 'int'), ('pint', 'pfloat')]:
        print(f'| {l} | `==` | {r} | `{one(lambda ch: ch[l] == ch[r])}` |')
    # edge cases
    print()
    print('edge cases:')
    print('  literal on the left  0 < int  ->', one(lambda ch: 0 < ch['int']))
    print("  quote in string      str == \"it's\" ->", one(lambda ch: ch['str'] == "it's"))
    print('  big float            float > 1e20 ->', one(lambda ch: ch['float'] > 1e20))
    print('  python `and`         (int > 1) and (str == "a") ->',
          one(lambda ch: (ch['int'] > 1) and (ch['str'] == 'a')))
    print('  python `or`          (int > 1) or (str == "a") ->',
          one(lambda ch: (ch['int'] > 1) or (ch['str'] == 'a')))
    try:
        print('  python `&`           ->', one(lambda ch: (ch['int'] > 1) & (ch['str'] == 'a')))
    except Exception as e:
        print('  python `&`           -> ERROR', type(e).__name__, e)

    def nested(ch):
        with dsl.If(ch['int'] > 1):
            with dsl.If(ch['str'] == 'a'):
                noop()
    print('  nested If (and)      ->', conditions_of(nested))

    def elifs(ch):
        with dsl.If(ch['int'] > 5):
            noop()
        with dsl.Elif(ch['int'] > 1):
            noop()
        with dsl.Elif(ch['str'] == 'z'):
            noop()
        with dsl.Else():
            noop()
    print('  If/Elif/Elif/Else    ->')
    for c in conditions_of(elifs):
        print('      ', c)
