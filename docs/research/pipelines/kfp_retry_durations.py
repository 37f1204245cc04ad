"""How set_retry() durations land in retryPolicy. Usage: /tmp/kfpvenv/bin/python kfp_retry_durations.py"""
import tempfile, yaml, warnings
warnings.filterwarnings('ignore')
from kfp import dsl, compiler
@dsl.component(install_kfp_package=False)
def c(): pass
for bd in ['0s', '500ms', '1m', '90', '1h', '2.5s']:
    try:
        @dsl.pipeline(name='r')
        def p():
            c().set_retry(num_retries=2, backoff_duration=bd, backoff_max_duration='2h')
        with tempfile.NamedTemporaryFile(suffix='.yaml') as t:
            compiler.Compiler().compile(p, t.name)
            print(repr(bd), yaml.safe_load(open(t.name))['root']['dag']['tasks']['c']['retryPolicy'])
    except Exception as e:
        print(repr(bd), 'ERROR', e)
@dsl.pipeline(name='r')
def p2():
    c().set_retry(num_retries=1)
with tempfile.NamedTemporaryFile(suffix='.yaml') as t:
    compiler.Compiler().compile(p2, t.name)
    print('defaults', yaml.safe_load(open(t.name))['root']['dag']['tasks']['c']['retryPolicy'])
