# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # Check mode over several tasks: a task that depends on an instance an earlier task would create.
    DOCUMENTATION = r"""
options:
  instance_predicted:
    description:
      - For check mode only. The KMS instance is one that an earlier task of the same check run would create
        (M(ibmcloud.kms.kms_instance) in check mode returns it without a guid), so it cannot be read yet; the module
        then predicts its own change in that instance (C(changed) and the diff) instead of failing, and reads nothing
        of the instance. What the instance does not decide (for example existing service-wide policies) is still read.
      - Give the instance by the name it would get.
      - Without check mode this option has no effect, since the instance exists by then.
    type: bool
    default: false
    version_added: 0.2.0
"""
