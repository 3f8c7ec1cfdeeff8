#!/usr/bin/env bash
# `make demo`: start a fresh dcos-emulator, run the Marathon stateful tutorial against it
# (playbooks/marathon_stateful_tutorial.yml) and print, at each step, which agent holds which
# volume (persistenceId) and the data read back from it; then stop the emulator. It prints the URL of the
# emulator's Volumes page; run in a terminal (stdin a TTY, CI unset) it keeps the emulator up until Enter.
# Needs the venv and the collection copy (the Makefile's demo target provides both).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"

export ANSIBLE_COLLECTIONS_PATH="${ANSIBLE_COLLECTIONS_PATH:-$here/.build/collections}"
export ANSIBLE_PYTHON_INTERPRETER="${ANSIBLE_PYTHON_INTERPRETER:-$here/.venv/bin/python}"
export ANSIBLE_LOCALHOST_WARNING=false
export ANSIBLE_INVENTORY_UNPARSED_WARNING=false
export ANSIBLE_DISPLAY_SKIPPED_HOSTS=false
playbook="$here/.venv/bin/ansible-playbook"

if [ ! -d "$ANSIBLE_COLLECTIONS_PATH/ansible_collections/dcos/stateful" ]; then
    "$here/.venv/bin/python" scripts/build_collection.py --root "$here" --dest "$ANSIBLE_COLLECTIONS_PATH"
fi

# What the demo shows of ansible-playbook's output (stdout and stderr): task names, the demo's own messages,
# failures, the recap, and every [WARNING] / [ERROR] / [DEPRECATION WARNING] with its continuation lines.
filter='
    /^TASK \[/ { sub(/^TASK \[/, "-- "); sub(/\] \**$/, ""); print; keep = 0; next }
    /^PLAY RECAP/ || /^localhost/ || /fatal|FAILED/ { print; keep = 0; next }
    /^\[(WARNING|ERROR|DEPRECATION WARNING)\]/ { print; keep = 1; next }
    /^ *"msg": "\[/ { line = $0; sub(/^ *"msg": "/, "   ", line); sub(/"$/, "", line); print line; keep = 0; next }
    /^$/ || /^(ok|changed|skipping|included|PLAY) / { keep = 0; next }
    keep { print }
'
export DEMO_FILTER="$filter"

# Inside with-emulator.sh: MARATHON_URL, MESOS_URL and EMULATOR_STATE_DIR point at the fresh emulator.
exec scripts/with-emulator.sh bash -c '
    echo "== dcos.stateful demo: Marathon $MARATHON_URL, Mesos $MESOS_URL, volumes under $EMULATOR_STATE_DIR"
    echo "== the Volumes page: $MARATHON_URL/ (open it now to watch the tutorial live)"
    "$0" playbooks/marathon_stateful_tutorial.yml \
        -e "marathon_url=$MARATHON_URL" -e "mesos_url=$MESOS_URL" 2>&1 \
      | awk "$DEMO_FILTER"
    status=${PIPESTATUS[0]}
    echo "== demo finished (ansible-playbook exit status $status)"
    # In a terminal (not in CI), keep the emulator up for the page until Enter.
    if [ -t 0 ] && [ -z "${CI:-}" ]; then
        echo "== the Volumes page stays at $MARATHON_URL/ until you press Enter"
        read -r _ || true
    fi
    echo "== stopping the emulator"
    if [ "${EMULATOR_KEEP_STATE:-0}" != 1 ]; then
        echo "== $EMULATOR_STATE_DIR is removed now; run EMULATOR_KEEP_STATE=1 make demo to keep it for inspection"
    fi
    exit "$status"
' "$playbook"
