"""Routes of the Volumes page on the Marathon port: the page, its assets, and a read-only Mesos path.

* `GET /` and `GET /ui/`: the page. Real DC/OS: Admin Router serves the DC/OS UI at `/` (and Marathon's own UI
  at `/service/marathon/ui/`). Real Marathon 1.10 answers `GET /` with `302 Location: ui/` and serves its UI
  from `/ui/` (WebJarServlet). Before this page the emulator answered `GET /` as an unknown route:
  `500 {"message": "URI not found"}`. Serving the page at both keeps a bookmark of either working.
* `GET /ui`: `302 Location: /ui/`, as Marathon's WebJarServlet redirects a directory to its trailing slash.
* `GET /ui/<asset>`: the page's files, from a fixed list (one path segment, no file-system lookup).
* `GET /mesos/master/slaves` (and `/mesos/master/state`): the Mesos master's own answer, through the Mesos
  router in-process. Real Mesos sends no CORS header (`Access-Control-Allow-Origin` appears nowhere in the
  master; its web UI is served by the master itself and reads agents with JSONP), so a page on the Marathon
  port cannot read the Mesos port from the browser. DC/OS solves the same problem with Admin Router, which
  serves the leading master at `/mesos/` on the UI's origin; this path is that location, read-only.
  Authentication: a request that passed Marathon's authentication (Admin Router's single sign-on) is let
  through; otherwise the Mesos credentials are asked for (realm `mesos-master-readonly`), so the path never
  shows more than the Mesos port does.
"""

from __future__ import annotations

from importlib import resources

from dcos_emulator.http.auth import MesosAuth, split_credentials
from dcos_emulator.http.router import Request, Response

PAGE = "index.html"
# Every file the page is made of, with its media type. Nothing else is ever served from the package.
ASSETS = {
    "index.html": "text/html; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}
# The page reads only its own origin; nothing inline, nothing from elsewhere (it shows text users wrote:
# app ids, labels, commands).
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                                "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
# Mesos master endpoints the page may read through the same-origin path (GET only).
MESOS_READONLY = ("/master/slaves", "/master/state")


def asset_bytes(name: str) -> bytes:
    return resources.files(__package__).joinpath("static", name).read_bytes()


def _asset(name: str) -> Response:
    return Response(200, asset_bytes(name), dict(SECURITY_HEADERS), ASSETS[name])


def _not_found(request: Request) -> Response:
    # Marathon's WebJarServlet: resp.sendError(404), rendered by Jetty's error handler.
    body = (f"<html>\n<head>\n<title>Error 404 Not Found</title>\n</head>\n<body><h2>HTTP ERROR 404</h2>\n"
            f"<p>Problem accessing {_html(request.path)}. Reason:\n<pre>    Not Found</pre></p>\n</body>\n</html>\n")
    return Response(404, body, None, "text/html;charset=iso-8859-1")


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def page(cluster, mesos_auth, request: Request, **_):
    return _asset(PAGE)


def ui_directory(cluster, mesos_auth, request: Request, **_):
    return Response(302, None, {"Location": "/ui/"}, None)


def ui_asset(cluster, mesos_auth, request: Request, asset: str, **_):
    return _asset(asset) if asset in ASSETS else _not_found(request)


def mesos_readonly(cluster, mesos_auth, request: Request, endpoint: str, **_):
    """The master's own answer for the read-only paths the page needs, on the page's origin (as Admin Router)."""
    path = "/" + endpoint.strip("/")
    if path not in MESOS_READONLY:
        return _not_found(request)
    if request.principal is None:  # not authenticated by Marathon: the Mesos port's own rule applies
        refused = mesos_auth.check(request, readonly=True)
        if refused is not None:
            return refused
    query = request.raw_path.partition("?")[2]
    inner = Request("GET", path + ("?" + query if query else ""), request.headers, b"",
                    request.client_address, request.server_port)
    inner.principal = request.principal
    return cluster.mesos_server.router.dispatch(inner)


ROUTES = (
    ("GET", "/", page),
    ("GET", "/ui", ui_directory),
    ("GET", "/ui/", page),
    ("GET", "/ui/{asset}", ui_asset),
    ("GET", "/mesos/{endpoint:path}", mesos_readonly),
)


def register(router, cluster) -> None:
    """Add the page's routes (ROUTES) to the Marathon port's router."""
    mesos_auth = MesosAuth(split_credentials(cluster.config.mesos_credentials))
    for method, pattern, handler in ROUTES:
        router.add(method, pattern, _bind(handler, cluster, mesos_auth))


def _bind(handler, cluster, mesos_auth):
    def route(request: Request, **params):
        return handler(cluster, mesos_auth, request, **params)
    route.__name__ = handler.__name__
    return route
