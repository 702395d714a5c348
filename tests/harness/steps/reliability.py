"""The reliability tests (tests/reliability): bad input, concurrent jobs, secrets in what a run shows and writes."""

from __future__ import annotations

from .. import prepare
from ..context import BIN, COLLECTIONS_ROOT, ROOT, run, tool_env


def reliability() -> None:
    """tests/reliability with pytest: each test starts the emulator it needs; the modules run from the collection
    copy (in this process, or through ansible-playbook and ansible-runner as users run them)."""
    prepare.collection_copy()
    run(
        [BIN / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", "tests/reliability"],
        cwd=ROOT,
        env=tool_env({"PYTHONPATH": str(COLLECTIONS_ROOT)}),
        what="the reliability tests",
    )
