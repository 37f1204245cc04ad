"""Capstan's warm Python for KFP lightweight components.

Started once per pipeline runner as `python3 forkserver.py SOCKET`. It imports
`kfp.dsl.executor_main` (and all that it pulls in) once, prints `ready` on stdout, then serves
SOCKET: one connection per task, from `capstan task-launch`, which sends a 4-byte big-endian
length and a JSON request {"source", "args", "env", "cwd", "pgid"} with its stdin, stdout and
stderr attached (SCM_RIGHTS). For each request it forks a child that does what the KFP
command's `sh -ec` script and `python3 -m kfp.dsl.executor_main` would do, in the task's
process group, cwd and environment, and answers on the connection `pid N` after the fork and
`exit N` or `signal N` when the child ends (`error MESSAGE` for a request it cannot run).

It never waits on a running task: one thread, one selector, SIGCHLD through a wakeup fd. A
launcher that goes away before its task ends takes the task with it (SIGKILL), and so does the
forkserver if it is killed (PR_SET_PDEATHSIG). When Capstan (its parent) dies, its socket's
directory is removed or it gets SIGTERM, it stops accepting, lets the running tasks finish and
report, and exits.
"""
import os
import sys

os.environ['_KFP_RUNTIME'] = 'true'

import atexit  # noqa: E402
import ctypes  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import selectors  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import struct  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

import kfp.dsl.executor_main as executor_main  # noqa: E402

# Set in every task it runs: the forkserver's pid (its parent).
MARKER = 'CAPSTAN_WARM_PYTHON'
# How often it looks whether Capstan and the socket's directory are still there (seconds).
CHECK_EVERY = 1.0
# A request larger than this is refused (the executor input and the source are in it).
MAX_REQUEST = 64 << 20
# What a request holds.
REQUEST = {'source': str, 'args': list, 'env': dict, 'cwd': str, 'pgid': int}
PR_SET_PDEATHSIG = 1
try:
    LIBC = ctypes.CDLL(None, use_errno=True)
except OSError:
    LIBC = None


def log(message):
    stamp = time.strftime('%Y-%m-%dT%H:%M:%S')
    sys.stderr.write(f'{stamp} forkserver[{os.getpid()}]: {message}\n')
    sys.stderr.flush()


class Connection:
    """One launcher: its request as it arrives, the fds it sent, then its task's pid."""

    def __init__(self, sock):
        self.sock = sock
        self.buffer = bytearray()
        self.fds = []
        self.pid = None
        # Whether the selector watches it (until its launcher hangs up or its task ends).
        self.watched = True

    def request(self):
        """The whole request once it has arrived, else None."""
        if len(self.buffer) < 4:
            return None
        (length,) = struct.unpack('>I', self.buffer[:4])
        if length > MAX_REQUEST:
            raise ValueError(f'a request of {length} bytes')
        if len(self.buffer) < 4 + length:
            return None
        request = json.loads(bytes(self.buffer[4:4 + length]))
        if not isinstance(request, dict) or any(
                not isinstance(request.get(key), kind) for key, kind in REQUEST.items()):
            raise ValueError(f'a request needs {", ".join(REQUEST)}')
        return request

    def say(self, line):
        try:
            self.sock.send(line.encode() + b'\n')
        except OSError:
            pass  # the launcher is gone: nobody to tell

    def close(self):
        for fd in self.fds:
            os.close(fd)
        self.fds = []
        self.sock.close()


class Server:
    def __init__(self, path):
        self.path = path
        self.directory = os.path.dirname(path)
        self.parent = os.getppid()
        self.selector = selectors.DefaultSelector()
        self.connections = set()
        self.children = {}
        self.stopping = False
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        self.listener.bind(path)
        self.inode = os.stat(path).st_ino
        self.listener.listen(128)
        self.listener.setblocking(False)
        self.selector.register(self.listener, selectors.EVENT_READ, self.accept)
        self.wake, wake_writer = socket.socketpair()
        self.wake.setblocking(False)
        wake_writer.setblocking(False)
        self.wake_writer = wake_writer
        self.selector.register(self.wake, selectors.EVENT_READ, self.woken)
        signal.set_wakeup_fd(wake_writer.fileno(), warn_on_full_buffer=False)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.signal(signal.SIGTERM, self.on_sigterm)

    def on_sigterm(self, *_):
        self.stopping = True

    def serve(self):
        while self.listener is not None or self.connections:
            for key, _ in self.selector.select(CHECK_EVERY):
                try:
                    key.data(key.fileobj)
                except Exception:  # noqa: BLE001 - one bad connection never stops the rest
                    log(traceback.format_exc())
            self.reap()
            if self.listener is not None and self.should_stop():
                self.stop_accepting()
        log('stopped')

    def should_stop(self):
        return (self.stopping or os.getppid() != self.parent
                or not os.path.isdir(self.directory))

    def stop_accepting(self):
        log(f'no more tasks; {len(self.children)} running')
        self.selector.unregister(self.listener)
        self.listener.close()
        self.listener = None
        try:
            if os.stat(self.path).st_ino == self.inode:
                os.unlink(self.path)
        except OSError:
            pass

    def accept(self, listener):
        try:
            sock, _ = listener.accept()
        except OSError:
            return
        sock.setblocking(False)
        connection = Connection(sock)
        self.connections.add(connection)
        self.selector.register(sock, selectors.EVENT_READ, lambda _: self.readable(connection))

    def readable(self, connection):
        if connection.pid is not None:
            return self.launcher_spoke(connection)
        try:
            data, fds, flags, _ = socket.recv_fds(connection.sock, 1 << 16, 3)
        except BlockingIOError:
            return
        except OSError as e:
            log(f'a launcher could not be read: {e}')
            return self.drop(connection)
        connection.fds.extend(fds)
        if flags & socket.MSG_CTRUNC or not data:
            return self.drop(connection)
        connection.buffer.extend(data)
        try:
            request = connection.request()
        except ValueError as e:
            connection.say(f'error the request cannot be read: {e}')
            return self.drop(connection)
        if request is not None:
            self.start(connection, request)

    def launcher_spoke(self, connection):
        """Its launcher closed the connection (or said something it should not): the task
        has nobody waiting for it."""
        try:
            if connection.sock.recv(1 << 12):
                return
        except BlockingIOError:
            return
        except OSError:
            pass
        self.unwatch(connection)
        log(f'the launcher of task {connection.pid} went away: killing it')
        try:
            os.kill(connection.pid, signal.SIGKILL)
        except OSError:
            pass

    def unwatch(self, connection):
        if connection.watched:
            self.selector.unregister(connection.sock)
            connection.watched = False

    def drop(self, connection):
        self.unwatch(connection)
        self.connections.discard(connection)
        connection.close()

    def start(self, connection, request):
        if len(connection.fds) != 3:
            connection.say(f'error expected 3 file descriptors, got {len(connection.fds)}')
            return self.drop(connection)
        sys.stdout.flush()
        sys.stderr.flush()
        me = os.getpid()
        pid = os.fork()
        if pid == 0:
            run_child(request, connection.fds, me)
        for fd in connection.fds:
            os.close(fd)
        connection.fds = []
        try:
            # Also in the child: whichever runs first, the group's signals reach it from then.
            os.setpgid(pid, request['pgid'])
        except OSError:
            pass
        connection.pid = pid
        self.children[pid] = connection
        connection.say(f'pid {pid}')

    def woken(self, wake):
        try:
            while wake.recv(1 << 12):
                pass
        except BlockingIOError:
            pass

    def reap(self):
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            connection = self.children.pop(pid, None)
            if connection is None:
                continue
            code = os.waitstatus_to_exitcode(status)
            connection.say(f'exit {code}' if code >= 0 else f'signal {-code}')
            self.drop(connection)


