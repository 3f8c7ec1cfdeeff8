"""Marathon health checks (core/health/impl/HealthCheckWorker.scala) run against the real task process:
TCP connect, HTTP(S) GET (2xx/3xx healthy, 1xx unless ignoreHttp1xx), COMMAND in the task's sandbox.
Each check runs in a short-lived thread; the result is applied under the cluster lock."""
from __future__ import annotations

import http.client
import socket
import subprocess
import threading


def marathon_health_checks(definition: dict) -> list:
    """The health checks Marathon runs itself (all of an app's healthChecks; the emulator has no Mesos-side
    checks)."""
    return definition.get("healthChecks") or []


def check_port(hc: dict, ports: list) -> int | None:
    if "port" in hc:
        return hc["port"]
    idx = hc.get("portIndex", 0)
    return ports[idx] if idx < len(ports) else None


def run_check(hc: dict, host: str, ports: list, sandbox: str | None, env: dict | None) -> tuple[bool, str | None]:
    proto = hc.get("protocol", "HTTP")
    timeout = max(0.1, float(hc.get("timeoutSeconds", 20)))
    if proto == "COMMAND":
        try:
            proc = subprocess.run(["/bin/sh", "-c", hc["command"]["value"]], cwd=sandbox or None, env=env or None,
                                  timeout=timeout, capture_output=True, check=False)
        except subprocess.TimeoutExpired:
            return False, "Command health check timed out"
        except (OSError, ValueError) as exc:   # ValueError: a NUL in the command
            return False, str(exc)
        return (proc.returncode == 0,
                None if proc.returncode == 0 else f"Command exited with status {proc.returncode}")
    port = check_port(hc, ports)
    if port is None:
        return False, "No port for health check"
    if proto in ("TCP", "MESOS_TCP"):
        try:
            with socket.create_connection((host, port), timeout=timeout):
                return True, None
        except OSError as exc:
            return False, f"{type(exc).__name__}: {exc}"
    conn_cls = http.client.HTTPSConnection if proto in ("HTTPS", "MESOS_HTTPS") else http.client.HTTPConnection
    try:
        conn = conn_cls(host, port, timeout=timeout)
        conn.request("GET", hc.get("path") or "/")
        status = conn.getresponse().status
        conn.close()
    except (OSError, http.client.HTTPException, ValueError) as exc:   # ValueError: a path http.client refuses
        return False, f"{type(exc).__name__}: {exc}"
    if 200 <= status < 400 or (100 <= status < 200 and hc.get("ignoreHttp1xx")):
        return True, None
    return False, f"{status}"


def start_check(hc: dict, host: str, ports: list, sandbox, env, on_result) -> None:
    def work():
        ok, cause = run_check(hc, host, ports, sandbox, env)
        on_result(ok, cause)
    threading.Thread(target=work, name="marathon-health", daemon=True).start()


def run_readiness(rc: dict, host: str, port: int) -> tuple[bool, dict | None]:
    """HttpReadinessCheckExecutor: ready iff the status is one of httpStatusCodesForReady."""
    conn_cls = http.client.HTTPSConnection if rc.get("protocol") == "HTTPS" else http.client.HTTPConnection
    try:
        conn = conn_cls(host, port, timeout=max(0.1, float(rc["timeoutSeconds"])))
        conn.request("GET", rc.get("path") or "/")
        resp = conn.getresponse()
        body = resp.read(64 * 1024).decode("utf-8", errors="replace")
        conn.close()
    except (OSError, http.client.HTTPException, ValueError):
        return False, None
    last = {"status": resp.status, "contentType": resp.getheader("Content-Type") or "", "body": body}
    return resp.status in rc["httpStatusCodesForReady"], last


def start_readiness(rc: dict, host: str, port: int, on_result) -> None:
    def work():
        ready, last = run_readiness(rc, host, port)
        on_result(ready, last)
    threading.Thread(target=work, name="marathon-readiness", daemon=True).start()
