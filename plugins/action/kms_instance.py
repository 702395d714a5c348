# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs the module ibmcloud.kms.kms_instance and shows what it waits for while it waits
(see plugin_utils/_progress.py)."""

from __future__ import annotations

from ansible_collections.ibmcloud.kms.plugins.plugin_utils._progress import ProgressAction


class ActionModule(ProgressAction):
    pass
