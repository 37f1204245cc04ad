"""The pipelines of the warm Python test (server/tests/pipelines_warm.rs): one that says where
it runs, one that fails, one that sleeps until it is canceled."""
from kfp import dsl

# No pip install at run time: the kfp package is already where the tasks run.
COMP = dict(install_kfp_package=False, base_image='python:3.11')


@dsl.component(**COMP)
def where() -> str:
    import os
    warm = os.environ.get('CAPSTAN_WARM_PYTHON', '')
    print(f'warm={warm} pid={os.getpid()} ppid={os.getppid()} pgid={os.getpgrp()}', flush=True)
    return warm


@dsl.component(**COMP)
def fail(word: str):
    raise ValueError(f'the warm task failed: {word}')


@dsl.component(**COMP)
def sleep_long():
    import os
    import time
    print(f'sleeping pid={os.getpid()} pgid={os.getpgrp()}', flush=True)
    time.sleep(600)


@dsl.pipeline(name='warm-where')
def where_pipeline():
    where()


@dsl.pipeline(name='warm-fail')
def fail_pipeline():
    fail(word='boom')


@dsl.pipeline(name='warm-sleep')
def sleep_pipeline():
    sleep_long()
