"""DC/OS service-account login (`--dcos-service-account`): POST /acs/api/v1/auth/login on the Marathon port
as the DC/OS IAM answers it, and the issued tokens at Marathon and Mesos (behind Admin Router)."""

from __future__ import annotations

import subprocess
import sys
import time

import jwt
import pytest
from conftest import HttpClient
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from dcos_emulator import cli

LOGIN = "/acs/api/v1/auth/login"


def _keypair():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return key, public


@pytest.fixture(scope="module")
def keys():
    """(private key of the account, its public PEM, another private key)."""
    key, public = _keypair()
    other, _ = _keypair()
    return key, public, other


def login_token(key, uid, exp_in=300, **claims):
    return jwt.encode({"uid": uid, "exp": int(time.time() + exp_in), **claims}, key, algorithm="RS256")


@pytest.fixture
def dcos(cluster_factory, keys):
    return cluster_factory(agents=1, service_accounts=(("ansible", keys[1]),), dcos_token_ttl=2)


def login(cluster, body):
    return HttpClient(cluster.marathon_url).post(LOGIN, json=body)


def assert_invalid_credentials(answer):
    assert answer.status == 401, answer
    assert answer.headers["www-authenticate"] == "acsjwt"
    assert answer.headers["content-type"] == "application/json; charset=utf-8"
    body = answer.json()
    assert body["code"] == "ERR_INVALID_CREDENTIALS"
    assert body["title"] == "Unauthorized"
    assert set(body) == {"title", "description", "code"}


def test_good_key_gets_a_token(dcos, keys):
    answer = login(dcos, {"uid": "ansible", "token": login_token(keys[0], "ansible")})
    assert answer.status == 200, answer
    token = answer.json()["token"]
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert header["alg"] == "RS256"
    assert claims["uid"] == "ansible"
    assert 0 < claims["exp"] - time.time() <= 3  # --dcos-token-ttl 2


def test_wrong_key_is_refused(dcos, keys):
    assert_invalid_credentials(login(dcos, {"uid": "ansible", "token": login_token(keys[2], "ansible")}))


def test_unknown_uid_is_refused(dcos, keys):
    assert_invalid_credentials(login(dcos, {"uid": "nobody", "token": login_token(keys[0], "nobody")}))


def test_expired_login_token_is_refused(dcos, keys):
    assert_invalid_credentials(login(dcos, {"uid": "ansible", "token": login_token(keys[0], "ansible", -60)}))


BAD_LOGIN_TOKENS = {
    "not-a-jwt": lambda key: "not-a-jwt",
    "uid-claim-of-another-account": lambda key: login_token(key, "someone-else"),
    "hs256": lambda key: jwt.encode({"uid": "ansible", "exp": int(time.time() + 60)},
                                    "a-shared-secret-of-32-bytes-long", algorithm="HS256"),
    "no-exp": lambda key: jwt.encode({"uid": "ansible"}, key, algorithm="RS256"),
}


@pytest.mark.parametrize("kind", sorted(BAD_LOGIN_TOKENS))
def test_other_bad_login_tokens_are_refused(dcos, keys, kind):
    assert_invalid_credentials(login(dcos, {"uid": "ansible", "token": BAD_LOGIN_TOKENS[kind](keys[0])}))


def test_password_login_of_a_service_account_is_refused(dcos):
    assert_invalid_credentials(login(dcos, {"uid": "ansible", "password": "x"}))


def test_login_without_token_or_password_is_a_bad_request(dcos):
    answer = login(dcos, {"uid": "ansible"})
    assert answer.status == 400
    assert answer.json()["title"] == "Bad Request"


def test_issued_token_passes_marathon_and_mesos_until_it_expires(dcos, keys):
    token = login(dcos, {"uid": "ansible", "token": login_token(keys[0], "ansible")}).json()["token"]
    marathon, mesos = HttpClient(dcos.marathon_url, token=token), HttpClient(dcos.mesos_url, token=token)
    assert marathon.get("/v2/apps").status == 200
    assert mesos.get("/master/slaves").status == 200
    bearer = HttpClient(dcos.mesos_url).get("/master/slaves", headers={"Authorization": f"Bearer {token}"})
    assert bearer.status == 200
    # without a token both ports answer as Admin Router does
    for client, path in ((HttpClient(dcos.marathon_url), "/v2/apps"), (HttpClient(dcos.mesos_url), "/master/slaves")):
        denied = client.get(path)
        assert denied.status == 401
        assert denied.headers["www-authenticate"] == "oauthjwt"
    time.sleep(max(0.0, jwt.decode(token, options={"verify_signature": False})["exp"] - time.time()) + 0.2)
    # Real Admin Router: an expired token gets the same 401 as none (no separate body or header).
    for answer in (marathon.get("/v2/apps"), mesos.get("/master/slaves")):
        assert answer.status == 401
        assert answer.headers["www-authenticate"] == "oauthjwt"
    # a new login gets a fresh token that passes again
    fresh = login(dcos, {"uid": "ansible", "token": login_token(keys[0], "ansible")}).json()["token"]
    assert HttpClient(dcos.marathon_url, token=fresh).get("/v2/apps").status == 200


