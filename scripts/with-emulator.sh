#!/usr/bin/env bash
# Usage: scripts/with-emulator.sh <command> [args...]
#
# Starts a dcos-emulator on free loopback ports with a fresh state directory (the agents serve
# their /state on a free port too: --agent-port), waits until both APIs answer, runs the command
# with MARATHON_URL, MESOS_URL, EMULATOR_AGENT_PORT and EMULATOR_STATE_DIR exported, then stops
# the emulator (SIGTERM, which also stops its task processes) and removes the state directory,
# whatever the command's outcome. Exits with the command's status.
#
# Environment: DCOS_EMULATOR (default: .venv/bin/dcos-emulator, else dcos-emulator on PATH),
# EMULATOR_AGENTS (default 3), EMULATOR_ARGS (extra flags), EMULATOR_START_TIMEOUT (seconds, 30),
# EMULATOR_KEEP_STATE=1 keeps the state directory for inspection. Secrets go to the emulator through
# its environment, never on its command line (ps shows it): DCOS_EMULATOR_MARATHON_CREDENTIALS,
# DCOS_EMULATOR_MESOS_CREDENTIALS, DCOS_EMULATOR_DCOS_TOKEN (secret flags in EMULATOR_ARGS are refused).
set -euo pipefail

if [ "$#" -eq 0 ]; then
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi

case " ${EMULATOR_ARGS:-} " in
    *" --marathon-credentials "* | *" --mesos-credentials "* | *" --dcos-token "* | \
    *" --marathon-credentials="* | *" --mesos-credentials="* | *" --dcos-token="*)
        echo "with-emulator: pass secrets as DCOS_EMULATOR_MARATHON_CREDENTIALS, DCOS_EMULATOR_MESOS_CREDENTIALS" \
             "or DCOS_EMULATOR_DCOS_TOKEN, not in EMULATOR_ARGS (every user sees command lines in ps)" >&2
        exit 2
        ;;
esac

here="$(cd "$(dirname "$0")/.." && pwd)"
emulator="${DCOS_EMULATOR:-}"
if [ -z "$emulator" ]; then
    if [ -x "$here/.venv/bin/dcos-emulator" ]; then
        emulator="$here/.venv/bin/dcos-emulator"
    else
        emulator="$(command -v dcos-emulator || true)"
    fi
fi
if [ -z "$emulator" ] || [ ! -x "$emulator" ]; then
    echo "with-emulator: dcos-emulator not found (run 'make venv')" >&2
    exit 127
fi
python="${PYTHON:-$(dirname "$emulator")/python}"
[ -x "$python" ] || python=python3

# Three distinct free ports, picked by the kernel on every address (the agents bind theirs on
# their own loopback addresses 127.0.x.y).
read -r marathon_port mesos_port agent_port < <("$python" - <<'EOF'
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks:
    s.bind(("", 0))
print(*(s.getsockname()[1] for s in socks))
for s in socks:
    s.close()
EOF
)

state_dir="$(mktemp -d "${TMPDIR:-/tmp}/dcos-emulator.XXXXXX")"
log="$state_dir.log"
pid=""

stop() {
    local status=$?
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        # Bounded wait for a clean shutdown, then force it.
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    if [ "$status" -ne 0 ] && [ -s "$log" ]; then
        echo "with-emulator: exit status $status; the emulator log ends with:" >&2
        tail -n 20 "$log" | sed 's/^/  | /' >&2
    fi
    if [ "${EMULATOR_KEEP_STATE:-0}" = 1 ]; then
        echo "with-emulator: state kept in $state_dir (log $log)" >&2
    else
        rm -rf "$state_dir" "$log"
    fi
    exit "$status"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# shellcheck disable=SC2086
"$emulator" --state-dir "$state_dir" --agents "${EMULATOR_AGENTS:-3}" \
    --marathon-port "$marathon_port" --mesos-port "$mesos_port" --agent-port "$agent_port" \
    ${EMULATOR_ARGS:-} >"$log" 2>&1 &
pid=$!

export MARATHON_URL="http://127.0.0.1:$marathon_port"
export MESOS_URL="http://127.0.0.1:$mesos_port"
export EMULATOR_AGENT_PORT="$agent_port"
export EMULATOR_STATE_DIR="$state_dir"

if ! "$python" - "$MARATHON_URL" "$MESOS_URL" "$pid" "${EMULATOR_START_TIMEOUT:-30}" <<'EOF'
import os, sys, time, urllib.error, urllib.request
marathon, mesos, pid, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
deadline = time.monotonic() + timeout
# Serving means an HTTP answer below 500: with --dcos-token or credentials, /ping answers 401.
pending = [marathon + "/ping", mesos + "/ping"]
while pending and time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("emulator exited during start-up")
    try:
        with urllib.request.urlopen(pending[0], timeout=2):
            pending.pop(0)
            continue
    except urllib.error.HTTPError as e:
        if e.code < 500:
            pending.pop(0)
            continue
    except OSError:
        pass
    time.sleep(0.05)
sys.exit("emulator did not answer /ping on %s" % ", ".join(pending) if pending else 0)
EOF
then
    echo "with-emulator: emulator failed to start; its log:" >&2
    cat "$log" >&2 || true
    exit 1
fi

echo "with-emulator: dcos-emulator up (marathon $MARATHON_URL, mesos $MESOS_URL, state $state_dir)" >&2
"$@"
