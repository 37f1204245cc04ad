"""What the tests and `cargo xtask bench pipelines` ask of the kfp SDK, with the python3 of the
kfp virtualenv that xtask installs (.tools/kfp):

  harness.py compile MODULE.py FUNC OUT.yaml
      compiles the pipeline function FUNC of MODULE.py to KFP v2 IR.
  harness.py local MODULE.py FUNC ROOT [RUNS]
      runs it RUNS times (default 1) under kfp.local (SubprocessRunner(use_venv=False)) and
      prints one line 'SUMMARY {json}': the seconds of each pipeline call, and what every task
      of the last run left (its executor_output.json and its artifact files' text), keyed by
      its directory under the run's directory (`for-loop-2-iteration-0/scale`).
"""
import contextlib
import importlib.util
import io
import json
import os
import sys
import time


def load(module_path, func):
    spec = importlib.util.spec_from_file_location('pipeline_module', module_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, func)


def compile_pipeline(module_path, func, out):
    from kfp import compiler
    compiler.Compiler().compile(load(module_path, func), out)


def task_results(run_dir):
    tasks = {}
    for here, _dirs, files in os.walk(run_dir):
        if 'executor_output.json' not in files:
            continue
        rel = os.path.relpath(here, run_dir)
        with open(os.path.join(here, 'executor_output.json')) as f:
            output = json.load(f)
        texts = {}
        for name in files:
            path = os.path.join(here, name)
            if name != 'executor_output.json' and os.path.isfile(path):
                with open(path, errors='replace') as f:
                    texts[name] = f.read()
        tasks[rel] = {'executor_output': output, 'files': texts}
    return tasks


def run_local(module_path, func, root, runs):
    from kfp import local
    local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=root,
               raise_on_error=True)
    pipeline = load(module_path, func)
    seconds = []
    for _ in range(runs):
        before = set(os.listdir(root)) if os.path.isdir(root) else set()
        quiet = io.StringIO()
        start = time.perf_counter()
        with contextlib.redirect_stdout(quiet):
            pipeline()
        seconds.append(time.perf_counter() - start)
        new = sorted(set(os.listdir(root)) - before)
    last = os.path.join(root, new[-1])
    # Tasks write to the same stdout, maybe without a last newline: start a line.
    sys.stdout.flush()
    print('\nSUMMARY ' + json.dumps({'seconds': seconds, 'tasks': task_results(last)}))


if __name__ == '__main__':
    command = sys.argv[1]
    if command == 'compile':
        compile_pipeline(sys.argv[2], sys.argv[3], sys.argv[4])
    elif command == 'local':
        runs = int(sys.argv[5]) if len(sys.argv) > 5 else 1
        run_local(sys.argv[2], sys.argv[3], sys.argv[4], runs)
    else:
        sys.exit(f'unknown command {command!r}')