def run_child(request, fds, parent):
    """In the forked child: never returns."""
    code = 1
    try:
        code = run_task(request, fds, parent)
        code = finish(code)
    except BaseException:  # noqa: B036 - whatever happens, the child exits here
        try:
            traceback.print_exc()
        except BaseException:  # noqa: B036
            pass
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # noqa: B036
                pass
        os._exit(code)


def die_with(parent):
    """A forkserver that dies (it never does while it has tasks, unless killed) takes its
    children along: their launchers report a failure, and nothing runs on unwatched."""
    if LIBC is not None:
        LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def run_task(request, fds, parent):
    """The task as `sh -ec` + `python3 -m kfp.dsl.executor_main` would run it; its status."""
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with(parent)
    try:
        os.setpgid(0, request['pgid'])
    except OSError:
        pass
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    close_fds_from(3)
    cwd = request['cwd']
    os.chdir(cwd)
    env = dict(request['env'])
    env['_KFP_RUNTIME'] = 'true'
    env[MARKER] = str(parent)
    os.environ.clear()
    os.environ.update(env)
    # `mktemp -d` under $TMPDIR; and the task's own temporary files there too.
    tempfile.tempdir = None
    program_path = tempfile.mkdtemp(prefix='tmp.', dir=env.get('TMPDIR') or '/tmp')
    module_path = os.path.join(program_path, 'ephemeral_component.py')
    with open(module_path, 'w', encoding='utf-8', newline='') as f:
        f.write(request['source'])
    # What `python3 -m kfp.dsl.executor_main --component_module_path FILE ARGS…` sees.
    sys.argv = [executor_main.__file__, '--component_module_path', module_path,
                *request['args']]
    sys.path[0] = cwd
    try:
        executor_main.executor_main()
    except SystemExit as e:
        return exit_status(e)
    except BaseException:  # noqa: B036 - printed as an uncaught exception is
        sys.excepthook(*sys.exc_info())
        return 1
    return 0


def exit_status(e):
    """The status Python exits with for an uncaught SystemExit."""
    if e.code is None:
        return 0
    if isinstance(e.code, int):
        return e.code & 0xFF
    print(e.code, file=sys.stderr)
    return 1


def finish(code):
    """What the interpreter does at exit: wait for non-daemon threads, run atexit handlers."""
    shutdown = getattr(threading, '_shutdown', None)
    if shutdown is not None:
        shutdown()
    atexit._run_exitfuncs()
    return code


def close_fds_from(low):
    try:
        fds = [int(name) for name in os.listdir('/proc/self/fd')]
    except OSError:
        fds = range(low, 4096)
    for fd in fds:
        if fd >= low:
            try:
                os.close(fd)
            except OSError:
                pass


def warm_up():
    """Done once here rather than in every task: the executor's argparse imports shutil (and
    with it bz2, lzma and zlib) and locale, and compiles its patterns (kept in `re`'s cache)."""
    import argparse
    parser = argparse.ArgumentParser(description='warm-up')
    parser.add_argument('--component_module_path', type=str, help='warm-up')
    parser.parse_known_args(['--component_module_path', 'x', '--other', 'y'])


def main():
    if len(sys.argv) != 2:
        sys.exit('usage: forkserver.py SOCKET')
    warm_up()
    server = Server(sys.argv[1])
    gc.collect()
    gc.freeze()
    log(f'serving {sys.argv[1]}')
    sys.stdout.write('ready\n')
    sys.stdout.flush()
    # Capstan reads nothing more: anything printed from now on goes to the log.
    os.dup2(2, 1)
    server.serve()


if __name__ == '__main__':
    main()
