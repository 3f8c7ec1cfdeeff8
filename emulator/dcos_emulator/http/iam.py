"""DC/OS service-account login: `POST /acs/api/v1/auth/login` as the DC/OS IAM (Bouncer) answers it, and the
check of the authentication tokens it issues (as Admin Router does in front of Marathon and Mesos).

A service account is a uid with an RSA public key. It logs in with a *service login token*: an RS256 JWT with
the claims `uid` and `exp`, signed with its private key; the IAM answers 200 `{"token": <authentication
token>}`, itself an RS256 JWT with `uid` and `exp`, signed with the IAM's own key. Sources of the facts below:
the DC/OS 1.13 IAM API reference (docs: "Identity and Access Management API", `/auth/login`), the DC/OS
docs on service login and authentication tokens ("valid for five days after they have been issued"), the
Bouncer HTTP API end-to-end tests (class `TestServiceLogin`: every failed login is 401 with `code`
`ERR_INVALID_CREDENTIALS` and `WWW-Authenticate: acsjwt`; a login body with neither `password` nor `token` is
400), Bouncer's error objects `{"title", "description", "code"}` (as the Admin Router test harness's IAM mock
renders them), and Admin Router's `auth/common.lua` (an expired, missing or bad authentication token gets the
same 401: the JWT check `opt_is_not_expired` just fails verification).

Verifying RS256 needs a crypto library: PyJWT with cryptography, the emulator's optional extra `dcos-login`.
They are imported only when service accounts are configured (`load_jwt`).
"""

from __future__ import annotations

import logging
import math
import time

from dcos_emulator.http.router import HttpError, Request, Response

log = logging.getLogger(__name__)

LOGIN_PATH = "/acs/api/v1/auth/login"
# Real DC/OS: authentication tokens are valid for five days after they were issued (docs, "Lifetime and renewal").
DEFAULT_TOKEN_TTL = 5 * 24 * 3600
# Real Bouncer logs a warning for a service login token valid longer than this (and accepts it).
LONG_LOGIN_TOKEN = 10 * 60
EXTRA_HINT = "pip install 'dcos-emulator[dcos-login]' (PyJWT and cryptography)"
BOUNCER_CONTENT_TYPE = "application/json; charset=utf-8"


class IamError(ValueError):
    """A service account that cannot be configured (bad file, not an RSA public key, missing library)."""


def load_jwt():
    """The `jwt` module (PyJWT) with its RSA support, or IamError saying how to install it."""
    try:
        import jwt
        from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: F401 - PyJWT's RS256 needs it
    except ImportError:
        raise IamError(f"--dcos-service-account needs PyJWT and cryptography: {EXTRA_HINT}") from None
    return jwt


def load_public_key(pem: bytes, uid: str):
    """The RSA public key of a service account from its PEM (X.509 SubjectPublicKeyInfo, as DC/OS takes it)."""
    load_jwt()
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError) as exc:
        raise IamError(f"service account {uid!r}: not a PEM public key ({exc})") from None
    if not isinstance(key, rsa.RSAPublicKey):
        # Real Bouncer refuses other key types with "... must be of type RSA".
        raise IamError(f"service account {uid!r}: the public key must be of type RSA")
    return key


def parse_service_account(text: str) -> tuple[str, str]:
    """`UID=PUBLIC_KEY_FILE` -> (uid, path)."""
    uid, sep, path = text.partition("=")
    if not sep or not uid.strip() or not path.strip():
        raise IamError("--dcos-service-account must look like UID=PUBLIC_KEY_FILE")
    return uid.strip(), path.strip()


def read_service_account(text: str) -> tuple[str, bytes]:
    """`UID=PUBLIC_KEY_FILE` -> (uid, PEM bytes), the key checked."""
    uid, path = parse_service_account(text)
    try:
        with open(path, "rb") as handle:
            pem = handle.read(64 * 1024)
    except OSError as exc:
        raise IamError(f"--dcos-service-account {uid}: cannot read {path}: {exc.strerror}") from None
    load_public_key(pem, uid)
    return uid, pem


def _bouncer_error(status: int, title: str, description: str, code: str, headers: dict | None = None) -> Response:
    return Response(status, {"title": title, "description": description, "code": code}, headers,
                    BOUNCER_CONTENT_TYPE)


