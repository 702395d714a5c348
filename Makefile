# The two commands of the README. Both run the test harness (tests/harness), which creates .venv first.
# make test STEPS="units sanity" runs some steps; the steps are also nox sessions (.venv/bin/nox -l).
.PHONY: demo test clean

PYTHON ?= python3

demo: ## Set up, start the local IBM Cloud emulator and run the main job against it
	@PYTHONPATH=tests $(PYTHON) -m harness demo

test: ## Set up and run every test; the last line is "N passed, N failed"
	@PYTHONPATH=tests $(PYTHON) -m harness test $(STEPS)

clean:
	rm -rf build tests/output
