"""`dcos-emulator`: run the Marathon + Mesos emulator in the foreground until SIGTERM / Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from dataclasses import dataclass

from dcos_emulator import __version__, domains
from dcos_emulator.cluster import Cluster, ClusterConfig
from dcos_emulator.http import iam
from dcos_emulator.http.auth import split_credentials
from dcos_emulator.mesos.resources import parse_range_text
from dcos_emulator.volumes import rexray_config


@dataclass(frozen=True)
class Secret:
    dest: str          # argparse dest and ClusterConfig field
    flag: str
    env: str
    metavar: str
    help: str


SECRETS = (
    Secret("marathon_credentials", "--marathon-credentials", "DCOS_EMULATOR_MARATHON_CREDENTIALS", "USER:PASS",
           "require HTTP basic auth on the Marathon API (Marathon --http_credentials)"),
    Secret("mesos_credentials", "--mesos-credentials", "DCOS_EMULATOR_MESOS_CREDENTIALS", "PRINCIPAL:SECRET",
           "require HTTP basic auth on the Mesos API and on the agents' endpoints (--authenticate_http_readwrite "
           "and _readonly); the principal is checked against reservation principals"),
    Secret("dcos_token", "--dcos-token", "DCOS_EMULATOR_DCOS_TOKEN", "TOKEN",
           "accept 'Authorization: token=TOKEN' on the Marathon API as DC/OS does"),
)


class SecretError(ValueError):
    pass


def _read_secret_file(path: str, flag: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            line = handle.readline()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not UTF-8 text"
        raise SecretError(f"{flag}-file: cannot read {path}: {reason}") from None
    value = line.rstrip("\r\n")
    if not value:
        raise SecretError(f"{flag}-file: {path} is empty")
    return value


def resolve_secrets(args: argparse.Namespace, environ) -> None:
    """Fill each secret of `args` from its flag, its file or its environment variable (in that order; a flag
    and a file together are an error), and remove the variables from `environ` so that task processes, which
    inherit the emulator's environment, never see them. The values never appear in a message."""
    args.secret_sources = {}
    for secret in SECRETS:
        from_env = environ.pop(secret.env, None)
        path = getattr(args, f"{secret.dest}_file")
        if path is not None:
            if getattr(args, secret.dest) is not None:
                raise SecretError(f"{secret.flag} and {secret.flag}-file are mutually exclusive")
            setattr(args, secret.dest, _read_secret_file(path, secret.flag))
            args.secret_sources[secret.dest] = f"{secret.flag}-file"
        elif getattr(args, secret.dest) is not None:
            args.secret_sources[secret.dest] = secret.flag
        elif from_env:
            setattr(args, secret.dest, from_env)
            args.secret_sources[secret.dest] = f"${secret.env}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dcos-emulator",
        description="Serve the Marathon v2 REST API and the Mesos master API from one local process. Tasks run "
                    "as real processes, persistent volumes are real directories under --state-dir.",
        epilog="Admin API (tests): POST /emulator/agents/{id}/stop|start, POST|DELETE /emulator/faults, "
               "GET|DELETE /emulator/counters, POST /emulator/seed, on both ports.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--state-dir", default=".emulator",
                        help="directory for state, agent work dirs, volumes and sandboxes (default: .emulator)")
    parser.add_argument("--agents", type=int, default=3, help="number of agents (default: 3)")
    parser.add_argument("--host", default="127.0.0.1", help="address the Marathon and Mesos APIs bind to "
                                                            "(default: 127.0.0.1)")
    parser.add_argument("--marathon-port", type=int, default=8080, help="Marathon API port (default: 8080)")
    parser.add_argument("--mesos-port", type=int, default=5050, help="Mesos master API port (default: 5050)")
    parser.add_argument("--agent-port", type=int, default=0,
                        help="serve each agent's GET /state on <agent hostname>:PORT (0 = off, the default)")
    parser.add_argument("--agent-cpus", type=float, default=4.0, help="cpus per agent (default: 4)")
    parser.add_argument("--agent-mem", type=float, default=8192.0, help="memory per agent in MiB (default: 8192)")
    parser.add_argument("--agent-disk", type=float, default=65536.0, help="disk per agent in MiB (default: 65536)")
    parser.add_argument("--agent-ports", default="31000-32000",
                        help="port ranges per agent, e.g. 31000-32000 or '[31000-31100, 32000-32100]' "
                             "(default: 31000-32000)")
    secrets = parser.add_argument_group(
        "secrets", "Each secret can come from a flag (visible to every user in `ps`), from a file (its first "
                   "line; --NAME-file), or from an environment variable (DCOS_EMULATOR_...). Prefer the file or "
                   "the variable. The variables are removed from the environment the task processes inherit.")
    for secret in SECRETS:
        secrets.add_argument(secret.flag, metavar=secret.metavar, default=None,
                             help=f"{secret.help}; off by default (or {secret.flag}-file FILE, or ${secret.env})")
        secrets.add_argument(f"{secret.flag}-file", metavar="FILE", default=None,
                             help=f"read {secret.flag} from the first line of FILE")
    parser.add_argument("--dcos-service-account", metavar="UID=PUBLIC_KEY_FILE", action="append", default=[],
                        help="a DC/OS service account (repeatable): serve POST /acs/api/v1/auth/login on the Marathon "
                             "port as the DC/OS IAM does (an RS256 service login token signed with the account's "
                             "private key, claims uid and exp); the tokens it issues pass Marathon and Mesos, and "
                             "the Mesos port then wants one too (or --mesos-credentials), as behind Admin Router; "
                             "needs PyJWT and cryptography (extra 'dcos-login')")
    parser.add_argument("--dcos-token-ttl", metavar="SECONDS", type=int, default=iam.DEFAULT_TOKEN_TTL,
                        help="lifetime of the tokens --dcos-service-account logins get (default: 432000, five "
                             "days, as on DC/OS)")
    parser.add_argument("--mesos-role", default="slave_public",
                        help="Marathon's --mesos_role (default: slave_public, as on DC/OS)")
    parser.add_argument("--principal", default="dcos_marathon",
                        help="Marathon's --mesos_authentication_principal (default: dcos_marathon)")
    parser.add_argument("--marathon-version", default="1.10.26", help="Marathon version to report "
                                                                      "(default: 1.10.26)")
    parser.add_argument("--zones", metavar="ZONE,ZONE", default=None,
                        help="fault-domain zones, e.g. us-east-1a,us-east-1b: agents are put in them round-robin "
                             "and report domain.fault_domain region/zone (region = zone without its letter); "
                             "Marathon @zone/@region constraints match them (default: no fault domain)")
    parser.add_argument("--rexray-config", metavar="FILE", default=None,
                        help="a rexray.yaml (REX-Ray 0.3.x or libStorage format) for the external volume store: "
                             "preempt, default size/type/fsType/iops of implicit volumes, ebs.tag, "
                             "ignoreusedcount are applied, other keys ignored; YAML needs PyYAML, else the file "
                             "must be JSON (default: REX-Ray's defaults, 16 GiB ext4, no preempt)")
    parser.add_argument("--aws-endpoint-url", metavar="URL", default=None,
                        help="keep external volumes as EBS volumes in this EC2 endpoint (e.g. a moto_server): "
                             "agents are EC2 instances in their zone, volumes are tagged Name=<name>; region from "
                             "--zones (else AWS_DEFAULT_REGION, zone <region>a), credentials from the AWS "
                             "environment variables; needs boto3 (extra 'aws')")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                        help="log level (default: INFO)")
    return parser