def _invalid_credentials() -> Response:
    # Real Bouncer: 401, code ERR_INVALID_CREDENTIALS, WWW-Authenticate: acsjwt for an unknown uid, a bad
    # signature, an expired or malformed login token, a uid claim that differs from the uid, a password for a
    # service account (Bouncer's TestServiceLogin). The tests assert code and header only: the exact
    # `description` text was not found in any source; this one is the emulator's wording. The same answer for
    # every cause, as Bouncer gives: the client learns nothing about which uids exist.
    return _bouncer_error(401, "Unauthorized", "The login credentials are invalid.", "ERR_INVALID_CREDENTIALS",
                          {"WWW-Authenticate": "acsjwt"})


def _bad_request(description: str) -> Response:
    # Real Bouncer: 400 for a login body with neither password nor token. Its code for that case was not found
    # in any source; ERR_INVALID_DATA is the code Bouncer uses for other invalid request data.
    return _bouncer_error(400, "Bad Request", description, "ERR_INVALID_DATA")


class Iam:
    """Service accounts, the login endpoint and the check of issued tokens. `accounts`: {uid: PEM bytes}."""

    def __init__(self, accounts: dict[str, bytes], token_ttl: int = DEFAULT_TOKEN_TTL):
        self.jwt = load_jwt()
        from cryptography.hazmat.primitives.asymmetric import rsa

        self.public_keys = {uid: load_public_key(pem, uid) for uid, pem in accounts.items()}
        self.token_ttl = int(token_ttl)
        # Emulator: the IAM's signing key lives as long as the process; tokens issued before a restart are
        # refused afterwards (a client logs in again on the 401). Real DC/OS keeps its key across restarts.
        self._signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._verify_key = self._signing_key.public_key()

    # -- POST /acs/api/v1/auth/login ---------------------------------------------------------------------
    def login(self, request: Request) -> Response:
        try:
            body = request.json()
        except HttpError:
            return _bad_request("Request body is not valid JSON.")
        if not isinstance(body, dict) or not isinstance(body.get("uid"), str):
            return _bad_request("Expected a JSON object with the string property `uid`.")
        uid, token, password = body["uid"], body.get("token"), body.get("password")
        if token is None and password is None:
            return _bad_request("One of `password` or `token` must be provided.")
        key = self.public_keys.get(uid)
        if key is None or not isinstance(token, str):
            # an unknown uid, or a password login (the emulator has service accounts only)
            log.info("IAM: login of %r refused: %s", uid, "unknown uid" if key is None else "no login token")
            return _invalid_credentials()
        reason = self._login_token_problem(token, key, uid)
        if reason is not None:
            log.info("IAM: login of %r refused: %s", uid, reason)
            return _invalid_credentials()
        return Response(200, {"token": self.issue(uid)}, None, BOUNCER_CONTENT_TYPE)

    def _login_token_problem(self, token: str, key, uid: str) -> str | None:
        """None when `token` is a valid service login token of `uid`, else why not (for the log only)."""
        jwt = self.jwt
        try:
            claims = jwt.decode(token, key, algorithms=["RS256"], options={"require": ["exp", "uid"]})
        except jwt.ExpiredSignatureError:
            return "login token expired"
        except jwt.InvalidSignatureError:
            return "bad signature (not signed with the service account's private key)"
        except jwt.InvalidTokenError as exc:
            return f"invalid login token ({type(exc).__name__})"
        if claims.get("uid") != uid:
            return "the login token's uid claim is another uid"
        if claims["exp"] - time.time() > LONG_LOGIN_TOKEN:
            log.warning("IAM: long-lived service login token (> 10 minutes) from %r", uid)
        return None

    # -- authentication tokens ---------------------------------------------------------------------------
    def issue(self, uid: str) -> str:
        exp = math.ceil(time.time() + self.token_ttl)
        return self.jwt.encode({"uid": uid, "exp": exp}, self._signing_key, algorithm="RS256")

    def token_uid(self, token: str) -> str | None:
        """The uid of a valid, unexpired authentication token issued here, else None."""
        jwt = self.jwt
        try:
            claims = jwt.decode(token, self._verify_key, algorithms=["RS256"], options={"require": ["exp", "uid"]})
        except jwt.InvalidTokenError:
            return None
        uid = claims.get("uid")
        return uid if isinstance(uid, str) and uid in self.public_keys else None
