# Thin wrappers: each target calls scripts/setup-host or `metallab …`. See README.md.
METALLAB := .venv/bin/metallab
PYTEST_ARGS ?=
# make nightly: every scenario of the library, one report (REPORT=DIR to put it elsewhere).
REPORT ?= reports/nightly
# make demo: the richest scenario, narrated at a human pace (FAST=1: no pauses).
DEMO_SCENARIO ?= scenarios/bmc-faults.yaml

.PHONY: setup lab-up lab-down test lint unit bench generate nightly demo images

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

# The agent ramdisk, the test OS and the node OS image (setup builds them too; no-ops when cached).
images: setup
	$(METALLAB) image build agent
	$(METALLAB) image build testos
	$(METALLAB) image build node

bench: setup
	.venv/bin/python -m bench.run

nightly: setup
	$(METALLAB) scenario run --name nightly --report $(REPORT) scenarios/*.yaml

demo: setup
	$(METALLAB) scenario run --name demo --narrate $(if $(FAST),--fast) $(DEMO_SCENARIO)
