"""Real `gaorec` processes without paying for Python's imports each time.

The end-to-end tests start `gaorec serve`, `remind`, `import` and `shell` as
processes about 170 times; each start spent ~0.5 s of CPU importing
SQLAlchemy, pydantic, Bolt and our modules before doing anything, and that was
half of `make test`'s CPU. Here one server per test worker imports them once;
a test starts

    [python, -I, -S, tests/forkserver.py, client, SOCKET, *gaorec args]

(``gaorec_argv``), a stdlib-only launcher of ~20 ms that hands its stdin,
stdout, stderr, environment and working directory to the server. The server
forks: the child takes those, resets its signals, reseeds ``random`` and runs
``python -m bot`` as a fresh interpreter would (``runpy``, then non-daemon
threads joined, ``atexit`` run, streams flushed). The launcher forwards
SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 to the child and exits
as the child did (its code, or killed by its signal), so ``Popen.terminate``,
``wait``, ``communicate`` and timeouts behave as before. A child dies with its
launcher (the server kills it when the launcher's connection drops) and with
the server (PR_SET_PDEATHSIG); a server that died is started again.

When to use ``COLD`` instead: the launcher's pid is not the child's (a test
that looks at the process's own files), and SIGKILL cannot be forwarded (the
child is killed a few milliseconds after its launcher: a test that kills -9
and then counts what was done): ``[*COLD, "shell"]`` where others write
``[*gaorec_argv(), "shell"]``. Startup itself — a config error before
SQLAlchemy is imported, the import time — is tested with cold processes
(tests/test_startup.py). Also shared, unlike cold starts: the hash seed (set
orderings are the same in every child), and what the interpreter reads from
the environment at its own start (PYTHONHASHSEED, PYTHONWARNINGS, PYTHONPATH,
-X options), umask and limits are the server's. ``GAOREC_TEST_COLD=1`` makes
every start cold; the suite passes both ways."""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import struct
import sys

HERE = os.path.abspath(__file__)
COLD = [sys.executable, "-m", "bot"]
FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2)
PRELOAD = ("bot.cli", "bot.adapters.slack", "bot.adapters.shell", "bot.listeners", "bot.reminders.engine",
           "bot.cli_reports", "storage.repo", "storage.db", "storage.imports", "alembic.command",
           "alembic.runtime.migration", "alembic.script", "apscheduler.schedulers.background", "waitress",
           "slack_bolt.adapter.wsgi", "slack_bolt.adapter.socket_mode", "sqlalchemy.dialects.sqlite.pysqlite",
           "sqlalchemy.dialects.postgresql.psycopg", "psycopg", "openpyxl", "ctypes", "traceback", "runpy")


def _send(sock: socket.socket, data: bytes) -> None:
    sock.sendall(struct.pack("!I", len(data)) + data)


def _recv(sock: socket.socket) -> bytes | None:
    head = _exactly(sock, 4)
    return None if head is None else _exactly(sock, struct.unpack("!I", head)[0])


def _exactly(sock: socket.socket, n: int) -> bytes | None:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


# --- the launcher (stdlib only: it runs with -I -S) ---------------------------------------------------------

def client(path: str, args: list[str]) -> None:
    import json

    signal.pthread_sigmask(signal.SIG_BLOCK, FORWARDED)  # held until the child's pid is known, then forwarded
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    request = json.dumps({"argv": args, "env": dict(os.environ), "cwd": os.getcwd()}).encode()
    socket.send_fds(sock, [struct.pack("!I", len(request))], [0, 1, 2])
    sock.sendall(request)
    pid = int(_recv(sock) or b"0")
    if pid <= 0:
        sys.stderr.write("forkserver: the server could not start the process\n")
        os._exit(70)

    def forward(signum, _frame):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)

    for signum in FORWARDED:
        signal.signal(signum, forward)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, FORWARDED)
    status = _recv(sock)  # blocks; forwarded signals run between (PEP 475 retries the recv)
    if status is None:  # the server is gone: so is what it ran for us
        forward(signal.SIGKILL, None)
        sys.stderr.write("forkserver: the server went away\n")
        os._exit(70)
    kind, value = status.decode().split()
    if kind == "exit":
        os._exit(int(value))
    sig = int(value)
    if sig not in (signal.SIGKILL, signal.SIGSTOP):
        signal.signal(sig, signal.SIG_DFL)
    os.kill(os.getpid(), sig)
    os._exit(128 + sig)


# --- the server ---------------------------------------------------------------------------------------------

