#!/usr/bin/env bash
# Usage: scripts/run_integration.sh <collection copy> [ansible-test integration args...]
# Runs under scripts/with-emulator.sh: writes the emulator's URLs into the copy's
# tests/integration/integration_config.yml (ansible-test passes its keys to every target as
# variables), then runs the targets locally with the venv's Python as the managed interpreter.
set -euo pipefail
copy="$1"
shift
: "${MARATHON_URL:?run me under scripts/with-emulator.sh}"
here="$(cd "$(dirname "$0")/.." && pwd)"
python="${VENV_PYTHON:-$here/.venv/bin/python}"

# One integration run per copy at a time: the config file below is shared by all runs.
exec 9>"$copy/../../../.integration.lock"
if ! flock -n 9; then
    echo "run_integration: another integration run uses $copy; waiting for it" >&2
    flock 9
fi

cat >"$copy/tests/integration/integration_config.yml" <<YAML
---
# Written by scripts/run_integration.sh for this run only.
marathon_url: "$MARATHON_URL"
mesos_url: "$MESOS_URL"
emulator_state_dir: "$EMULATOR_STATE_DIR"
emulator_agent_port: ${EMULATOR_AGENT_PORT:-5051}
YAML

cd "$copy"
color=yes
[ -n "${CI:-}" ] && color=no
exec "$here/.venv/bin/ansible-test" integration --local --python 3.11 --python-interpreter "$python" \
    --color "$color" "$@"
