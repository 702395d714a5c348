# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the collection; may change in any release.
"""The action plugin of the modules that wait long (a master update takes about 20 minutes on IBM Cloud): it runs the
module as Ansible's normal action does and, while the module runs, shows each progress line the module's waits write
(module_utils/_wait.py), so that an ansible-playbook run or an AWX job shows what it waits for and that it is alive.

Only for modules that run on the controller (connection local, as the collection's playbooks use): elsewhere, and for
async tasks, the module runs as usual, without progress lines."""

from __future__ import annotations

import os
import tempfile
import threading
from typing import Any, Optional

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash

from ansible_collections.ibmcloud.kms.plugins.module_utils._wait import PROGRESS_ENV
from ansible_collections.ibmcloud.kms.plugins.plugin_utils._follow import follow

display = Display()


class ProgressAction(ActionBase):
    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp: Any = None, task_vars: Optional[dict] = None) -> dict:
        result = super().run(tmp, task_vars)
        del tmp  # tmp no longer has any effect
        wrap_async = self._task.async_val
        if wrap_async or getattr(self._connection, "transport", None) != "local":
            result = merge_hash(result, self._execute_module(task_vars=task_vars, wrap_async=wrap_async))
        else:
            result = merge_hash(result, self._run_showing_progress(task_vars or {}))
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    def _run_showing_progress(self, task_vars: dict) -> dict:
        host = task_vars.get("inventory_hostname", "localhost")
        handle, path = tempfile.mkstemp(prefix="ibmcloud-kms-progress-", suffix=".txt")
        os.close(handle)
        stop = threading.Event()
        reader = threading.Thread(target=follow, args=(path, lambda line: display.display(f"[{host}] {line}"), stop))
        self._task.environment = list(self._task.environment or []) + [{PROGRESS_ENV: path}]
        reader.start()
        try:
            return self._execute_module(task_vars=task_vars)
        finally:
            self._task.environment = self._task.environment[:-1]
            stop.set()
            reader.join()
            os.unlink(path)
