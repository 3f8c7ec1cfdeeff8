# shellcheck shell=bash
# Sourced by the runme.sh of the external-volume targets: a private moto_server (EC2) and a private
# dcos-emulator in front of it (4 agents in zones us-east-1a/us-east-1b, REX-Ray with preempt, volumes as EBS
# volumes in moto), both on free ports and stopped when the sourcing script exits. Exports EXTVOL_MARATHON_URL,
# EXTVOL_MESOS_URL and EXTVOL_AWS_URL. EXTVOL_REXRAY_CONFIG: a rexray.yml to start from instead of the built-in one. The fake AWS credentials go to the emulator only; the playbooks pass
# them as module options.
set -eu
extvol_python="$(command -v python)"
read -r extvol_marathon_port extvol_mesos_port extvol_moto_port < <("$extvol_python" -c '
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))')
extvol_dir="$(mktemp -d "${TMPDIR:-/tmp}/extvol-cluster.XXXXXX")"
extvol_pids=()
extvol_stop() {
    local pid
    for pid in "${extvol_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${extvol_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$extvol_dir"
}
trap extvol_stop EXIT
extvol_wait() {  # URL: until it answers (any HTTP status)
    local _
    for _ in $(seq 1 300); do
        "$extvol_python" -c "import urllib.request, urllib.error, sys
try:
    urllib.request.urlopen('$1', timeout=1)
except urllib.error.HTTPError:
    pass" 2>/dev/null && return 0
        sleep 0.2
    done
    echo "not up: $1" >&2
    tail -n 50 "$extvol_dir"/*.log >&2 || true
    return 1
}
"$extvol_python" -m moto.server -H 127.0.0.1 -p "$extvol_moto_port" >"$extvol_dir/moto.log" 2>&1 &
extvol_pids+=($!)
EXTVOL_AWS_URL="http://127.0.0.1:$extvol_moto_port"
extvol_wait "$EXTVOL_AWS_URL/moto-api/"
extvol_rexray="${EXTVOL_REXRAY_CONFIG:-$extvol_dir/rexray.yml}"
[ -n "${EXTVOL_REXRAY_CONFIG:-}" ] || cat >"$extvol_rexray" <<'YAML'
libstorage:
  service: ebs
  integration:
    volume:
      operations:
        mount:
          preempt: true
        unmount:
          ignoreusedcount: true
YAML
AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 \
    "$extvol_python" -m dcos_emulator --state-dir "$extvol_dir/state" --agents 4 --zones us-east-1a,us-east-1b \
    --rexray-config "$extvol_rexray" --aws-endpoint-url "$EXTVOL_AWS_URL" \
    --marathon-port "$extvol_marathon_port" --mesos-port "$extvol_mesos_port" >"$extvol_dir/emulator.log" 2>&1 &
extvol_pids+=($!)
EXTVOL_MARATHON_URL="http://127.0.0.1:$extvol_marathon_port"
EXTVOL_MESOS_URL="http://127.0.0.1:$extvol_mesos_port"
extvol_wait "$EXTVOL_MARATHON_URL/ping"
extvol_wait "$EXTVOL_MESOS_URL/master/health"
export EXTVOL_MARATHON_URL EXTVOL_MESOS_URL EXTVOL_AWS_URL
