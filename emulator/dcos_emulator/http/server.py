"""HTTP servers (stdlib ThreadingHTTPServer, HTTP/1.1 keep-alive) with the wrappers of DESIGN.md:
fault injection and request counting (both skip `/emulator/...` admin requests), then authentication,
then the router. A handler exception becomes a logged 500 with a JSON `message`, never a traceback."""

from __future__ import annotations

import io
import logging
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from dcos_emulator.http.counters import RequestCounters
from dcos_emulator.http.faults import FaultInjector
from dcos_emulator.http.router import Request, Response, Router, StreamResponse

log = logging.getLogger(__name__)

ADMIN_PREFIX = "/emulator/"
_DROPPED = object()  # a fault dropped the connection: nothing to write


# Limits on reading a request (hostile or broken clients must not hold a handler thread or memory for ever).
MAX_BODY = 64 * 1024 * 1024       # bytes of body, Content-Length or chunked alike: larger -> 413
IDLE_TIMEOUT = 30.0               # seconds a connection may stay silent (Jetty's default idle timeout)
REQUEST_READ_TIMEOUT = 30.0       # seconds from a request's first byte to the end of its body -> 408
MAX_CHUNK_LINE = 4096             # bytes of a chunk-size line or a trailer line
MAX_TRAILERS = 100
LINGER_SECONDS = 1.0              # after refusing a body: how long (and how much) to drain before closing
LINGER_BYTES = 4 * 1024 * 1024
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")
_CONTENT_LENGTH = re.compile(r"[0-9]{1,20}")


