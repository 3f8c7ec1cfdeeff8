"""HTTP servers (stdlib ThreadingHTTPServer, HTTP/1.1 keep-alive) with the wrappers of DESIGN.md:
fault injection and request counting (both skip `/emulator/...` admin requests), then authentication,
then the router. A handler exception becomes a logged 500 with a JSON `message`, never a traceback."""

from __future__ import annotations

import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from dcos_emulator.http.counters import RequestCounters
from dcos_emulator.http.faults import FaultInjector
from dcos_emulator.http.router import Request, Response, Router, StreamResponse

log = logging.getLogger(__name__)

ADMIN_PREFIX = "/emulator/"
MAX_BODY = 64 * 1024 * 1024


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

    # BaseHTTPRequestHandler looks methods up as do_<METHOD>.
    def do_GET(self):
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

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
        if (self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError("request body too large")
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self):
        owner = self.server.owner
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        request = Request(self.command, self.path, self.headers, body, self.client_address, owner.port)
        is_admin = request.path.startswith(ADMIN_PREFIX) or request.path == ADMIN_PREFIX.rstrip("/")
        fault = None
        if not is_admin:
            owner.counters.count(request.method, request.path)
            fault = owner.faults.take(request.method, request.path)
            if fault is not None and fault.mode == "late":
                owner.faults.release.wait(fault.seconds)
            elif fault is not None:
                if self._apply_fault(fault):
                    return
        response = None
        if not is_admin and owner.auth is not None:
            response = owner.auth(request)
        if response is None:
            try:
                response = owner.router.dispatch(request)
            except Exception:  # noqa: BLE001 - the wire never sees a traceback
                log.exception("%s: handler failed for %s %s", owner.name, request.method, request.raw_path)
                response = Response(500, {"message": "Internal emulator error (see the emulator log)"})
        if response is None:
            response = Response(204, None, None, None)
        if fault is not None and fault.mode == "late":
            self._drop()  # handled (applied), but the client never gets the answer
        elif isinstance(response, StreamResponse):
            self._write_stream(response)
        else:
            self._write(response)

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
                 faults: FaultInjector, auth=None, server_header: str | None = None):
        self.name = name
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
