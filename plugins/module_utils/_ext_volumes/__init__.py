# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: internal to dcos.stateful. External (DVDI / REX-Ray / EBS) volumes: the audit join (join.py),
# the EBS plan of external_volume (plan.py), the boto3 access (ec2.py) and the shared options (spec.py).
