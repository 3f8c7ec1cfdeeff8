#!/usr/bin/env bash
# playbooks/marathon_external_volume.yml as the collection ships it, end to end: its first play renders the REX-Ray
# configuration, a private emulator (zones us-east-1a/b, EBS in a moto_server) starts from that file, the
# rest of the playbook runs against it.
set -eux
rexray_dir="$(mktemp -d "${TMPDIR:-/tmp}/extvol-playbook.XXXXXX")"
ansible-playbook -i "$INVENTORY_PATH" dcos.stateful.marathon_external_volume --tags rexray_config \
    -e "rexray_config_dest=$rexray_dir/rexray.yml" "$@"
grep -q preempt "$rexray_dir/rexray.yml"
EXTVOL_REXRAY_CONFIG="$rexray_dir/rexray.yml"
export EXTVOL_REXRAY_CONFIG
# shellcheck source=../setup_extvol_cluster/start_cluster.sh
source ../setup_extvol_cluster/start_cluster.sh
trap 'extvol_stop; rm -rf "$rexray_dir"' EXIT
ansible-playbook -i "$INVENTORY_PATH" dcos.stateful.marathon_external_volume --skip-tags rexray_config \
    -e "marathon_url=$EXTVOL_MARATHON_URL" -e "mesos_url=$EXTVOL_MESOS_URL" -e "aws_endpoint_url=$EXTVOL_AWS_URL" \
    -e aws_access_key=testing -e aws_secret_key=testing "$@"
