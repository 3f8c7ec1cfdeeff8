#!/usr/bin/env bash
# external_volume against its own emulator (zones us-east-1a/b, EBS in a moto_server it starts): create,
# idempotence, twins refused, deletes guarded by EC2 state and Marathon references, check mode writing nothing.
set -eux
# shellcheck source=../setup_extvol_cluster/start_cluster.sh
source ../setup_extvol_cluster/start_cluster.sh
ansible-playbook -i "$INVENTORY_PATH" playbook.yml -e "marathon_url=$EXTVOL_MARATHON_URL" \
    -e "mesos_url=$EXTVOL_MESOS_URL" -e "aws_url=$EXTVOL_AWS_URL" "$@"
