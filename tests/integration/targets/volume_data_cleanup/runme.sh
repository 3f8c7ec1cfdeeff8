#!/usr/bin/env bash
# The role runs per agent host, so this target brings its own inventory: the emulator's agents are
# distinct loopback addresses (127.0.1.1, ...) reached with a local connection, plus one host that is not an agent.
set -eux
ansible-playbook -i inventory.yml playbook.yml -e @../../integration_config.yml "$@"
