# -*- coding: utf-8 -*-
# Copyright: dcos.stateful contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# PRIVATE: internal to dcos.stateful; no compatibility guarantees.
"""The IAM calls behind rexray_iam_policy: one class owns the boto3 client and its errors.

Decisions (create/update/attach) come from _rexray/iam.py; this file only reads
and writes. Every botocore error becomes ``IamError`` with the action that failed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import traceback

from urllib.parse import unquote, urlsplit

try:
    import boto3
    import botocore.config
    import botocore.exceptions
    import botocore.parsers
    HAS_BOTO3 = True
    BOTO3_IMPORT_ERROR = None
except ImportError:
    HAS_BOTO3 = False
    BOTO3_IMPORT_ERROR = traceback.format_exc()

from ansible_collections.dcos.stateful.plugins.module_utils._rexray.iam import (
    plan_attachments,
    plan_policy,
    policy_json,
    version_to_prune,
)


class IamError(Exception):
    def __init__(self, message, code=None):
        super(IamError, self).__init__(message)
        self.code = code


def _decode_document(document):
    # botocore decodes policy documents to dicts; older ones return URL-encoded JSON text.
    if isinstance(document, str):
        return json.loads(unquote(document))
    return document


class IamClient:
    """Thin wrapper around the boto3 IAM client with failures turned into IamError."""

    def __init__(self, endpoint_url=None, region=None, access_key=None, secret_key=None, session_token=None):
        session = boto3.session.Session(
            aws_access_key_id=access_key, aws_secret_access_key=secret_key, aws_session_token=session_token,
            region_name=region,
        )
        # botocore's standard mode: bounded, jittered retries of throttling and transient errors only.
        config = botocore.config.Config(retries={'mode': 'standard', 'max_attempts': 5})
        try:
            # botocore splits the URL only when it signs the first request: a bad port ("Port out of range")
            # would surface then as a traceback, so it is checked here
            _port = urlsplit(endpoint_url or '').port  # noqa: F841
            self.client = session.client('iam', endpoint_url=endpoint_url, config=config)
        except ValueError as exc:  # "Invalid endpoint: leader.mesos" (no scheme)
            raise IamError('aws_endpoint_url: %s' % exc)

    def _call(self, action, **kwargs):
        try:
            return getattr(self.client, action)(**kwargs)
        except botocore.exceptions.ClientError as exc:
            error = exc.response.get('Error', {})
            raise IamError('IAM %s failed: %s: %s' % (action, error.get('Code'), error.get('Message')), error.get('Code'))
        except botocore.exceptions.BotoCoreError as exc:
            raise IamError('IAM %s failed: %s' % (action, exc))
        except botocore.parsers.ResponseParserError as exc:
            # not a BotoCoreError: an endpoint that answers something other than IAM's XML (an HTML page...)
            raise IamError('IAM %s failed: the endpoint did not answer like IAM (%s)' % (action, exc))

    def find_policy(self, name, path):
        """The local managed policy called ``name`` under ``path``, or None."""
        marker = None
        while True:
            kwargs = dict(Scope='Local', PathPrefix=path)
            if marker:
                kwargs['Marker'] = marker
            page = self._call('list_policies', **kwargs)
            for policy in page.get('Policies', []):
                if policy['PolicyName'] == name and policy.get('Path', '/') == path:
                    return policy
            if not page.get('IsTruncated'):
                return None
            marker = page.get('Marker')

    def default_document(self, policy):
        version = self._call('get_policy_version', PolicyArn=policy['Arn'], VersionId=policy['DefaultVersionId'])
        try:
            return _decode_document(version['PolicyVersion']['Document'])
        except (KeyError, ValueError) as exc:
            raise IamError('IAM get_policy_version returned no readable policy document (%s)' % exc)

    def attached_roles(self, policy_arn):
        roles, marker = [], None
        while True:
            kwargs = dict(PolicyArn=policy_arn, EntityFilter='Role')
            if marker:
                kwargs['Marker'] = marker
            page = self._call('list_entities_for_policy', **kwargs)
            roles.extend(r['RoleName'] for r in page.get('PolicyRoles', []))
            if not page.get('IsTruncated'):
                return roles
            marker = page.get('Marker')

    def require_roles(self, role_names):
        for role in role_names:
            try:
                self._call('get_role', RoleName=role)
            except IamError as exc:
                if exc.code == 'NoSuchEntity':
                    raise IamError('IAM role %s does not exist; create the agents\' role first' % role, exc.code)
                raise


def ensure_present(iam, name, path, description, document, role_names, check_mode):
    """Create or update the managed policy and attach it; returns a result dict."""
    iam.require_roles(role_names)
    policy = iam.find_policy(name, path)
    before = iam.default_document(policy) if policy else None
    action = plan_policy(before, document)
    result = dict(changed=action != 'none', policy_action=action, before=before,
                  policy_arn=policy['Arn'] if policy else None,
                  policy_version=policy['DefaultVersionId'] if policy else None)
    if action == 'create' and not check_mode:
        kwargs = dict(PolicyName=name, Path=path, PolicyDocument=policy_json(document))
        if description:
            kwargs['Description'] = description
        policy = iam._call('create_policy', **kwargs)['Policy']
        result.update(policy_arn=policy['Arn'], policy_version=policy['DefaultVersionId'])
    elif action == 'update' and not check_mode:
        versions = iam._call('list_policy_versions', PolicyArn=policy['Arn'])['Versions']
        prune = version_to_prune(versions)
        if prune:
            iam._call('delete_policy_version', PolicyArn=policy['Arn'], VersionId=prune)
        version = iam._call('create_policy_version', PolicyArn=policy['Arn'], PolicyDocument=policy_json(document),
                            SetAsDefault=True)['PolicyVersion']
        result['policy_version'] = version['VersionId']

    attached = iam.attached_roles(result['policy_arn']) if result['policy_arn'] and policy else []
    to_attach = plan_attachments(attached, role_names)
    for role in to_attach:
        if not check_mode:
            iam._call('attach_role_policy', RoleName=role, PolicyArn=result['policy_arn'])
    result['attached_roles'] = sorted(set(attached) | set(role_names))
    result['roles_attached_now'] = to_attach
    result['changed'] = result['changed'] or bool(to_attach)
    return result


def ensure_absent(iam, name, path, check_mode):
    """Detach the policy from every role, user and group, then delete it and its versions."""
    policy = iam.find_policy(name, path)
    if policy is None:
        return dict(changed=False, policy_action='none', before=None, policy_arn=None, attached_roles=[])
    before = iam.default_document(policy)
    arn = policy['Arn']
    entities = iam._call('list_entities_for_policy', PolicyArn=arn)
    roles = [r['RoleName'] for r in entities.get('PolicyRoles', [])]
    if not check_mode:
        for role in roles:
            iam._call('detach_role_policy', RoleName=role, PolicyArn=arn)
        for user in entities.get('PolicyUsers', []):
            iam._call('detach_user_policy', UserName=user['UserName'], PolicyArn=arn)
        for group in entities.get('PolicyGroups', []):
            iam._call('detach_group_policy', GroupName=group['GroupName'], PolicyArn=arn)
        for version in iam._call('list_policy_versions', PolicyArn=arn)['Versions']:
            if not version.get('IsDefaultVersion'):
                iam._call('delete_policy_version', PolicyArn=arn, VersionId=version['VersionId'])
        iam._call('delete_policy', PolicyArn=arn)
    return dict(changed=True, policy_action='delete', before=before, policy_arn=arn, detached_roles=roles,
                attached_roles=[])
