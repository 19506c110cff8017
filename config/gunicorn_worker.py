"""gunicorn's worker for `make run`: threads that are handed whole request heads only.

gunicorn's threaded worker (``gthread``, 27.0) gives a connection to a thread
as soon as its first byte arrives; the thread then blocks, with no time limit,
until the rest of the request head comes. A client that sends half a head and
stops holds that thread for as long as it likes, and as many such clients as
there are threads hold the whole server (the sync workers are held the same
way, until the worker timeout kills them). This worker reads each head in its
main loop, without blocking, up to the blank line that ends it, and only then
gives the connection to a thread; a head that is not whole within
``LAYERWISE_GUNICORN_HEAD_TIMEOUT`` seconds closes the connection. While a
thread serves the request, each read of the body and each write of the answer
waits at most the worker ``timeout`` for the client.

The head is passed on to gunicorn's own parser, which applies its limits
(``limit_request_line`` and the others); TLS connections, which this project
never gives gunicorn (a proxy ends TLS), are served as ``gthread`` serves them.
"""

from __future__ import annotations

import errno
import os
import selectors
import socket
import time
from collections import deque
from functools import partial

from gunicorn.workers.gthread import TConn, ThreadWorker

# What ends a head: a blank line (gunicorn's parser then judges the head).
HEAD_ENDS = (b"\r\n\r\n", b"\n\n")
# Bytes of a head read in the main loop at most; a larger head (far beyond any
# browser's) goes to a thread, which reads the rest with a time limit per read.
HEAD_BUFFER = 64 * 1024


def head_timeout() -> float:
    """Seconds a client has to send a whole request head (environment, default 10)."""
    raw = os.environ.get("LAYERWISE_GUNICORN_HEAD_TIMEOUT", "").strip()
    value = float(raw) if raw else 10.0
    if value <= 0:
        raise ValueError(f"LAYERWISE_GUNICORN_HEAD_TIMEOUT={raw!r} must be above 0")
    return value


class _Conn(TConn):
    """A connection with the part of its next request head read so far."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.head = bytearray()
        self.deadline = 0.0

    def init(self) -> None:
        # Runs in the thread before every request is parsed.
        super().init()
        if self.head:
            self.parser.unreader.unread(bytes(self.head))
            self.head.clear()
        self.sock.settimeout(head_timeout())


class HeadFirstWorker(ThreadWorker):
    """``gthread`` with each request head read whole before a thread takes it."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.heads: deque[_Conn] = deque()
        self.head_timeout = head_timeout()

    def accept(self, listener: socket.socket) -> None:
        try:
            sock, client = listener.accept()
        except OSError as e:
            if e.errno in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                return
            raise
        self.nr_conns += 1
        conn = _Conn(self.cfg, sock, client, listener.getsockname())
        if self.cfg.is_ssl:
            sock.setblocking(True)
            self.enqueue_req(conn)
        else:
            self._await_head(conn)

    def on_client_socket_readable(self, conn: _Conn, client: socket.socket) -> None:
        """A kept-alive connection's next request: its head is read first too."""
        if self.cfg.is_ssl:
            super().on_client_socket_readable(conn, client)
            return
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self._await_head(conn)

    def _await_head(self, conn: _Conn) -> None:
        conn.sock.setblocking(False)
        conn.deadline = time.monotonic() + self.head_timeout
        self.heads.append(conn)
        self.poller.register(
            conn.sock, selectors.EVENT_READ, partial(self._head_readable, conn)
        )

    def _head_readable(self, conn: _Conn, sock: socket.socket) -> None:
        try:
            data = sock.recv(HEAD_BUFFER - len(conn.head))
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        conn.head += data
        whole = any(end in conn.head for end in HEAD_ENDS)
        if data and not whole and len(conn.head) < HEAD_BUFFER:
            return
        self.poller.unregister(sock)
        self.heads.remove(conn)
        if not data:  # the client left (or failed) before its head was whole
            self.nr_conns -= 1
            conn.close()
            return
        conn.data_ready = True
        self.enqueue_req(conn)

    def murder_pending(self) -> None:
        """Close, besides gunicorn's idle connections, those whose head is late."""
        super().murder_pending()
        now = time.monotonic()
        while self.heads and self.heads[0].deadline <= now:
            conn = self.heads.popleft()
            try:
                self.poller.unregister(conn.sock)
            except (OSError, KeyError, ValueError):
                pass
            self.nr_conns -= 1
            conn.close()

    def handle_request(self, req, conn: _Conn):
        # The head is in; the body and the answer wait for the client at most
        # the worker timeout at a time.
        conn.sock.settimeout(self.cfg.timeout or None)
        return super().handle_request(req, conn)
