"""python -m harness test [STEP ...] | demo | list   (the Makefile runs it with tests/ on PYTHONPATH)

Creates .venv when needed (any Python 3 can start this), then goes on inside it.
"""

from __future__ import annotations

import os
import sys

from .bootstrap import ROOT, VENV, ensure_venv

USAGE = "usage: python -m harness test [STEP ...] | demo | list"


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("test", "demo", "list"):
        print(USAGE, file=sys.stderr)
        return 2
    python = ensure_venv()
    if os.path.realpath(sys.prefix) != os.path.realpath(VENV):
        env = dict(os.environ, PYTHONPATH=str(ROOT / "tests"))
        os.execve(str(python), [str(python), "-m", "harness", *argv], env)
    from . import orchestrator, prepare
    from .context import StepFailed, exit_on_sigterm

    exit_on_sigterm()
    from .steps import STEPS, demo

    if argv[0] == "list":
        print(" ".join(STEPS))
        return 0
    if argv[0] == "demo":
        try:
            prepare.collection_copy()
            demo()
        except StepFailed as failure:
            print(f"demo FAILED: {failure}", file=sys.stderr)
            return 1
        return 0
    return orchestrator.test(argv[1:])


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
