# The two commands of the README. Everything else lives in scripts/.
.PHONY: demo test clean

demo: ## Set up, start the local IBM Cloud emulator and run the main job against it
	@bash scripts/demo.sh

test: ## Set up and run every test; the last line is "N passed, N failed"
	@bash scripts/test.sh

clean:
	rm -rf build tests/output
