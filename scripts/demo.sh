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

# Inside with-emulator.sh: MARATHON_URL, MESOS_URL and EMULATOR_STATE_DIR point at the fresh emulator.
exec scripts/with-emulator.sh bash -c '
    echo "== dcos.stateful demo: Marathon $MARATHON_URL, Mesos $MESOS_URL, volumes under $EMULATOR_STATE_DIR"
    echo "== the Volumes page: $MARATHON_URL/ (open it now to watch the tutorial live)"
    "$0" playbooks/marathon_stateful_tutorial.yml \
        -e "marathon_url=$MARATHON_URL" -e "mesos_url=$MESOS_URL" \
      | grep -E "^(TASK|PLAY RECAP)|\"msg\": \"\[|^localhost|fatal|FAILED" \
      | sed -e "s/^TASK \[\(.*\)\] \**$/-- \1/" -e "s/^ *\"msg\": \"\(.*\)\"$/   \1/"
    status=${PIPESTATUS[0]}
    echo "== demo finished (ansible-playbook exit status $status)"
    # In a terminal (not in CI), keep the emulator up for the page until Enter.
    if [ -t 0 ] && [ -z "${CI:-}" ]; then
        echo "== the Volumes page stays at $MARATHON_URL/ until you press Enter"
        read -r _ || true
    fi
    echo "== stopping the emulator"
    exit "$status"
' "$playbook"
