"""The test steps as nox sessions, one per step (`nox -l` lists them). They run in the development venv that
`make test` creates (.venv): `.venv/bin/nox -s units`, `.venv/bin/nox -s molecule -- rotation`,
`.venv/bin/nox -s integration -- root_key`. `make test` runs them all, some side by side (tests/harness)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nox

sys.path.insert(0, str(Path(__file__).resolve().parent / "tests"))

from harness.context import StepFailed, exit_on_sigterm  # noqa: E402  (the harness lives in tests/, put on the path above)
from harness.steps import STEPS  # noqa: E402
from harness.steps.molecule_scenarios import molecule  # noqa: E402

exit_on_sigterm()
nox.options.default_venv_backend = "none"
nox.options.sessions = list(STEPS)


def _register(name: str) -> None:
    step = STEPS[name]

    def session(session: nox.Session) -> None:
        try:
            if name == "molecule":
                molecule(list(session.posargs))  # scenarios
            else:
                if name == "integration" and session.posargs:
                    os.environ["INTEGRATION_TARGETS"] = " ".join(session.posargs)
                step()
        except StepFailed as failure:
            session.error(str(failure))

    session.__doc__ = " ".join((step.__doc__ or name).split("\n\n")[0].split())  # its first paragraph
    nox.session(name=name, venv_backend="none")(session)


for _name in STEPS:
    _register(_name)
