# Thin wrappers: each target calls scripts/setup-host or `metallab …`. See README.md.
METALLAB := .venv/bin/metallab
PYTEST_ARGS ?=

.PHONY: setup lab-up lab-down test lint unit bench generate images

setup:
	scripts/setup-host

lab-up: setup
	$(METALLAB) up

lab-down:
	$(METALLAB) down

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
	.venv/bin/lint-imports

# Everything CI runs: the quality gates, then unit, integration and e2e tests.
test: lint
	scripts/run-tests $(PYTEST_ARGS)

unit: setup
	scripts/run-tests tests/unit

generate: setup
	.venv/bin/python -m controller.api.generate
	.venv/bin/python -m controller.hoststate.diagram

# The agent ramdisk and the test OS image (setup builds them too; no-ops when cached).
images: setup
	$(METALLAB) image build agent
	$(METALLAB) image build testos

bench: setup
	.venv/bin/python -m bench.run
