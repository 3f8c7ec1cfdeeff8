"""Request / Response / StreamResponse / HttpError and a path-template Router (DESIGN.md HTTP contract)."""

from __future__ import annotations

import json
import re
import urllib.parse

from dcos_emulator.http import safejson


class HttpError(Exception):
    """Raised by a handler (or Request helpers); rendered as the response."""

    def __init__(self, status: int, body=None, headers: dict | None = None, content_type: str = "application/json"):
        super().__init__(f"HTTP {status}")
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.content_type = content_type

    def response(self) -> Response:
        return Response(self.status, self.body, self.headers, self.content_type)


class Request:
    def __init__(self, method: str, raw_path: str, headers, body: bytes, client_address=("127.0.0.1", 0),
                 server_port: int = 0):
        self.method = method.upper()
        self.raw_path = raw_path
        try:
            split = urllib.parse.urlsplit(raw_path)
            path_only, query = split.path, split.query
        except ValueError:  # e.g. "//[x": not a URL authority; the request target is still a path
            path_only, _, query = raw_path.partition("#")[0].partition("?")
        self.raw_path_only = path_only or "/"
        self.path = urllib.parse.unquote(self.raw_path_only)
        self.query: dict[str, list[str]] = urllib.parse.parse_qs(query, keep_blank_values=True)
        self.headers = headers  # email.message.Message: case-insensitive .get()
        self.body = body or b""
        self.client_address = client_address
        self.server_port = server_port
        self.principal: str | None = None  # set by the auth wrapper when credentials were checked

    def header(self, name: str, default: str | None = None) -> str | None:
        value = self.headers.get(name) if self.headers is not None else None
        return default if value is None else value

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def params(self, name: str) -> list[str]:
        return list(self.query.get(name, []))

    def flag(self, name: str, default: bool = False) -> bool:
        """Boolean query parameter with JAX-RS semantics (Boolean.valueOf: only "true" is true)."""
        value = self.param(name)
        if value is None:
            return default
        return value.strip().lower() == "true"

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        """Parsed JSON body as Marathon reads it (nesting limited, no NaN); malformed ->
        HttpError(400, {"message": "Invalid JSON", "details": <parser message>})."""
        if not self.body.strip():
            # Jackson on an empty entity: a mapping error
            raise HttpError(400, {"message": "Invalid JSON",
                                  "details": "No content to map due to end-of-input"})
        try:
            return safejson.parse_marathon(self.body)
        except safejson.JsonError as exc:
            raise HttpError(400, {"message": "Invalid JSON", "details": str(exc)}) from None

    def form(self) -> dict[str, str]:
        """application/x-www-form-urlencoded body (last value wins, like Mesos's query::decode)."""
        pairs = urllib.parse.parse_qsl(self.text(), keep_blank_values=True)
        return dict(pairs)

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.raw_path}>"


class Response:
    def __init__(self, status: int = 200, body=None, headers: dict | None = None,
                 content_type: str | None = "application/json"):
        self.status = status
        self.body = body
        self.headers = dict(headers or {})
        self.content_type = content_type

    def encoded(self) -> bytes:
        body = self.body
        if body is None:
            return b""
        if isinstance(body, bytes):
            return body
        if isinstance(body, str) and self.content_type != "application/json":
            return body.encode("utf-8")
        return json.dumps(body, separators=(",", ":")).encode("utf-8")


class StreamResponse:
    """A streamed body (server-sent events): each chunk from `chunks` is written and flushed at once.
    `chunks` may have a close() (generators and subscriptions do): called when the client goes away."""

    def __init__(self, status: int, headers: dict | None, chunks, content_type: str = "text/event-stream"):
        self.status = status
        self.headers = dict(headers or {})
        self.chunks = chunks
        self.content_type = content_type


_PARAM = re.compile(r"\{(\w+)(?::(path))?\}")


class Route:
    def __init__(self, method: str, pattern: str, handler):
        self.method = method.upper()
        self.pattern = pattern
        self.handler = handler
        regex, literal, params, path_params = "", 0, 0, 0
        pos = 0
        for match in _PARAM.finditer(pattern):
            text = pattern[pos:match.start()]
            regex += re.escape(text)
            literal += len(text)
            if match.group(2) == "path":
                regex += f"(?P<{match.group(1)}>.+?)"
                path_params += 1
            else:
                regex += f"(?P<{match.group(1)}>[^/]+)"
            params += 1
            pos = match.end()
        regex += re.escape(pattern[pos:])
        literal += len(pattern) - pos
        self.regex = re.compile("^" + regex + "/?$" if pattern != "/" else "^/$")
        # JAX-RS precedence: more literal characters first, then more template variables.
        self.rank = (-literal, -params, path_params)

    def match(self, path: str):
        found = self.regex.match(path)
        return None if found is None else found.groupdict()


class Router:
    """`@router.route("GET", "/v2/apps/{id:path}")` registers `handler(request, **params)`.

    "{name}" matches one path segment, "{name:path}" one or more. Among matching templates the most
    specific wins (JAX-RS rules), so `/v2/apps/{id:path}/tasks` beats `/v2/apps/{id:path}`.
    `not_found(request)`, `method_not_allowed(request, allowed)` and `bad_message(status, reason)` (the answer
    to a request whose body cannot be read: bad chunking, too large, too slow) may be replaced per server.
    """

    def __init__(self):
        self.routes: list[Route] = []
        self.not_found = default_not_found
        self.method_not_allowed = default_method_not_allowed
        self.bad_message = default_bad_message

    def route(self, method: str, pattern: str):
        def decorator(handler):
            self.add(method, pattern, handler)
            return handler
        return decorator

    def add(self, method: str, pattern: str, handler) -> None:
        methods = [method] if isinstance(method, str) else list(method)
        for m in methods:
            self.routes.append(Route(m, pattern, handler))
        self.routes.sort(key=lambda r: r.rank)

    def resolve(self, method: str, path: str):
        """(handler, params) or (None, allowed_methods) when the path exists with other methods."""
        allowed = []
        for route in self.routes:
            params = route.match(path)
            if params is None:
                continue
            if route.method == method or (method == "HEAD" and route.method == "GET"):
                return route.handler, params
            allowed.append(route.method)
        return None, allowed

    def handles(self, path: str) -> bool:
        return any(route.match(path) is not None for route in self.routes)

    def dispatch(self, request: Request):
        handler, found = self.resolve(request.method, request.path)
        if handler is None:
            if found:
                return self.method_not_allowed(request, sorted(set(found)))
            return self.not_found(request)
        try:
            return handler(request, **found)
        except HttpError as exc:
            return exc.response()


def default_not_found(request: Request) -> Response:
    return Response(404, {"message": f"URI not found: {request.path}"})


def default_bad_message(status: int, reason: str) -> Response:
    # Real Mesos (libprocess) closes a connection whose request it cannot decode; the emulator answers first.
    return Response(status, reason, None, "text/plain; charset=utf-8")


def default_method_not_allowed(request: Request, allowed: list) -> Response:
    return Response(405, None, {"Allow": ", ".join(allowed)}, None)
