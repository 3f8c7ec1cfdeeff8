#!/bin/sh
# External volume walkthrough with curl, boto3 and the emulator, on the `hello` app of the external-volumes
# facts (Marathon's system-test external-volume-mesos-app, pinned to one zone): write data, stop its agent,
# see the task and its data come back on the other agent of the same zone, scale to 0 and back, remove the
# app and find the EBS volume still `available` in EC2. Exits non-zero on any failure.
#
# Needs a moto_server and an emulator started like this (see emulator/README.md "External volumes"):
#   moto_server -p 5000 &
#   AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 \
#     dcos-emulator --agents 4 --zones us-east-1a,us-east-1b --rexray-config emulator/examples/rexray.yml \
#     --aws-endpoint-url http://127.0.0.1:5000
#   MARATHON_URL (default http://127.0.0.1:8080), MESOS_URL (default http://127.0.0.1:5050),
#   AWS_ENDPOINT_URL (default http://127.0.0.1:5000), PYTHON (default python3, with boto3), TIMEOUT (60).
set -eu

MARATHON_URL=${MARATHON_URL:-http://127.0.0.1:8080}
MESOS_URL=${MESOS_URL:-http://127.0.0.1:5050}
AWS_ENDPOINT_URL=${AWS_ENDPOINT_URL:-http://127.0.0.1:5000}
PYTHON=${PYTHON:-python3}
TIMEOUT=${TIMEOUT:-60}
export AWS_ENDPOINT_URL

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }
json() {  # URL PYTHON-EXPRESSION-ON-d -> prints the value
  curl -sSf "$1" | "$PYTHON" -c "import json,sys; d=json.load(sys.stdin); print($2)"
}
until_ok() {  # DESCRIPTION COMMAND...: retry the command until it succeeds
  _what=$1; shift; _i=0
  until "$@" >/dev/null 2>&1; do
    _i=$((_i + 1)); [ "$_i" -le $((TIMEOUT * 4)) ] || fail "timed out: $_what"; sleep 0.25
  done
}
ebs_state() {  # the EC2 state of the EBS volume tagged Name=marathon-si-test-vol, as boto3 sees it
  "$PYTHON" -c "
import boto3, os
ec2 = boto3.client('ec2', endpoint_url=os.environ['AWS_ENDPOINT_URL'], region_name='us-east-1')
[v] = ec2.describe_volumes(Filters=[{'Name': 'tag:Name', 'Values': ['marathon-si-test-vol']}])['Volumes']
print(v['State'], v['Size'], v['AvailabilityZone'])"
}
running_task() {  # prints "<task id> <agent id>" of the running task, fails if none
  json "$MARATHON_URL/v2/apps/hello/tasks" \
    "' '.join(next(t['id']+' '+t['slaveId'] for t in d['tasks'] if t['state']=='TASK_RUNNING').split())"
}
lines() {  # how many lines the tasks wrote to the volume (read in its data directory)
  _dir=$(json "$MARATHON_URL/emulator/volumes" "d['volumes'][0]['dataDir']")
  if [ -f "$_dir/hello" ]; then wc -l < "$_dir/hello" | tr -d ' '; else echo 0; fi
}
zone_of() { json "$MESOS_URL/master/slaves" "next(s['domain']['fault_domain']['zone']['name'] for s in d['slaves'] if s['id']=='$1')"; }
lines_at_least() { [ "$(lines)" -ge "$1" ]; }
ebs_is() { ebs_state | grep -q "^$1 "; }
has_running() { running_task; }
replaced() { running_task | grep -qv "^$1 "; }

step "create /hello (1 GiB external volume marathon-si-test-vol, zone us-east-1a)"
# shellcheck disable=SC2016 # $MESOS_TASK_ID is for the task's shell, not this one
curl -sSf -X POST -H 'Content-Type: application/json' "$MARATHON_URL/v2/apps" -d '{
  "id": "/hello", "instances": 1, "cpus": 0.1, "mem": 32,
  "cmd": "echo hello from $MESOS_TASK_ID >> test-rexray-volume/hello && exec sleep 100000",
  "constraints": [["@zone", "IS", "us-east-1a"]],
  "container": {"type": "MESOS", "volumes": [{"containerPath": "test-rexray-volume", "mode": "RW",
    "external": {"size": 1, "name": "marathon-si-test-vol", "provider": "dvdi",
                 "options": {"dvdi/driver": "rexray"}}}]},
  "upgradeStrategy": {"minimumHealthCapacity": 0, "maximumOverCapacity": 0}}' >/dev/null
until_ok "task running" has_running
until_ok "data written" lines_at_least 1
TASK=$(running_task); FIRST_TASK=${TASK% *}; FIRST_AGENT=${TASK#* }
echo "task $FIRST_TASK on $FIRST_AGENT ($(zone_of "$FIRST_AGENT")); EBS: $(ebs_state)"
ebs_is in-use || fail "the EBS volume is not in-use"

step "stop agent $FIRST_AGENT: the task is replaced in the same zone, the volume is preempted"
curl -sSf -X POST "$MARATHON_URL/emulator/agents/$FIRST_AGENT/stop" >/dev/null
until_ok "replacement task" replaced "$FIRST_TASK"
until_ok "data written again" lines_at_least 2
TASK=$(running_task); SECOND_AGENT=${TASK#* }
[ "$SECOND_AGENT" != "$FIRST_AGENT" ] || fail "replacement on the stopped agent"
[ "$(zone_of "$SECOND_AGENT")" = us-east-1a ] || fail "replacement left the volume's zone"
echo "now on $SECOND_AGENT; the volume holds $(lines) lines (the first from $FIRST_TASK)"
curl -sSf -X POST "$MARATHON_URL/emulator/agents/$FIRST_AGENT/start" >/dev/null

step "scale to 0: the volume is detached (available), data kept"
curl -sSf -X PUT -H 'Content-Type: application/json' "$MARATHON_URL/v2/apps/hello" -d '{"instances": 0}' >/dev/null
until_ok "EBS available" ebs_is available
step "scale to 1: attached again, the data is there"
curl -sSf -X PUT -H 'Content-Type: application/json' "$MARATHON_URL/v2/apps/hello" -d '{"instances": 1}' >/dev/null
until_ok "data written a third time" lines_at_least 3
ebs_is in-use || fail "the EBS volume is not in-use after scale-up"

step "remove the app: the volume stays, available"
curl -sSf -X DELETE "$MARATHON_URL/v2/apps/hello" >/dev/null
until_ok "EBS available after delete" ebs_is available
echo "EBS: $(ebs_state); $(lines) lines kept"
echo "OK"
