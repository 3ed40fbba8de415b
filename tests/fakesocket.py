"""A minimal Socket Mode server (WebSocket, RFC 6455) on 127.0.0.1 for the
real slack_sdk Socket Mode client: it says hello, sends envelopes, and records
the client's acknowledgements. Plain ws:// on a non-443 port, as slack_sdk
allows for testing."""
from __future__ import annotations

import base64
import hashlib
import json
import socket
import struct
import threading
import time

from .fakeslack import record_ack_answer

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def _frame(payload: bytes, opcode: int = 1) -> bytes:
    n = len(payload)
    head = bytes([0x80 | opcode])
    if n < 126:
        head += bytes([n])
    elif n < 65536:
        head += bytes([126]) + struct.pack("!H", n)
    else:
        head += bytes([127]) + struct.pack("!Q", n)
    return head + payload


def _read_exact(sock: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    return buf


def _read_frame(sock: socket.socket) -> tuple[int, bytes]:
    b0, b1 = _read_exact(sock, 2)
    opcode, n = b0 & 0x0F, b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", _read_exact(sock, 2))[0]
    elif n == 127:
        n = struct.unpack("!Q", _read_exact(sock, 8))[0]
    mask = _read_exact(sock, 4) if b1 & 0x80 else b"\0\0\0\0"
    data = bytes(c ^ mask[i % 4] for i, c in enumerate(_read_exact(sock, n)))
    return opcode, data


class FakeSocketMode:
    def __init__(self):
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(5)
        self.received: list[dict] = []
        self.sent: dict[str, dict] = {}  # envelope id -> envelope (an ack's answer is recorded with the fake Slack)
        self.connections: list[socket.socket] = []
        self._cond = threading.Condition()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.server.getsockname()[1]}/link/?ticket=fake"

    def _accept(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket):
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = conn.recv(4096)
            if not chunk:
                return
            request += chunk
        key = next(line.split(":", 1)[1].strip() for line in request.decode().split("\r\n")
                   if line.lower().startswith("sec-websocket-key"))
        accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        conn.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      f"Sec-WebSocket-Accept: {accept}\r\n\r\n").encode())
        conn.sendall(_frame(json.dumps({"type": "hello", "num_connections": 1,
                                        "debug_info": {"host": "fake"}}).encode()))
        with self._cond:
            self.connections.append(conn)
            self._cond.notify_all()
        try:
            while True:
                opcode, data = _read_frame(conn)
                if opcode == 9:  # ping -> pong
                    conn.sendall(_frame(data, 10))
                elif opcode == 1:
                    msg = json.loads(data)
                    sent = self.sent.get(msg.get("envelope_id")) or {}
                    record_ack_answer((sent.get("payload") or {}).get("response_url"), msg.get("payload"))
                    with self._cond:
                        self.received.append(msg)
                        self._cond.notify_all()
                elif opcode == 8:
                    return
        except (ConnectionError, OSError, ValueError):
            return

    def wait_connected(self, timeout: float = 20.0) -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: self.connections, timeout):
                raise AssertionError("the Socket Mode client never connected")

    def send(self, envelope: dict) -> None:
        self.sent[envelope.get("envelope_id")] = envelope
        self.connections[-1].sendall(_frame(json.dumps(envelope).encode()))

    def wait_ack(self, envelope_id: str, timeout: float = 10.0) -> dict:
        deadline = time.time() + timeout
        with self._cond:
            while True:
                for msg in self.received:
                    if msg.get("envelope_id") == envelope_id:
                        return msg
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError(f"no ack for {envelope_id}: {self.received}")
                self._cond.wait(left)

    def stop(self) -> None:
        self.server.close()
        for c in self.connections:
            try:
                c.close()
            except OSError:
                pass
