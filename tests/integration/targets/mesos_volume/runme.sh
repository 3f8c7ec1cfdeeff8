#!/usr/bin/env bash
# 1) The scenario against the shared emulator (tasks/, run as a role).
# 2) Credentials: a private emulator with Mesos credentials (HTTP basic on the Mesos API, as a master with
#    --authenticate_http_readwrite), since the shared one runs without authentication.
set -eux
ANSIBLE_ROLES_PATH=.. ansible-playbook -i "$INVENTORY_PATH" scenario.yml -e @../../integration_config.yml "$@"

# The emulator is a package of the Python that runs the tests (make venv installs it there).
python="$(command -v python)"
read -r marathon_port mesos_port < <("$python" -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))')
state_dir="$(mktemp -d "${TMPDIR:-/tmp}/mesos-volume-auth.XXXXXX")"
# The credentials go through the environment (DCOS_EMULATOR_MESOS_CREDENTIALS), not the command line ps shows.
DCOS_EMULATOR_MESOS_CREDENTIALS=ops:s3cret-value \
    "$python" -m dcos_emulator --state-dir "$state_dir" --agents 1 --marathon-port "$marathon_port" \
    --mesos-port "$mesos_port" >"$state_dir.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$state_dir" "$state_dir.log"' EXIT
for _ in $(seq 1 200); do
    "$python" -c "import urllib.request, sys
try:
    urllib.request.urlopen('http://127.0.0.1:$mesos_port/master/health', timeout=1)
except urllib.error.HTTPError:
    pass
" 2>/dev/null && break
    sleep 0.1
done
ansible-playbook -i "$INVENTORY_PATH" credentials.yml -e "mesos_url=http://127.0.0.1:$mesos_port" "$@"
