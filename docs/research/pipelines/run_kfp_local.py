"""Run a KFP pipeline under kfp.local SubprocessRunner(use_venv=False), time it, and dump
what every task left in the pipeline root (executor_output.json per task directory).

Usage: /tmp/kfpvenv/bin/python run_kfp_local.py MODULE.py PIPELINE_FUNC ROOT [RUNS] [k=v ...]
e.g.   /tmp/kfpvenv/bin/python run_kfp_local.py /work/shared/bench/kfp_ten_tasks.py baseline \
           /tmp/kfpr/local 5
The task subprocesses' stdout (the KFPTS lines of the bench) goes to this process's stdout;
a summary (one JSON line starting with 'SUMMARY ') is printed last.
"""
import contextlib
import glob
import importlib.util
import io
import json
import os
import re
import statistics
import sys
import time

from kfp import local

mod_path, func_name, root = sys.argv[1], sys.argv[2], sys.argv[3]
runs = int(sys.argv[4]) if len(sys.argv) > 4 else 1
kwargs = {}
for kv in sys.argv[5:]:
    k, v = kv.split('=', 1)
    kwargs[k] = json.loads(v)

spec = importlib.util.spec_from_file_location('pipemod', mod_path)
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
pipeline = getattr(mod, func_name)

local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=root,
           raise_on_error=True)

times, gaps, logs = [], [], []
for r in range(runs):
    buf = io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(buf):
        result = pipeline(**kwargs)
    times.append(time.perf_counter() - t0)
    out = buf.getvalue()
    logs.append(out)
    # gaps between tasks from the KFPTS lines: next 'pstart' minus previous 'end'
    ev = [(float(m.group(3)), m.group(1), m.group(2))
          for m in re.finditer(r'KFPTS (pstart|start|end) (\S+) ([0-9.]+)', out)]
    ends = sorted(t for t, ph, _ in ev if ph == 'end')
    starts = sorted(t for t, ph, _ in ev if ph == 'start')
    pst = sorted(t for t, ph, _ in ev if ph == 'pstart')
    for s in starts:  # gap = this task's function start - latest end before it
        prev = [e for e in ends if e < s]
        if prev:
            gaps.append(s - max(prev))

sys.stdout.write(logs[-1])
runs_dirs = sorted(glob.glob(os.path.join(root, '*')))
last = runs_dirs[-1]
tasks = {}
for d in sorted(os.listdir(last)):
    eo = os.path.join(last, d, 'executor_output.json')
    tasks[d] = json.load(open(eo)) if os.path.exists(eo) else None
outputs = getattr(result, 'outputs', None) if result is not None else None
print('SUMMARY ' + json.dumps({
    'runs': runs,
    'pipeline_call_s': [round(t, 3) for t in times],
    'median_s': round(statistics.median(times), 3),
    'median_gap_ms_start_after_prev_end': round(statistics.median(gaps) * 1000, 1) if gaps else None,
    'run_dir': last,
    'task_dirs': tasks,
    'pipeline_outputs': repr(outputs),
}, default=str))
