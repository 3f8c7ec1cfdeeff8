#!/bin/sh
# Seed walkthrough against a running dcos-emulator, with curl alone (plus grep/sed):
# add a postgres-like app with a local persistent volume and a command that writes to it, stop it
# (instances 0), start it, scale to 2, scale to 1, wipe the suspended task, remove the app.
# Checks that the data written before the stop is still there after the start, on the same agent,
# by reading the volume directory (file:// URL under the master's work_dir). Exits non-zero on any failure.
#
#   MARATHON_URL (default http://127.0.0.1:8080), MESOS_URL (default http://127.0.0.1:5050),
#   APP_ID (default /walkthrough/postgres), TIMEOUT seconds per wait (default 60).
set -eu

MARATHON_URL=${MARATHON_URL:-http://127.0.0.1:8080}
MESOS_URL=${MESOS_URL:-http://127.0.0.1:5050}
APP_ID=${APP_ID:-/walkthrough/postgres}
TIMEOUT=${TIMEOUT:-60}
APP_PATH=${APP_ID#/}

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }
http() {  # METHOD PATH [BODY] -> prints body; fails on a status >= 300
  _body=${3:-}
  if [ -n "$_body" ]; then
    _out=$(curl -sS -w '\n%{http_code}' -X "$1" -H 'Content-Type: application/json' -d "$_body" "$MARATHON_URL$2")
  else
    _out=$(curl -sS -w '\n%{http_code}' -X "$1" "$MARATHON_URL$2")
  fi
  _code=$(printf '%s\n' "$_out" | tail -n 1)
  printf '%s\n' "$_out" | sed '$d'
  [ "$_code" -lt 300 ] || fail "$1 $2 answered $_code"
}
field() {  # NAME < json -> every string value of "NAME"
  grep -o "\"$1\":\"[^\"]*\"" | sed "s/\"$1\":\"\\([^\"]*\\)\"/\\1/"
}
wait_deployment() {  # DEPLOYMENT_ID: wait until it leaves /v2/deployments
  _i=0
  while http GET /v2/deployments | grep -q "\"$1\""; do
    _i=$((_i + 1)); [ "$_i" -le $((TIMEOUT * 5)) ] || fail "deployment $1 did not finish"
    sleep 0.2
  done
}
deploy() {  # METHOD PATH [BODY] -> waits for the deployment named by the Marathon-Deployment-Id header
  _hdrs=$(mktemp)
  if [ -n "${3:-}" ]; then
    _code=$(curl -sS -o /dev/null -D "$_hdrs" -w '%{http_code}' -X "$1" -H 'Content-Type: application/json' -d "$3" "$MARATHON_URL$2")
  else
    _code=$(curl -sS -o /dev/null -D "$_hdrs" -w '%{http_code}' -X "$1" "$MARATHON_URL$2")
  fi
  _id=$(grep -i '^Marathon-Deployment-Id:' "$_hdrs" | sed 's/^[^:]*: *//' | tr -d '\r\n')
  rm -f "$_hdrs"
  [ "$_code" -lt 300 ] || fail "$1 $2 answered $_code"
  [ -n "$_id" ] || fail "$1 $2 returned no Marathon-Deployment-Id header"
  wait_deployment "$_id"
}
tasks() { http GET "/v2/apps/$APP_PATH/tasks"; }
count_running() { tasks | grep -o '"startedAt"' | wc -l | tr -d ' '; }
split_tasks() { tasks | sed 's/},{"appId"/}\n{"appId"/g'; }

WORK_DIR=$(curl -sS "$MESOS_URL/master/state" | grep -o '"work_dir":"[^"]*"' | head -n 1 | sed 's/.*:"\(.*\)"/\1/')
[ -n "$WORK_DIR" ] || fail "cannot read work_dir from $MESOS_URL/master/state"
ROLE=$(http GET /v2/info | field mesos_role)
volume_url() {  # AGENT_ID PERSISTENCE_ID FILE
  printf 'file://%s/agents/%s/volumes/roles/%s/%s/%s' "$WORK_DIR" "$1" "$ROLE" "$(printf '%s' "$2" | sed 's/#/%23/g')" "$3"
}
read_volume() { curl -sS "$(volume_url "$1" "$2" "$3")" 2>/dev/null; }

# Clean up a previous run.
if curl -sf "$MARATHON_URL/v2/apps/$APP_PATH" >/dev/null 2>&1; then
  deploy DELETE "/v2/apps/$APP_PATH"
fi

step "add $APP_ID with a local persistent volume 'pgdata'"
APP='{"id":"'"$APP_ID"'","instances":1,"cpus":0.1,"mem":64,"disk":0,
 "cmd":"test -f pgdata/PG_VERSION || echo \"initdb by $MESOS_TASK_ID\" > pgdata/PG_VERSION; echo \"started $MESOS_TASK_ID\" >> pgdata/server.log; exec sleep 100000",
 "container":{"type":"MESOS","volumes":[{"containerPath":"pgdata","mode":"RW","persistent":{"type":"root","size":64}}]},
 "upgradeStrategy":{"minimumHealthCapacity":0,"maximumOverCapacity":0}}'
deploy POST /v2/apps "$APP"
[ "$(count_running)" = 1 ] || fail "expected 1 running task after create"
AGENT=$(tasks | field slaveId | head -n 1)
PID=$(tasks | field persistenceId | head -n 1)
TASK1=$(tasks | field id | head -n 1)
echo "task $TASK1 on agent $AGENT, volume $PID"
i=0; until read_volume "$AGENT" "$PID" PG_VERSION | grep -q "initdb by $TASK1"; do
  i=$((i + 1)); [ "$i" -le 50 ] || fail "the task did not write to its volume"; sleep 0.1; done
BEFORE=$(read_volume "$AGENT" "$PID" PG_VERSION)
echo "volume holds: $BEFORE"

step "stop (instances 0): the task stays listed as suspended, the volume stays"
deploy PUT "/v2/apps/$APP_PATH" '{"instances":0}'
[ "$(count_running)" = 0 ] || fail "a task still runs after the stop"
tasks | grep -q "\"persistenceId\":\"$PID\"" || fail "suspended task not listed with its volume"
read_volume "$AGENT" "$PID" PG_VERSION | grep -q "initdb by $TASK1" || fail "volume data gone after the stop"

step "start (instances 1): relaunched on the same agent with the same volume and data"
deploy PUT "/v2/apps/$APP_PATH" '{"instances":1}'
[ "$(count_running)" = 1 ] || fail "expected 1 running task after the start"
[ "$(tasks | field slaveId | head -n 1)" = "$AGENT" ] || fail "relaunched on another agent"
[ "$(tasks | field persistenceId | head -n 1)" = "$PID" ] || fail "relaunched with another volume"
TASK2=$(tasks | field id | head -n 1)
[ "$TASK2" != "$TASK1" ] || fail "expected a new task incarnation"
[ "$(read_volume "$AGENT" "$PID" PG_VERSION)" = "$BEFORE" ] || fail "data written before the stop changed"
i=0; until read_volume "$AGENT" "$PID" server.log | grep -q "started $TASK2"; do
  i=$((i + 1)); [ "$i" -le 50 ] || fail "the relaunched task did not start on the old volume"; sleep 0.1; done
echo "after the start the volume still holds: $(read_volume "$AGENT" "$PID" PG_VERSION)"

step "scale to 2: a second instance gets its own reservation and volume"
deploy PUT "/v2/apps/$APP_PATH" '{"instances":2}'
[ "$(count_running)" = 2 ] || fail "expected 2 running tasks"
[ "$(tasks | field persistenceId | sort -u | wc -l | tr -d ' ')" = 2 ] || fail "expected 2 volumes"

step "scale to 1: one instance is suspended (no startedAt), its volume kept"
deploy PUT "/v2/apps/$APP_PATH" '{"instances":1}'
[ "$(count_running)" = 1 ] || fail "expected 1 running task"
[ "$(tasks | field persistenceId | wc -l | tr -d ' ')" = 2 ] || fail "expected the suspended task to be listed"
SUSPENDED=$(split_tasks | grep -v '"startedAt"' | field id | head -n 1)
SUSP_LINE=$(split_tasks | grep "\"id\":\"$SUSPENDED\"")
SUSP_AGENT=$(printf '%s' "$SUSP_LINE" | field slaveId)
SUSP_PID=$(printf '%s' "$SUSP_LINE" | field persistenceId)
[ -n "$SUSPENDED" ] || fail "no suspended task"
curl -sf "$(volume_url "$SUSP_AGENT" "$SUSP_PID" PG_VERSION)" >/dev/null || fail "suspended volume missing"

step "wipe the suspended task $SUSPENDED: reservation and volume are released"
http DELETE "/v2/apps/$APP_PATH/tasks/$SUSPENDED?wipe=true" >/dev/null
i=0; while tasks | grep -q "\"id\":\"$SUSPENDED\"" || curl -sf "$(volume_url "$SUSP_AGENT" "$SUSP_PID" PG_VERSION)" >/dev/null 2>&1; do
  i=$((i + 1)); [ "$i" -le $((TIMEOUT * 5)) ] || fail "wiped volume not released"; sleep 0.2; done
[ "$(count_running)" = 1 ] || fail "the running task must survive the wipe"

step "remove the app: everything is released"
REMAINING_AGENT=$(tasks | field slaveId | head -n 1)
REMAINING_PID=$(tasks | field persistenceId | head -n 1)
deploy DELETE "/v2/apps/$APP_PATH"
i=0; while curl -sf "$(volume_url "$REMAINING_AGENT" "$REMAINING_PID" PG_VERSION)" >/dev/null 2>&1; do
  i=$((i + 1)); [ "$i" -le $((TIMEOUT * 5)) ] || fail "volume not released after app delete"; sleep 0.2; done
if curl -sf "$MARATHON_URL/v2/apps/$APP_PATH" >/dev/null 2>&1; then fail "app still exists"; fi
if curl -sS "$MESOS_URL/master/slaves" | grep -q "$REMAINING_PID"; then fail "reservation still on the agent"; fi

echo "walkthrough OK"
