"""Optional authentication in front of the routers (all off by default).

* Marathon `--http_credentials user:pass`: Jetty BASIC auth, realm `Mesosphere`; a 401 is Jetty's
  HTML error page with `WWW-Authenticate: basic realm="Mesosphere"`.
* DC/OS token (Admin Router): `Authorization: token=<t>` (or `Bearer <t>`), or the `dcos-acs-auth-cookie`
  cookie; a 401 is an HTML page with `WWW-Authenticate: oauthjwt`. The Volumes page (`/`, `/ui/...`) is served
  without a token, as Admin Router serves the DC/OS UI's files. Emulator: a `--dcos-token` is compared with the
  configured string, not verified as a JWT; a token the IAM issued (`--dcos-service-account`, see iam.py) is
  verified as a JWT, expiry included. Real Admin Router (auth/common.lua): an expired token gets the same 401 as
  a missing one.
* With `--dcos-service-account` the emulated cluster is a DC/OS cluster behind Admin Router: the Mesos port then
  wants a DC/OS token too (as Admin Router's `/mesos` does), or the Mesos credentials when those are set, and
  `POST /acs/api/v1/auth/login` passes without one (Admin Router does not guard the IAM's login).
* Mesos `--authenticate_http_readwrite` / `_readonly` with `--credentials`: BASIC auth, realms
  `mesos-master-readwrite` / `mesos-master-readonly`; a 401 has an empty body.
* Mesos agents `--authenticate_http_readonly` with the same credentials: realm `mesos-agent-readonly` on
  every agent endpoint the emulator serves (they are all read-only: `/state`, `/slave(1)/state`).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import urllib.parse

from dcos_emulator.http.iam import LOGIN_PATH
from dcos_emulator.http.router import Request, Response

MARATHON_REALM = "Mesosphere"
MESOS_READWRITE_REALM = "mesos-master-readwrite"
MESOS_READONLY_REALM = "mesos-master-readonly"
MESOS_AGENT_READONLY_REALM = "mesos-agent-readonly"
MESOS_AGENT_READWRITE_REALM = "mesos-agent-readwrite"
DCOS_AUTH_COOKIE = "dcos-acs-auth-cookie"   # set by the DC/OS UI's login, read by Admin Router


def split_credentials(text: str | None) -> tuple[str, str] | None:
    """`user:pass` -> (user, pass); the password may contain ':'."""
    if not text:
        return None
    user, sep, password = text.partition(":")
    if not sep or not user or not password:
        raise ValueError("credentials must look like 'user:password'")
    return user, password


def basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.header("Authorization") or ""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def dcos_token(request: Request) -> str | None:
    header = request.header("Authorization") or ""
    if header.startswith("token="):
        return header[len("token="):].strip()
    if header.startswith("Bearer "):
        return header[len("Bearer "):].strip()
    if not header:
        # Admin Router also takes the token from the cookie the DC/OS UI's login sets (how a browser's page,
        # and its EventSource, authenticate: they cannot set the header).
        return _cookie(request, DCOS_AUTH_COOKIE)
    return None


def _cookie(request: Request, name: str) -> str | None:
    """The value of cookie `name`, read leniently: cookies are per host, not per port, so other services on
    the same host may add cookies a strict parser would reject (and with them every other cookie)."""
    headers = request.headers.get_all("Cookie") if request.headers is not None else None
    for header in headers or []:
        for pair in header.split(";"):
            key, sep, value = pair.strip().partition("=")
            if sep and key.strip() == name and value.strip():
                return urllib.parse.unquote(value.strip().strip('"'))
    return None


def is_ui_page(path: str) -> bool:
    """The Volumes page and its files (dcos_emulator/ui): `/`, `/ui`, `/ui/...`."""
    return path in ("/", "/ui") or path.startswith("/ui/")


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def _jetty_401(request: Request, realm: str) -> Response:
    body = ("<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html;charset=ISO-8859-1\"/>\n"
            "<title>Error 401 Unauthorized</title>\n</head>\n<body><h2>HTTP ERROR 401</h2>\n"
            f"<p>Problem accessing {request.path}. Reason:\n<pre>    Unauthorized</pre></p>\n</body>\n</html>\n")
    return Response(401, body, {"WWW-Authenticate": f'basic realm="{realm}"'}, "text/html;charset=iso-8859-1")


def _adminrouter_401() -> Response:
    body = "<html>\n<head><title>Unauthorized</title></head>\n<body><h1>Unauthorized</h1></body>\n</html>\n"
    return Response(401, body, {"WWW-Authenticate": "oauthjwt"}, "text/html; charset=UTF-8")


def _dcos_token_principal(request: Request, token: str | None, iam) -> str | None:
    """Who the request's DC/OS token stands for: "dcos-token" for the configured `--dcos-token`, the uid for a
    valid token the IAM issued; None when there is no such token."""
    presented = dcos_token(request)
    if presented is None:
        return None
    if token is not None and _same(presented, token):
        return "dcos-token"
    if iam is not None:
        return iam.token_uid(presented)
    return None


def is_iam_login(request: Request, iam) -> bool:
    return iam is not None and request.path.rstrip("/") == LOGIN_PATH


class MarathonAuth:
    """`iam`: an iam.Iam when service accounts are configured (its issued tokens pass, its login is open)."""

    def __init__(self, credentials: tuple[str, str] | None = None, token: str | None = None, iam=None):
        self.credentials = credentials
        self.token = token
        self.iam = iam

    @property
    def enabled(self) -> bool:
        return bool(self.credentials or self.token or self.iam)

    def check(self, request: Request) -> Response | None:
        """None when the request may pass, else the 401 to send."""
        if not self.enabled or is_iam_login(request, self.iam):
            return None
        if self.credentials is None and is_ui_page(request.path):
            # Admin Router serves the UI's static files without a token (the UI then asks for one); Marathon's
            # own --http_credentials guard every path, its UI included, so with credentials the page is guarded.
            return None
        if self.token is not None or self.iam is not None:
            principal = _dcos_token_principal(request, self.token, self.iam)
            if principal is not None:
                request.principal = principal
                return None
        if self.credentials is not None:
            presented = basic_credentials(request)
            if presented is not None and _same(presented[0], self.credentials[0]) and \
                    _same(presented[1], self.credentials[1]):
                request.principal = presented[0]
                return None
            return _jetty_401(request, MARATHON_REALM)
        return _adminrouter_401()


class MesosAuth:
    """`iam` (with `token`): the Mesos port is behind Admin Router, see the module docstring."""

    def __init__(self, credentials: tuple[str, str] | None = None, readonly_realm: str = MESOS_READONLY_REALM,
                 readwrite_realm: str = MESOS_READWRITE_REALM, iam=None, token: str | None = None):
        self.credentials = credentials
        self.readonly_realm = readonly_realm
        self.readwrite_realm = readwrite_realm
        self.iam = iam
        self.token = token

    @property
    def enabled(self) -> bool:
        """Mesos's own HTTP authentication (--authenticate_http_readwrite), not Admin Router's."""
        return self.credentials is not None

    def check(self, request: Request, readonly: bool) -> Response | None:
        if self.iam is not None:
            principal = _dcos_token_principal(request, self.token, self.iam)
            if principal is not None:
                request.principal = principal
                return None
            if self.credentials is None:
                return _adminrouter_401()
        if self.credentials is None:
            return None
        presented = basic_credentials(request)
        if presented is not None and _same(presented[0], self.credentials[0]) and \
                _same(presented[1], self.credentials[1]):
            request.principal = presented[0]
            return None
        realm = self.readonly_realm if readonly else self.readwrite_realm
        return Response(401, None, {"WWW-Authenticate": f'Basic realm="{realm}"'}, None)