def test_a_token_not_issued_here_is_refused(dcos, keys):
    forged = jwt.encode({"uid": "ansible", "exp": int(time.time() + 60)}, keys[0], algorithm="RS256")
    assert HttpClient(dcos.marathon_url, token=forged).get("/v2/apps").status == 401
    assert HttpClient(dcos.mesos_url, token=forged).get("/master/slaves").status == 401


def test_static_dcos_token_and_mesos_credentials_still_work(cluster_factory, keys):
    cluster = cluster_factory(agents=1, service_accounts=(("ansible", keys[1]),), dcos_token="tok-123",
                              mesos_credentials="ops:s3cret")
    assert HttpClient(cluster.marathon_url, token="tok-123").get("/v2/apps").status == 200
    assert HttpClient(cluster.mesos_url, token="tok-123").get("/master/slaves").status == 200
    assert HttpClient(cluster.mesos_url, auth=("ops", "s3cret")).get("/master/slaves").status == 200
    denied = HttpClient(cluster.mesos_url).get("/master/slaves")
    assert denied.status == 401
    assert denied.headers["www-authenticate"] == 'Basic realm="mesos-master-readonly"'


def test_without_service_accounts_there_is_no_login_and_mesos_stays_open(cluster_factory):
    cluster = cluster_factory(agents=1)
    marathon = HttpClient(cluster.marathon_url)
    answer = marathon.post(LOGIN, json={"uid": "a", "token": "b"})
    unknown = marathon.post("/acs/api/v1/auth/nothing", json={"uid": "a", "token": "b"})
    assert (answer.status, answer.body) == (unknown.status, unknown.body)  # Marathon's answer to any unknown URI
    assert HttpClient(cluster.mesos_url).get("/master/slaves").status == 200


# -- the command line ------------------------------------------------------------------------------------

def test_flag_reads_the_public_key(tmp_path, keys):
    path = tmp_path / "ansible.pub"
    path.write_bytes(keys[1])
    args = cli.build_parser().parse_args(["--dcos-service-account", f"ansible={path}", "--dcos-token-ttl", "60"])
    cli._check(cli.build_parser(), args)
    config = cli.config_from_args(args)
    assert config.service_accounts == (("ansible", keys[1]),)
    assert config.dcos_token_ttl == 60
    assert cli.config_from_args(cli.build_parser().parse_args([])).dcos_token_ttl == 5 * 24 * 3600


@pytest.mark.parametrize("value, message", [
    ("ansible", "must look like UID=PUBLIC_KEY_FILE"),
    ("ansible=/nonexistent/key.pem", "cannot read /nonexistent/key.pem"),
    ("ansible={private}", "not a PEM public key"),
])
def test_bad_flag_is_reported(tmp_path, keys, value, message):
    private = tmp_path / "private.pem"
    private.write_bytes(keys[0].private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
    proc = subprocess.run([sys.executable, "-m", "dcos_emulator", "--state-dir", str(tmp_path / "s"),
                           "--dcos-service-account", value.format(private=private)],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert "PRIVATE KEY" not in proc.stderr


def test_missing_library_is_a_clear_error(tmp_path, keys):
    """Without PyJWT the flag stops the start with how to install it (the rest of the emulator needs nothing)."""
    path = tmp_path / "ansible.pub"
    path.write_bytes(keys[1])
    blocker = tmp_path / "block"
    blocker.mkdir()
    (blocker / "jwt.py").write_text("raise ImportError('blocked for the test')\n")
    env_code = (f"import sys; sys.path.insert(0, {str(blocker)!r}); from dcos_emulator import cli; "
                f"sys.exit(cli.main(['--state-dir', {str(tmp_path / 's')!r}, '--dcos-service-account', "
                f"'ansible={path}']))")
    proc = subprocess.run([sys.executable, "-c", env_code], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert "--dcos-service-account needs PyJWT and cryptography" in proc.stderr
    assert "dcos-emulator[dcos-login]" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_token_ttl_must_be_positive(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "dcos_emulator", "--state-dir", str(tmp_path / "s"),
                           "--dcos-token-ttl", "0"], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert "--dcos-token-ttl must be at least 1" in proc.stderr


def test_emulator_without_the_flag_never_imports_the_library():
    code = ("import sys; from dcos_emulator import cli, cluster; "
            "print(sorted(m for m in ('jwt', 'cryptography') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
