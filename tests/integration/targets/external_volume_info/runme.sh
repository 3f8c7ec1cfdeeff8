#!/usr/bin/env bash
# external_volume_info against its own emulator (zones us-east-1a/b, EBS in a moto_server it starts): every
# status reached with real EBS volumes, tasks and apps.
set -eux
# shellcheck source=../setup_extvol_cluster/start_cluster.sh
source ../setup_extvol_cluster/start_cluster.sh
ansible-playbook -i "$INVENTORY_PATH" playbook.yml -e "marathon_url=$EXTVOL_MARATHON_URL" \
    -e "mesos_url=$EXTVOL_MESOS_URL" -e "aws_url=$EXTVOL_AWS_URL" "$@"