def config_from_args(args: argparse.Namespace) -> ClusterConfig:
    return ClusterConfig(
        agents=args.agents, host=args.host, marathon_port=args.marathon_port, mesos_port=args.mesos_port,
        agent_port=args.agent_port, agent_cpus=args.agent_cpus, agent_mem=args.agent_mem,
        agent_disk=args.agent_disk, agent_ports=args.agent_ports,
        marathon_credentials=args.marathon_credentials, mesos_credentials=args.mesos_credentials,
        dcos_token=args.dcos_token, mesos_role=args.mesos_role, principal=args.principal,
        marathon_version=args.marathon_version, zones=domains.parse_zones(args.zones),
        rexray=getattr(args, "rexray", None), aws_endpoint_url=args.aws_endpoint_url,
        service_accounts=tuple(getattr(args, "service_accounts", ())), dcos_token_ttl=args.dcos_token_ttl,
    )


def _check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.agents < 1:
        parser.error("--agents must be at least 1")
    for name in ("marathon_port", "mesos_port", "agent_port"):
        if not 0 <= getattr(args, name) <= 65535:
            parser.error(f"--{name.replace('_', '-')} must be between 0 and 65535")
    try:
        resolve_secrets(args, os.environ)
    except SecretError as exc:
        parser.error(str(exc))
    for name in ("marathon_credentials", "mesos_credentials"):
        try:
            split_credentials(getattr(args, name))
        except ValueError:
            flag = f"--{name.replace('_', '-')}"
            source = args.secret_sources.get(name, flag)
            parser.error(f"{flag} must look like NAME:SECRET" + ("" if source == flag else f" (from {source})"))
    _check_service_accounts(parser, args)
    args.rexray = None
    if args.rexray_config:
        try:
            args.rexray = rexray_config.load(args.rexray_config)
        except rexray_config.ConfigError as exc:
            parser.error(f"--rexray-config: {exc}")
    try:
        domains.parse_zones(args.zones)
    except ValueError as exc:
        parser.error(f"--zones: {exc}")
    try:
        if not parse_range_text(args.agent_ports):
            raise ValueError
    except ValueError:
        parser.error("--agent-ports must look like 31000-32000")


def _check_service_accounts(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Read each --dcos-service-account's public key now, so that a bad file or a missing library stops the
    start with a clear message."""
    if args.dcos_token_ttl < 1:
        parser.error("--dcos-token-ttl must be at least 1 (seconds)")
    args.service_accounts = []
    seen = set()
    for text in args.dcos_service_account:
        try:
            uid, pem = iam.read_service_account(text)
        except iam.IamError as exc:
            parser.error(str(exc))
        if uid in seen:
            parser.error(f"--dcos-service-account {uid}: given twice")
        seen.add(uid)
        args.service_accounts.append((uid, pem))


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _check(parser, args)
    logging.basicConfig(level=getattr(logging, args.log_level), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()

    def on_signal(signum, _frame):
        logging.getLogger("dcos_emulator").info("signal %d: stopping", signum)
        stop.set()

    for secret in SECRETS:
        if args.secret_sources.get(secret.dest) == secret.flag:
            logging.getLogger("dcos_emulator").warning(
                "%s on the command line is visible to every user (ps); prefer %s-file or $%s",
                secret.flag, secret.flag, secret.env)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        cluster = Cluster(os.path.abspath(args.state_dir), config_from_args(args)).start()
    except (OSError, RuntimeError) as exc:
        print(f"dcos-emulator: cannot start: {exc}", file=sys.stderr)
        return 1
    print(f"dcos-emulator: Marathon {cluster.marathon_url}  Mesos {cluster.mesos_url}  "
          f"state {cluster.state_dir}", flush=True)
    try:
        stop.wait()
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