class _BadRequestBody(Exception):
    """The body cannot be read: answer `status` with `reason` and close the connection."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


class _DeadlineSocketReader(io.RawIOBase):
    """The connection's raw input with two limits: a silent connection times out after `idle` seconds, and once
    a request's first byte has arrived, everything up to the end of its body must arrive within `request`
    seconds, however slowly the bytes drip in (TimeoutError otherwise)."""

    def __init__(self, sock: socket.socket, idle: float, request: float):
        super().__init__()
        self._sock = sock
        self._idle = idle
        self._request = request
        self._deadline: float | None = None

    def readable(self) -> bool:
        return True

    def next_request(self) -> None:
        """Between requests: wait up to the idle timeout; the next byte starts the next request's clock."""
        self._deadline = None

    def readinto(self, buffer) -> int:
        if self._deadline is None:
            timeout = self._idle
        else:
            timeout = min(self._idle, self._deadline - time.monotonic())
            if timeout <= 0:
                raise TimeoutError("request not received in time")
        self._sock.settimeout(timeout)
        received = self._sock.recv_into(buffer)
        if received and self._deadline is None:
            self._deadline = time.monotonic() + self._request
        return received


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, handler_class, owner: EmulatorServer):
        self.owner = owner
        super().__init__(address, handler_class)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self):
        super().setup()
        owner = self.server.owner
        self.rfile.close()  # replaced by a reader with deadlines (closing drops the socket's extra reference)
        self._reader = _DeadlineSocketReader(self.connection, owner.idle_timeout, owner.read_timeout)
        self.rfile = io.BufferedReader(self._reader)

    def handle_one_request(self):
        self._reader.next_request()
        try:
            super().handle_one_request()
        except (ConnectionResetError, BrokenPipeError, ConnectionAbortedError):
            # The client went away while its next request line was awaited (a browser leaving a page resets its
            # idle keep-alive connections): close quietly, as Jetty and libprocess do, not with a traceback.
            self.close_connection = True

    # BaseHTTPRequestHandler looks methods up as do_<METHOD>; every method token reaches the router, which
    # answers 405 where the path exists (JAX-RS and libprocess do the same), not the stdlib's 501.
    def do_GET(self):
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def __getattr__(self, name):
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    def send_response(self, code, message=None):
        # Like BaseHTTPRequestHandler, but the Server header only where the real service sends one
        # (Marathon's Jetty does; libprocess, behind Mesos, does not).
        self.log_request(code)
        self.send_response_only(code, message)
        if self.server.owner.server_header:
            self.send_header("Server", self.server.owner.server_header)
        self.send_header("Date", self.date_time_string())

    def log_message(self, fmt, *args):  # route access logs to logging, not stderr
        log.debug("%s %s", self.server.owner.name, fmt % args)

    def _read_body(self) -> bytes:
        """The whole body (Content-Length or chunked), at most MAX_BODY bytes, within the request deadline."""
        codings = [c.strip().lower() for v in (self.headers.get_all("Transfer-Encoding") or [])
                   for c in v.split(",") if c.strip()]
        if codings:
            if codings != ["chunked"]:
                raise _BadRequestBody(400, "Bad Transfer-Encoding")
            return self._read_chunked()
        lengths = {v.strip() for v in (self.headers.get_all("Content-Length") or [])}
        if not lengths:
            return b""
        value = lengths.pop()
        if lengths or not _CONTENT_LENGTH.fullmatch(value):
            raise _BadRequestBody(400, "Bad Content-Length")
        length = int(value)
        if length > MAX_BODY:
            raise _BadRequestBody(413, "Payload Too Large")
        body = self.rfile.read(length) if length else b""
        if len(body) != length:
            raise _BadRequestBody(400, "Early EOF")
        return body

    def _read_line(self) -> bytes:
        line = self.rfile.readline(MAX_CHUNK_LINE + 1)
        if not line.endswith(b"\n"):
            raise _BadRequestBody(400, "Bad chunking")  # too long, or the client went away
        return line

    def _read_chunked(self) -> bytes:
        chunks, total = [], 0
        while True:
            size_text = self._read_line().split(b";", 1)[0].strip()
            if not _CHUNK_SIZE.fullmatch(size_text):  # also a negative, signed or empty size
                raise _BadRequestBody(400, "Bad chunking")
            size = int(size_text, 16)
            if size == 0:
                break
            total += size
            if total > MAX_BODY:
                raise _BadRequestBody(413, "Payload Too Large")
            data = self.rfile.read(size)
            if len(data) != size or self._read_line().strip():
                raise _BadRequestBody(400, "Bad chunking")
            chunks.append(data)
        for _ in range(MAX_TRAILERS):
            if not self._read_line().strip():
                return b"".join(chunks)
        raise _BadRequestBody(400, "Bad chunking")

    def _handle(self):
        owner = self.server.owner
        refusal = None
        try:
            body = self._read_body()
        except _BadRequestBody as exc:
            refusal = (exc.status, exc.reason)
        except TimeoutError:
            refusal = (408, "Request Timeout")
        except OSError:
            self.close_connection = True
            return
        # Reading is over: the answer is written under the idle timeout, not what is left of the deadline.
        self._set_timeout(owner.idle_timeout)
        if refusal is not None:
            self._refuse(*refusal)
            return
        try:
            response = self._respond(owner, body)
        except Exception:  # noqa: BLE001 - the wire never sees a traceback
            log.exception("%s: handler failed for %s %s", owner.name, self.command, self.path)
            response = Response(500, {"message": "Internal emulator error (see the emulator log)"})
        if response is _DROPPED:
            return
        if isinstance(response, StreamResponse):
            self._write_stream(response)
        else:
            self._write(response)

    def _respond(self, owner, body: bytes):
        request = Request(self.command, self.path, self.headers, body, self.client_address, owner.port)
        is_admin = request.path.startswith(ADMIN_PREFIX) or request.path == ADMIN_PREFIX.rstrip("/")
        fault = None
        if not is_admin:
            owner.counters.count(request.method, request.path)
            fault = owner.faults.take(request.method, request.path)
            if fault is not None and fault.mode == "late":
                owner.faults.release.wait(fault.seconds)
            elif fault is not None and self._apply_fault(fault):
                return _DROPPED
        response = None
        if not is_admin and owner.auth is not None:
            response = owner.auth(request)
        if response is None:
            try:
                response = owner.router.dispatch(request)
            except Exception:  # noqa: BLE001 - the wire never sees a traceback
                log.exception("%s: handler failed for %s %s", owner.name, request.method, request.raw_path)
                response = Response(500, {"message": "Internal emulator error (see the emulator log)"})
        if fault is not None and fault.mode == "late":
            self._drop()  # handled (applied), but the client never gets the answer
            return _DROPPED
        return Response(204, None, None, None) if response is None else response

    def _refuse(self, status: int, reason: str):
        """Answer a request whose body could not be read, then close: the rest of the stream is unusable."""
        log.info("%s: %s %s refused: %d %s", self.server.owner.name, self.command, self.path, status, reason)
        response = self.server.owner.router.bad_message(status, reason)
        response.headers["Connection"] = "close"
        self._write(response)
        self._close_gracefully()

    def _close_gracefully(self):
        """Send FIN, then discard what the client is still sending for a moment (bounded), so that the close
        does not turn into a reset that makes the client lose the answer it has not read yet."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + LINGER_SECONDS
            drained = 0
            while drained < LINGER_BYTES:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self.connection.settimeout(remaining)
                data = self.connection.recv(65536)
                if not data:
                    break
                drained += len(data)
        except OSError:
            pass

    def _set_timeout(self, seconds: float):
        try:
            self.connection.settimeout(seconds)
        except OSError:
            pass

    def _apply_fault(self, fault) -> bool:
        """True when the request was answered (or dropped) by the fault."""
        if fault.mode == "503":
            self._write(Response(503, {"message": "Service Unavailable (emulator fault injection)"}))
            return True
        if fault.mode == "hang":
            # Hold the request until the fault is cleared, the emulator stops, or `seconds` pass; then drop it.
            self.server.owner.faults.release.wait(fault.seconds)
        self._drop()
        return True

    def _drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _write(self, response: Response):
        try:
            payload = response.encoded()
            self.send_response(response.status)
            if response.content_type:
                self.send_header("Content-Type", response.content_type)
            for name, value in response.headers.items():
                self.send_header(name, str(value))
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD" and payload:
                self.wfile.write(payload)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True

    def _write_stream(self, response: StreamResponse):
        chunked = self.request_version >= "HTTP/1.1"
        chunks = response.chunks
        try:
            self.send_response(response.status)
            if response.content_type:
                self.send_header("Content-Type", response.content_type)
            for name, value in response.headers.items():
                self.send_header(name, str(value))
            self.send_header("Cache-Control", "no-cache")
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.flush()
            for chunk in chunks:
                if not chunk:
                    continue
                if isinstance(chunk, str):
                    chunk = chunk.encode("utf-8")
                if chunked:
                    self.wfile.write(f"{len(chunk):x}\r\n".encode("ascii") + chunk + b"\r\n")
                else:
                    self.wfile.write(chunk)
                self.wfile.flush()
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:  # noqa: BLE001
                    log.debug("closing a stream failed", exc_info=True)
            self.close_connection = True


class EmulatorServer:
    """One listening socket serving `router`; `auth(request)` returns None or a 401 Response."""

    def __init__(self, name: str, host: str, port: int, router: Router, counters: RequestCounters,
                 faults: FaultInjector, auth=None, server_header: str | None = None,
                 idle_timeout: float | None = None, read_timeout: float | None = None):
        self.name = name
        self.idle_timeout = IDLE_TIMEOUT if idle_timeout is None else idle_timeout
        self.read_timeout = REQUEST_READ_TIMEOUT if read_timeout is None else read_timeout
        self.router = router
        self.counters = counters
        self.faults = faults
        self.auth = auth
        self.server_header = server_header
        try:
            self._server = _Server((host, port), _Handler, self)
        except OSError as exc:
            raise OSError(exc.errno, f"{name} API cannot listen on {host}:{port}: {exc.strerror}") from None
        self.host = host
        self.port = self._server.server_address[1]
        self._thread: threading.Thread | None = None
        self._closing = False

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._serve, name=f"http-{self.name}", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        """Blocking accept loop; stop() wakes it by shutting the listening socket down (no poll interval)."""
        server = self._server
        while not self._closing:
            try:
                request, address = server.get_request()
            except OSError:
                if self._closing:
                    break
                continue
            try:
                server.process_request(request, address)  # ThreadingMixIn: one thread per connection
            except Exception:  # noqa: BLE001
                server.handle_error(request, address)
                server.shutdown_request(request)

    def stop(self) -> None:
        self._closing = True
        try:
            self._server.socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server.server_close()
