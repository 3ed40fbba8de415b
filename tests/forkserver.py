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
``wait``, ``communicate`` and timeouts behave as before.

What it cannot give: the launcher's pid is not the child's (a test that looks
at the process's own files uses ``COLD``), and SIGKILL cannot be forwarded
(the server kills the child when the launcher's connection drops, a few
milliseconds later; tests that kill -9 use ``COLD``). Startup itself — a
config error before SQLAlchemy is imported, the import time — is tested with
cold processes too. ``GAOREC_TEST_COLD=1`` makes every start cold."""
from __future__ import annotations

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
           "sqlalchemy.dialects.postgresql.psycopg", "psycopg", "openpyxl")


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
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    for signum in FORWARDED:
        signal.signal(signum, forward)
    status = _recv(sock)  # blocks; forwarded signals run between (PEP 475 retries the recv)
    if status is None:
        os._exit(70)
    kind, value = status.decode().split()
    if kind == "exit":
        os._exit(int(value))
    signal.signal(int(value), signal.SIG_DFL)
    os.kill(os.getpid(), int(value))
    os._exit(128 + int(value))


# --- the server ---------------------------------------------------------------------------------------------

def _child(request: dict, fds: list[int], closing: list[socket.socket]) -> None:
    """In the forked child: become `python -m bot ARGS` in the launcher's place; never returns."""
    import atexit
    import io
    import random
    import runpy
    import threading

    code = 1
    try:
        for s in closing:
            s.close()
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
        sys.stdin = sys.__stdin__ = io.TextIOWrapper(open(0, "rb", closefd=False), encoding="utf-8")
        for name, fd, errors in (("stdout", 1, "strict"), ("stderr", 2, "backslashreplace")):
            raw = open(fd, "wb", buffering=0 if unbuffered else -1, closefd=False)
            stream = io.TextIOWrapper(raw, encoding="utf-8", errors=errors, write_through=unbuffered,
                                      line_buffering=name == "stderr" or os.isatty(fd))
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
        except KeyboardInterrupt:
            code = -signal.SIGINT
        except BaseException:  # noqa: BLE001 - as the interpreter does: the traceback, status 1
            import traceback

            traceback.print_exc()
            code = 1
        threading._shutdown()  # type: ignore[attr-defined]  # non-daemon threads, as at interpreter exit
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001 - a closed pipe: nothing more to say
                pass
        if code < 0:
            signal.signal(-code, signal.SIG_DFL)
            os.kill(os.getpid(), -code)
        os._exit(code & 0xFF)


def serve(path: str) -> None:
    """Preload, listen on ``path``, fork a child per request; exits when stdin (the test worker) closes."""
    import gc
    import importlib
    import json
    import selectors

    sys.path[0] = os.path.dirname(os.path.dirname(HERE))  # the project, not tests/, as `python -m bot` from it
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:  # an optional extra not installed: its first child imports what exists
            pass
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
    print("ready", flush=True)
    while True:
        for key, _ in sel.select():
            if key.data == "parent":  # the test worker is gone: so are we, and what we started
                for pid in children:
                    _kill(pid)
                return
            if key.data == "accept":
                conn, _ = listener.accept()
                msg, fds, _flags, _addr = socket.recv_fds(conn, 4, 3)
                body = _exactly(conn, struct.unpack("!I", msg)[0]) if len(msg) == 4 and len(fds) == 3 else None
                if body is None:
                    for fd in fds:
                        os.close(fd)
                    conn.close()
                    continue
                pid = os.fork()
                if pid == 0:
                    _child(json.loads(body), fds, [listener, conn, *children.values()])
                for fd in fds:
                    os.close(fd)
                children[pid] = conn
                sel.register(conn, selectors.EVENT_READ, pid)
                _send(conn, str(pid).encode())
            elif key.data == "child":
                os.read(wake_r, 4096)
                while children:
                    try:
                        pid, status = os.waitpid(-1, os.WNOHANG)
                    except ChildProcessError:
                        break
                    if pid == 0:
                        break
                    conn = children.pop(pid, None)
                    if conn is None:
                        continue
                    sel.unregister(conn)
                    sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
                    try:
                        _send(conn, f"signal {sig}".encode() if sig else f"exit {os.WEXITSTATUS(status)}".encode())
                    except OSError:
                        pass
                    conn.close()
            else:  # a launcher's connection: readable means it closed (killed): so is its child
                sel.unregister(key.fileobj)
                _kill(key.data)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


_started: list[str] = []


def gaorec_argv() -> list[str]:
    """The argv prefix that runs `gaorec` (as ``python -m bot``): through this worker's fork server, started
    on first use, or cold when GAOREC_TEST_COLD is set or the server cannot start."""
    if os.environ.get("GAOREC_TEST_COLD") or not hasattr(os, "fork"):
        return list(COLD)
    if not _started:
        import atexit
        import subprocess
        import tempfile

        path = os.path.join(tempfile.mkdtemp(prefix="gaorec-fork-"), "sock")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GAOREC_", "DATABASE_URL"))}
        proc = subprocess.Popen([sys.executable, HERE, "serve", path], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, env=env, cwd=os.path.dirname(os.path.dirname(HERE)))
        if proc.stdout is None or proc.stdout.readline().strip() != b"ready":
            proc.kill()
            return list(COLD)
        atexit.register(lambda: (proc.stdin.close() if proc.stdin else None, proc.wait(10)))
        _started.append(path)
    return [sys.executable, "-I", "-S", HERE, "client", _started[0]]


if __name__ == "__main__":
    if sys.argv[1] == "client":
        client(sys.argv[2], sys.argv[3:])
    else:
        serve(sys.argv[2])
