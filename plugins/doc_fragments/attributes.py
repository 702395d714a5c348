# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # Modules that change resources.
    DOCUMENTATION = r"""
attributes:
  check_mode:
    description: Can run in check mode and return the changed status it predicts without changing anything.
    support: full
  diff_mode:
    description: Returns the resource before and after the change (or the predicted change in check mode) in diff mode.
    support: full
  action_group:
    description: Use C(group/ibmcloud.kms.ibmcloud) in C(module_defaults) to set the shared options.
    support: full
    membership:
      - ibmcloud.kms.ibmcloud
"""

    # Modules that only read.
    INFO_MODULE = r"""
attributes:
  check_mode:
    description: Only reads, so it runs the same in check mode.
    support: full
  diff_mode:
    description: Changes nothing, so there is no diff.
    support: N/A
  action_group:
    description: Use C(group/ibmcloud.kms.ibmcloud) in C(module_defaults) to set the shared options.
    support: full
    membership:
      - ibmcloud.kms.ibmcloud
"""