def _child(request: dict, fds: list[int], closing: list) -> None:
    """In the forked child: become `python -m bot ARGS` in the launcher's place; never returns."""
    import atexit
    import ctypes
    import io
    import random
    import runpy
    import threading
    import traceback

    code, killed_by = 1, 0
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: if the server dies, so does this child
        for thing in closing:
            if isinstance(thing, int):
                os.close(thing)
            else:
                thing.close()
        signal.set_wakeup_fd(-1)
        for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1,
                       signal.SIGUSR2):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        unbuffered = bool(os.environ.get("PYTHONUNBUFFERED"))
        # as the interpreter makes them: its encoding and errors (the server's: the same locale), no newline
        # translation, stdout line-buffered only on a terminal, stderr always
        old = sys.__stdin__
        assert old is not None
        sys.stdin = sys.__stdin__ = io.TextIOWrapper(open(0, "rb", closefd=False), encoding=old.encoding,
                                                     errors=old.errors, newline="\n", line_buffering=os.isatty(0))
        for name, fd in (("stdout", 1), ("stderr", 2)):
            old = getattr(sys, f"__{name}__")
            raw = open(fd, "wb", buffering=0 if unbuffered else -1, closefd=False)
            stream = io.TextIOWrapper(raw, encoding=old.encoding, errors=old.errors, newline="\n",
                                      write_through=unbuffered, line_buffering=name == "stderr" or os.isatty(fd))
            setattr(sys, name, stream)
            setattr(sys, f"__{name}__", stream)
        random.seed()
        sys.argv = ["-m", *request["argv"]]  # runpy puts bot/__main__.py in [0], as `python -m bot` does
        try:
            runpy.run_module("bot", run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as exc:
            if exc.code is None or isinstance(exc.code, int):
                code = exc.code or 0
            else:
                print(exc.code, file=sys.stderr)
                code = 1
        except KeyboardInterrupt:  # as the interpreter does: the traceback, then death by SIGINT
            traceback.print_exc()
            killed_by = signal.SIGINT
        except BaseException:  # noqa: BLE001 - as the interpreter does: the traceback, status 1
            traceback.print_exc()
            code = 1
        threading._shutdown()  # type: ignore[attr-defined]  # non-daemon threads, as at interpreter exit
        atexit._run_exitfuncs()
    except BaseException:  # noqa: BLE001 - before or after the command: say what, status 1
        traceback.print_exc()
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # a closed pipe: nothing more to say
                stream.flush()
        if killed_by:
            signal.signal(killed_by, signal.SIG_DFL)
            os.kill(os.getpid(), killed_by)
        os._exit(code & 0xFF)


def serve(path: str) -> None:
    """Preload, listen on ``path``, fork a child per request; exits when stdin (the test worker) closes."""
    import gc
    import importlib
    import json
    import selectors
    import traceback

    sys.path[0] = os.path.dirname(os.path.dirname(HERE))  # the project, not tests/, as `python -m bot` from it
    for name in PRELOAD:
        with contextlib.suppress(ImportError):  # an optional extra not installed: a child imports what exists
            importlib.import_module(name)
    gc.collect()
    gc.freeze()  # the children share these pages instead of copying them at their first collection
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ, "accept")
    sel.register(wake_r, selectors.EVENT_READ, "child")
    sel.register(sys.stdin, selectors.EVENT_READ, "parent")
    children: dict[int, socket.socket] = {}  # child pid -> its launcher's connection

    def start(conn: socket.socket) -> None:
        fds: list[int] = []
        try:
            msg, fds, _flags, _addr = socket.recv_fds(conn, 4, 3)
            body = _exactly(conn, struct.unpack("!I", msg)[0]) if len(msg) == 4 and len(fds) == 3 else None
            if body is None:
                conn.close()
                return
            pid = os.fork()
            if pid == 0:
                _child(json.loads(body), fds, [listener, conn, *children.values(), wake_r, wake_w, sel])
            children[pid] = conn
            sel.register(conn, selectors.EVENT_READ, pid)
            with contextlib.suppress(OSError):  # a launcher gone already: its closed connection says so next
                _send(conn, str(pid).encode())
        finally:
            for fd in fds:
                os.close(fd)

    def reap() -> None:
        os.read(wake_r, 4096)
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = children.pop(pid, None)
            if conn is None:
                continue
            with contextlib.suppress(KeyError, ValueError):  # unregistered already when its launcher died
                sel.unregister(conn)
            sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
            with contextlib.suppress(OSError):
                _send(conn, f"signal {sig}".encode() if sig else f"exit {os.WEXITSTATUS(status)}".encode())
            conn.close()

    print("ready", flush=True)
    while True:
        for key, _ in sel.select():
            if key.data == "parent":  # the test worker is gone: so are we, and what we started
                for pid in children:
                    _kill(pid)
                return
            try:
                if key.data == "accept":
                    start(listener.accept()[0])
                elif key.data == "child":
                    reap()
                else:  # a launcher's connection: readable means it closed (killed): so is its child
                    sel.unregister(key.fileobj)
                    _kill(key.data)
            except Exception:  # noqa: BLE001 - one bad request or launcher never stops the server
                traceback.print_exc()


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


_server: dict = {}  # this worker's: "proc", "path"


def gaorec_argv() -> list[str]:
    """The argv prefix that runs `gaorec` (as ``python -m bot``): through this worker's fork server, started
    on first use (and again if it died), or cold when GAOREC_TEST_COLD is set or the server cannot start."""
    if os.environ.get("GAOREC_TEST_COLD") or not hasattr(os, "fork"):
        return list(COLD)
    if not _server or _server["proc"].poll() is not None:
        import atexit
        import shutil
        import subprocess
        import tempfile

        where = tempfile.mkdtemp(prefix="gaorec-fork-")
        path = os.path.join(where, "sock")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GAOREC_", "DATABASE_URL"))}
        proc = subprocess.Popen([sys.executable, HERE, "serve", path], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, env=env, cwd=os.path.dirname(os.path.dirname(HERE)))
        if proc.stdout is None or proc.stdout.readline().strip() != b"ready":
            proc.kill()
            proc.wait()
            shutil.rmtree(where, ignore_errors=True)
            return list(COLD)

        def stop() -> None:
            if proc.stdin:
                proc.stdin.close()  # the server's cue to kill what is left and exit
            proc.wait(10)
            shutil.rmtree(where, ignore_errors=True)

        atexit.register(stop)
        _server.update(proc=proc, path=path)
    return [sys.executable, "-I", "-S", HERE, "client", _server["path"]]


if __name__ == "__main__":
    if sys.argv[1] == "client":
        client(sys.argv[2], sys.argv[3:])
    else:
        serve(sys.argv[2])
