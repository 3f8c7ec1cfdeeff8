# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: internal to dcos.stateful.

"""Options shared by external_volume_info and external_volume.

AWS_ARGSPEC is paired one-to-one with plugins/doc_fragments/aws.py (DOCUMENTATION): the names, aliases and
environment variables of amazon.aws (``region``, ``endpoint_url``, ``access_key``, ``secret_key``,
``session_token``, ``profile``, ``aws_ca_bundle``), so a ``module_defaults`` block or an environment set up for
amazon.aws works here too. REXRAY_ARGSPEC is paired with its ``REXRAY`` attribute.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import env_fallback

AWS_ARGSPEC = dict(
    region=dict(type='str', aliases=['aws_region'], fallback=(env_fallback, ['AWS_REGION', 'AWS_DEFAULT_REGION'])),
    endpoint_url=dict(type='str', aliases=['aws_endpoint_url'], fallback=(env_fallback, ['AWS_URL'])),
    # The access key id names the key, it is not the secret (as in amazon.aws); the secret and the token are.
    access_key=dict(type='str', aliases=['aws_access_key_id', 'aws_access_key'], no_log=False,
                    fallback=(env_fallback, ['AWS_ACCESS_KEY_ID', 'AWS_ACCESS_KEY'])),
    secret_key=dict(type='str', aliases=['aws_secret_access_key', 'aws_secret_key'], no_log=True,
                    fallback=(env_fallback, ['AWS_SECRET_ACCESS_KEY', 'AWS_SECRET_KEY'])),
    session_token=dict(type='str', aliases=['aws_session_token'], no_log=True,
                       fallback=(env_fallback, ['AWS_SESSION_TOKEN'])),
    profile=dict(type='str', aliases=['aws_profile'], fallback=(env_fallback, ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE'])),
    aws_ca_bundle=dict(type='path', fallback=(env_fallback, ['AWS_CA_BUNDLE'])),
)
# As amazon.aws: a named profile brings its own keys.
AWS_MUTUALLY_EXCLUSIVE = [['profile', 'access_key'], ['profile', 'secret_key'], ['profile', 'session_token']]
AWS_REQUIRED_TOGETHER = [['access_key', 'secret_key']]

REXRAY_ARGSPEC = dict(
    ebs_tag=dict(type='str', aliases=['rexray_tag_prefix']),
)


def aws_params(params):
    """The AWS connection options out of a module's params (ec2.Ec2 takes them as keywords); an empty option
    (a play's variable left empty) is not set, so boto3's own lookup applies."""
    return dict((key, params.get(key) or None) for key in AWS_ARGSPEC)


def full_name(name, ebs_tag):
    """The EC2 ``Name`` tag REX-Ray gives volume ``name``: ``<ebs.tag>/<name>`` with a tag, else the name."""
    return '%s/%s' % (ebs_tag, name) if ebs_tag else name


def short_name(tag_value, ebs_tag):
    """The REX-Ray volume name of an EC2 ``Name`` tag, or None when REX-Ray (with that ``ebs.tag``) ignores it."""
    if not isinstance(tag_value, str) or not tag_value:
        return None
    if not ebs_tag:
        return tag_value
    prefix = ebs_tag + '/'
    if not tag_value.startswith(prefix) or len(tag_value) == len(prefix):
        return None
    return tag_value[len(prefix):]
