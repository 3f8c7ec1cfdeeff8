# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Paired one-to-one with AWS_ARGSPEC in plugins/module_utils/_ext_volumes/spec.py.
    # Names, aliases and environment variables as amazon.aws (module_defaults can be shared with it).
    DOCUMENTATION = r'''
options:
  region:
    description:
      - AWS region of the EBS volumes, for example V(us-east-1).
      - If not set, the value of the E(AWS_REGION) or E(AWS_DEFAULT_REGION) environment variable is used.
    type: str
    aliases: [aws_region]
  endpoint_url:
    description:
      - URL of the EC2 endpoint, for example a local C(moto_server) in tests. Defaults to the AWS endpoint of
        O(region).
      - If not set, the value of the E(AWS_URL) environment variable is used.
    type: str
    aliases: [aws_endpoint_url]
  access_key:
    description:
      - AWS access key id. If not set, the value of E(AWS_ACCESS_KEY_ID) or E(AWS_ACCESS_KEY) is used; without
        any, boto3 looks as usual (shared credentials file, instance profile).
      - Mutually exclusive with O(profile); requires O(secret_key).
    type: str
    aliases: [aws_access_key_id, aws_access_key]
  secret_key:
    description:
      - AWS secret access key. If not set, the value of E(AWS_SECRET_ACCESS_KEY) or E(AWS_SECRET_KEY) is used.
      - Never shown in any output.
    type: str
    aliases: [aws_secret_access_key, aws_secret_key]
  session_token:
    description:
      - AWS session token of temporary credentials. If not set, the value of E(AWS_SESSION_TOKEN) is used.
    type: str
    aliases: [aws_session_token]
  profile:
    description:
      - Named profile of the AWS shared configuration. If not set, the value of E(AWS_PROFILE) or
        E(AWS_DEFAULT_PROFILE) is used.
      - Mutually exclusive with O(access_key), O(secret_key) and O(session_token).
    type: str
    aliases: [aws_profile]
  aws_ca_bundle:
    description:
      - CA bundle used to verify the EC2 endpoint's certificate. If not set, the value of E(AWS_CA_BUNDLE) is used.
    type: path
requirements:
  - boto3 (for the EC2 calls)
notes:
  - EC2 calls use botocore's C(standard) retry mode (at most 5 attempts, jittered, throttling and transient errors
    only).
'''

    # Paired with REXRAY_ARGSPEC in plugins/module_utils/_ext_volumes/spec.py.
    REXRAY = r'''
options:
  ebs_tag:
    description:
      - REX-Ray's C(ebs.tag) (C(aws.rexrayTag) in REX-Ray 0.3.x), as in its configuration on the agents.
      - With it, REX-Ray names the EBS volume of volume C(<name>) with the tag C(Name=<ebs_tag>/<name>) and ignores
        EBS volumes whose C(Name) lacks the prefix; these modules do the same.
    type: str
    aliases: [rexray_tag_prefix]
'''

    # Attribute for modules that belong to the action group (meta/runtime.yml: aws).
    ACTIONGROUP_AWS = r'''
attributes:
  action_group:
    description: Use C(group/dcos.stateful.aws) in C(module_defaults) to set the AWS options once.
    support: full
    membership:
      - dcos.stateful.aws
'''
