# -*- coding: utf-8 -*-
# Copyright: dcos.stateful contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# PRIVATE: internal to dcos.stateful; no compatibility guarantees.
"""The keys each REX-Ray configuration format understands.

Two formats exist (see docs/rexray_and_genconf.md):

* ``0.3``: REX-Ray 0.3.x (``rexray.storageDrivers``, ``rexray.volume.*``, ``aws.*``);
  DC/OS 1.8 and 1.9 ship v0.3.3.
* ``libstorage``: REX-Ray 0.4 and later, with libStorage (``libstorage.*``, ``ebs.*``);
  DC/OS 1.10 to 2.2 ship 0.9.0 / 0.11.x.

Keys are dotted paths. REX-Ray reads its file through viper, which folds case, so every
comparison here is case-insensitive; the canonical spelling is the one written out.
A pattern segment ``*`` matches one segment (a module or service name); a trailing
``**`` accepts anything below (driver sections we do not validate).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

FORMAT_03 = '0.3'
FORMAT_LIBSTORAGE = 'libstorage'
FORMATS = (FORMAT_03, FORMAT_LIBSTORAGE)

LOG_LEVELS = ('panic', 'fatal', 'error', 'warn', 'info', 'debug')

# Value kinds checked for pass-through keys: bool, int, str, list, any.
_MODULE_KEYS = (
    ('rexray.modules.*.type', 'str'),
    ('rexray.modules.*.host', 'str'),
    ('rexray.modules.*.spec', 'str'),
    ('rexray.modules.*.disabled', 'bool'),
    ('rexray.modules.*.desc', 'str'),
)

KEYS_03 = (
    ('rexray.logLevel', 'str'),
    ('rexray.storageDrivers', 'list'),
    ('rexray.osDrivers', 'list'),
    ('rexray.volumeDrivers', 'list'),
) + _MODULE_KEYS + (
    ('rexray.volume.mount.preempt', 'bool'),
    ('rexray.volume.unmount.ignoreusedcount', 'bool'),
    ('rexray.volume.remove.disable', 'bool'),
    ('rexray.volume.create.disable', 'bool'),
    ('rexray.volume.path.disableCache', 'bool'),
    ('linux.volume.rootPath', 'str'),
    ('linux.volume.fileMode', 'any'),
    ('docker.size', 'int'),
    ('docker.volumeType', 'str'),
    ('docker.iops', 'int'),
    ('docker.fsType', 'str'),
    ('docker.availabilityZone', 'str'),
    ('aws.accessKey', 'str'),
    ('aws.secretKey', 'str'),
    ('aws.region', 'str'),
    ('aws.rexrayTag', 'str'),
    # Other 0.3.x storage drivers: sections accepted, contents not validated.
    ('gce.**', 'any'),
    ('isilon.**', 'any'),
    ('openstack.**', 'any'),
    ('rackspace.**', 'any'),
    ('scaleio.**', 'any'),
    ('virtualbox.**', 'any'),
    ('vmax.**', 'any'),
    ('xtremio.**', 'any'),
)

_OPS = 'libstorage.integration.volume.operations'

_AWS_COMMON = ('accessKey', 'secretKey', 'region', 'tag', 'statusMaxAttempts', 'statusInitialDelay', 'statusTimeout')

KEYS_LIBSTORAGE = (
    ('rexray.logLevel', 'str'),
    ('rexray.service', 'str'),
) + _MODULE_KEYS + (
    # a Docker module bound to one service: rexray.modules.<name>.libstorage.service
    ('rexray.modules.*.libstorage.**', 'any'),
    ('libstorage.service', 'str'),
    ('libstorage.host', 'str'),
    ('libstorage.embedded', 'bool'),
    ('libstorage.client.type', 'str'),
    ('libstorage.client.tls', 'any'),
    ('libstorage.client.tls.**', 'any'),
    ('libstorage.server.endpoints.*.address', 'str'),
    ('libstorage.server.endpoints.*.tls.**', 'any'),
    ('libstorage.server.services.*.driver', 'str'),
    ('libstorage.server.services.*.**', 'any'),
    ('libstorage.server.tasks.logTimeout', 'str'),
    ('libstorage.server.auth.**', 'any'),
    ('libstorage.logging.level', 'str'),
    ('libstorage.logging.httpRequests', 'bool'),
    ('libstorage.logging.httpResponses', 'bool'),
    (_OPS + '.mount.preempt', 'bool'),
    (_OPS + '.mount.path', 'str'),
    (_OPS + '.mount.rootPath', 'str'),
    (_OPS + '.unmount.ignoreusedcount', 'bool'),
    (_OPS + '.create.disable', 'bool'),
    (_OPS + '.create.default.size', 'int'),
    (_OPS + '.create.default.iops', 'int'),
    (_OPS + '.create.default.type', 'str'),
    (_OPS + '.create.default.fsType', 'str'),
    (_OPS + '.create.default.availabilityZone', 'str'),
    (_OPS + '.remove.disable', 'bool'),
    (_OPS + '.remove.force', 'bool'),
    (_OPS + '.path.cache.enabled', 'bool'),
    (_OPS + '.path.cache.async', 'bool'),
) + tuple(('ebs.' + k, 'str') for k in _AWS_COMMON) + (
    ('ebs.endpoint', 'str'),
    ('ebs.maxRetries', 'int'),
    ('ebs.kmsKeyID', 'str'),
    ('ebs.useLargeDeviceRange', 'bool'),
    ('ebs.nvmeBinPath', 'str'),
) + tuple(('efs.' + k, 'str') for k in _AWS_COMMON) + (
    ('efs.securityGroups', 'list'),
    ('efs.disableSessionCache', 'bool'),
    # Other libStorage drivers: sections accepted, contents not validated.
    ('azureud.**', 'any'),
    ('cinder.**', 'any'),
    ('dobs.**', 'any'),
    ('fittedcloud.**', 'any'),
    ('gcepd.**', 'any'),
    ('isilon.**', 'any'),
    ('rbd.**', 'any'),
    ('s3fs.**', 'any'),
    ('scaleio.**', 'any'),
    ('vbox.**', 'any'),
    ('virtualbox.**', 'any'),
    ('vfs.**', 'any'),
)

CATALOGUES = {FORMAT_03: KEYS_03, FORMAT_LIBSTORAGE: KEYS_LIBSTORAGE}

# Storage drivers each format knows (0.3.x calls the EBS driver "ec2").
DRIVERS = {
    FORMAT_03: ('ec2', 'gce', 'isilon', 'openstack', 'rackspace', 'scaleio', 'virtualbox', 'vmax', 'xtremio'),
    FORMAT_LIBSTORAGE: ('azureud', 'cinder', 'dobs', 'ebs', 'efs', 'fittedcloud', 'gcepd', 'isilon', 'rbd', 's3fs',
                        'scaleio', 'vbox', 'virtualbox', 'vfs'),
}
# Drivers the region and credential options apply to.
AWS_DRIVERS = ('ec2', 'ebs', 'efs')

# libStorage copies these old keys into the new ones when the new one is unset
# (types_config_compat.go), so they work but should be migrated: accepted with a warning.
BACKCOMPAT_LIBSTORAGE = (
    ('volume.mount.preempt', _OPS + '.mount.preempt'),
    ('volume.create.disable', _OPS + '.create.disable'),
    ('volume.remove.disable', _OPS + '.remove.disable'),
    ('volume.unmount.ignoreusedcount', _OPS + '.unmount.ignoreusedcount'),
    ('volume.path.cache', _OPS + '.path.cache.enabled'),
    ('docker.fsType', _OPS + '.create.default.fsType'),
    ('docker.volumeType', _OPS + '.create.default.type'),
    ('docker.iops', _OPS + '.create.default.iops'),
    ('docker.size', _OPS + '.create.default.size'),
    ('docker.availabilityZone', _OPS + '.create.default.availabilityZone'),
    ('docker.mountDirPath', _OPS + '.mount.path'),
    ('linux.volume.rootPath', _OPS + '.mount.rootPath'),
    ('rexray.storageDrivers', 'libstorage.service'),
) + tuple(('aws.' + k, 'ebs.' + k) for k in _AWS_COMMON) + tuple(('ec2.' + k, 'ebs.' + k) for k in _AWS_COMMON)

# Keys REX-Ray silently ignores, mapped to the key that does what the user meant.
# Each entry: (regex on the lower-cased key, replacement template, why).
_MISPLACED_LIBSTORAGE = (
    (r'^libstorage\.integration\.volume\.(mount|unmount|create|remove|path)\.(.+)$',
     _OPS + r'.\1.\2', 'lacks the "operations" level'),
    (r'^rexray\.volume\.(mount|unmount|create|remove|path)\.(.+)$',
     _OPS + r'.\1.\2', 'is the REX-Ray 0.3.x spelling, which libStorage does not map'),
    (r'^libstorage\.volume\.operations\.(.+)$', _OPS + r'.\1', 'lacks the "integration" level'),
    (r'^libstorage\.integration\.volume\.operations\.create\.(size|iops|type|fstype|availabilityzone|volumetype)$',
     _OPS + r'.create.default.\1', 'lacks the "default" level'),
    (r'^rexray\.storagedriver$', 'libstorage.service', 'is not a libStorage key'),
)

_MISPLACED_03 = (
    (r'^libstorage\.integration\.volume\.(?:operations\.)?(mount|unmount|create|remove)\.(.+)$',
     r'rexray.volume.\1.\2', 'is a libStorage (REX-Ray 0.4+) key; 0.3.x ignores it'),
    (r'^libstorage\.service$', 'rexray.storageDrivers', 'is a libStorage (REX-Ray 0.4+) key; 0.3.x ignores it'),
    (r'^rexray\.service$', 'rexray.storageDrivers', 'is a REX-Ray 0.4+ key; 0.3.x ignores it'),
    (r'^ebs\.(accesskey|secretkey|region)$', r'aws.\1', 'is the REX-Ray 0.4+ driver section; 0.3.x reads aws.*'),
    (r'^ec2\.(accesskey|secretkey|region)$', r'aws.\1', 'is not read by REX-Ray 0.3.x; it reads aws.*'),
    (r'^volume\.(mount|unmount|create|remove)\.(.+)$', r'rexray.volume.\1.\2', 'lacks the "rexray" level'),
    (r'^rexray\.volume\.(mount|unmount|create|remove)\.operations\.(.+)$', r'rexray.volume.\1.\2',
     'has a libStorage "operations" level that 0.3.x does not use'),
    (r'^rexray\.storagedriver$', 'rexray.storageDrivers', 'is misspelled (a list named storageDrivers)'),
)

MISPLACED = {
    FORMAT_03: tuple((re.compile(p), r, w) for p, r, w in _MISPLACED_03),
    FORMAT_LIBSTORAGE: tuple((re.compile(p), r, w) for p, r, w in _MISPLACED_LIBSTORAGE),
}


def format_for_version(version):
    """REX-Ray version string -> configuration format ('0.3' for 0.3.x, else 'libstorage')."""
    parts = re.findall(r'\d+', str(version))
    if len(parts) < 2:
        raise ValueError('REX-Ray version %r is not of the form MAJOR.MINOR[.PATCH]' % (version,))
    major, minor = int(parts[0]), int(parts[1])
    if (major, minor) < (0, 3):
        raise ValueError('REX-Ray %s is older than 0.3 and not supported' % (version,))
    return FORMAT_03 if (major, minor) < (0, 4) else FORMAT_LIBSTORAGE


def canonical_spelling(fmt):
    """Map of lower-cased exact key -> (canonical key, kind) for one format (no wildcards)."""
    return dict((k.lower(), (k, kind)) for k, kind in CATALOGUES[fmt] if '*' not in k)


def wildcard_patterns(fmt):
    """[(compiled regex, canonical pattern, kind)] for the wildcard entries of one format."""
    out = []
    for key, kind in CATALOGUES[fmt]:
        if '*' not in key:
            continue
        parts = []
        for seg in key.lower().split('.'):
            if seg == '**':
                parts.append(r'.+')
            elif seg == '*':
                parts.append(r'[^.]+')
            else:
                parts.append(re.escape(seg))
        out.append((re.compile('^' + r'\.'.join(parts) + '$'), key, kind))
    return out
