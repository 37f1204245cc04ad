"""Run KFP lightweight-component tasks by hand, without kfp.local: read the compiled IR,
build the executor input JSON, substitute {{$}}, spawn command+args as an argv (no extra
shell), read the outputs back. This is what Capstan's standalone runner has to do.

Usage (any python3 >= 3.8 for this script; the TASK needs a python3 with kfp on PATH):
  python3 run_task_by_hand.py IR.yaml WORKDIR KFP_VENV_BIN
e.g.
  python3 run_task_by_hand.py /tmp/kfpr/ir/artifacts.yaml /tmp/kfpr/byhand /tmp/kfpvenv/bin
Runs root tasks make-ds then train (artifacts.yaml from kfp_ir_examples.py) and a
dsl.OutputPath component compiled on the fly if kfp imports here.
"""
import json
import os
import subprocess
import sys
import time

import yaml  # PyYAML (in the kfp venv, or python3-yaml)

IR, WORK, VENV_BIN = sys.argv[1], sys.argv[2], sys.argv[3]
spec = yaml.safe_load(open(IR))
os.makedirs(WORK, exist_ok=True)

# Integer-typed inputs MUST reach the function as JSON integers: the IR stores every number as
# a double (runtimeValue.constant: 4.0, defaultValue: 4.0) and the executor passes the JSON
# value through unchanged (kfp.local casts NUMBER_INTEGER inputs with int(); do the same).
def typed(value, ptype):
    if ptype == 'NUMBER_INTEGER' and isinstance(value, float):
        return int(value)
    return value


def executor_input(comp, params, in_artifacts, task_dir):
    idef, odef = comp.get('inputDefinitions', {}), comp.get('outputDefinitions', {})
    pv = {}
    for name, p in idef.get('parameters', {}).items():
        if name in params:
            pv[name] = typed(params[name], p['parameterType'])
        elif 'defaultValue' in p:
            pv[name] = typed(p['defaultValue'], p['parameterType'])
    arts = {}
    for name, a in idef.get('artifacts', {}).items():
        if name in in_artifacts:  # a list of {name,uri,metadata} (more than one when Collected)
            arts[name] = {'artifacts': [
                {'name': x['name'], 'type': a['artifactType'], 'uri': x['uri'],
                 'metadata': x.get('metadata', {})} for x in in_artifacts[name]]}
    return {
        'inputs': {'parameterValues': pv, 'artifacts': arts},
        'outputs': {
            'parameters': {n: {'outputFile': f'{task_dir}/{n}'}
                           for n in odef.get('parameters', {})},
            'artifacts': {n: {'artifacts': [{'name': n, 'type': a['artifactType'],
                                             'uri': f'{task_dir}/{n}', 'metadata': {}}]}
                          for n, a in odef.get('artifacts', {}).items()},
            'outputFile': f'{task_dir}/executor_output.json',
        },
    }


def read_outputs(comp, ei):
    """executor_output.json first, then per-parameter output files (these win, as in
    kfp.local: written by dsl.OutputPath parameters, never by return values)."""
    out = {'parameters': {}, 'artifacts': {}}
    path = ei['outputs']['outputFile']
    eo = json.load(open(path)) if os.path.exists(path) else {}
    out['parameters'].update(eo.get('parameterValues', {}))
    for n, f in ei['outputs']['parameters'].items():
        if os.path.exists(f['outputFile']):
            raw = open(f['outputFile']).read()
            t = comp['outputDefinitions']['parameters'][n]['parameterType']
            out['parameters'][n] = raw if t == 'STRING' else json.loads(
                raw.lower() if t == 'BOOLEAN' else raw)
    for n, p in comp.get('outputDefinitions', {}).get('parameters', {}).items():
        if n in out['parameters']:
            out['parameters'][n] = typed(out['parameters'][n], p['parameterType'])
    for n, lst in eo.get('artifacts', {}).items():
        out['artifacts'][n] = lst['artifacts']  # [{name, uri, metadata}]
    return out


def run(task_name, params, in_artifacts, spec=spec):
    task = spec['root']['dag']['tasks'][task_name]
    comp = spec['components'][task['componentRef']['name']]
    container = spec['deploymentSpec']['executors'][comp['executorLabel']]['container']
    task_dir = os.path.abspath(f'{WORK}/{task_name}')
    os.makedirs(task_dir, exist_ok=True)
    ei = executor_input(comp, params, in_artifacts, task_dir)
    ei_json = json.dumps(ei)
    # {{$}} is a whole argv element; replace it with the JSON (no shell quoting needed: argv)
    argv = list(container['command']) + [ei_json if a == '{{$}}' else a
                                         for a in container['args']]
    env = {'PATH': f'{VENV_BIN}:/usr/bin:/bin',      # python3 with kfp first on PATH
           'TMPDIR': task_dir,                        # the command's `mktemp -d` lands here
           'PYTHONUNBUFFERED': '1'}
    for e in container.get('env', []):
        env[e['name']] = e['value']
    with open(f'{task_dir}/argv.json', 'w') as fh:
        json.dump(argv, fh, indent=1)
    t0 = time.time()
    p = subprocess.run(argv, env=env, cwd=task_dir, capture_output=True, text=True)
    dt = time.time() - t0
    open(f'{task_dir}/log.txt', 'w').write(p.stdout + p.stderr)
    print(f'--- {task_name}: rc={p.returncode} in {dt*1000:.0f} ms')
    if p.returncode:
        print(p.stdout[-3000:], p.stderr[-3000:])
        sys.exit(1)
    out = read_outputs(comp, ei)
    print('executor input :', json.dumps(ei)[:2000])
    print('executor_output.json:', open(ei['outputs']['outputFile']).read())
    print('files          :', sorted(os.listdir(task_dir)))
    print('outputs        :', json.dumps(out))
    return out


if 'make-ds' in spec['root']['dag']['tasks']:
    m = run('make-ds', {'n': 4.0}, {})   # 4.0 as in the IR: cast to 4 by typed()
    print('dataset file   :', repr(open(m['artifacts']['data'][0]['uri']).read()))
    t = run('train', {'lr': 0.1}, {'data': m['artifacts']['data']})
    print('model file     :', repr(open(t['artifacts']['model'][0]['uri']).read()))

# dsl.OutputPath(str/int/bool) parameters: values come back in the outputFile, not in
# executor_output.json
try:
    from kfp import compiler, dsl

    @dsl.component(install_kfp_package=False)
    def out_path(s: dsl.OutputPath(str), n: dsl.OutputPath(int), b: dsl.OutputPath(bool)):
        open(s, 'w').write('hello')
        open(n, 'w').write('42')
        open(b, 'w').write('True')

    @dsl.pipeline(name='op')
    def op():
        out_path()

    compiler.Compiler().compile(op, f'{WORK}/outpath.yaml')
    run('out-path', {}, {}, spec=yaml.safe_load(open(f'{WORK}/outpath.yaml')))
except ImportError:
    print('(kfp not importable here: skipped the OutputPath example)')
