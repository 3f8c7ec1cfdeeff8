# dcos.stateful: the whole developer tool chain. `make test` and `make demo` need only Python 3.11
# and the package registries; everything else (the venv, the collection copy, ansible-test's pip
# bootstrap) is set up here. See docs/development.md.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

PYTHON ?= python3.11
VENV := $(CURDIR)/.venv
VBIN := $(VENV)/bin
VPY := $(VBIN)/python
# BUILD_DIR=/some/where gives a private collection copy (e.g. to run beside someone else's run).
BUILD_DIR ?= $(CURDIR)/.build
COLLECTIONS := $(BUILD_DIR)/collections
COPY := $(COLLECTIONS)/ansible_collections/dcos/stateful
EMULATOR_PYPROJECT := $(wildcard emulator/pyproject.toml)

# Tools run from the venv, find the collection copy, and never prompt or phone home.
export PATH := $(VBIN):$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_PYTHON_INTERPRETER := $(VPY)
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PIP_NO_INPUT := 1
ifneq ($(CI),)
# CI logs: no colour codes, and nothing may wait for input.
export ANSIBLE_NOCOLOR := 1
export PY_COLORS := 0
export NO_COLOR := 1
endif

STAMP_REQS := $(VENV)/.stamp-requirements
STAMP_EMU := $(VENV)/.stamp-emulator

# pytest with exit status 5 (nothing collected) counted as success: a suite may be empty for now.
PYTEST_JOBS ?= auto
pytest = rc=0; $(VPY) -m pytest -p no:cacheprovider -n $(PYTEST_JOBS) $(1) || rc=$$?; \
	if [ $$rc = 5 ]; then echo "pytest: no tests collected"; rc=0; fi; exit $$rc

.PHONY: help venv clients-venv browser seed-ansible-test collection lint ruff shellcheck ansible-lint sanity units emulator-test integration \
        molecule test demo bench changelog-lint clean clean-all \
        tarball galaxy-importer docs docs-lint release-test ee-context publish-check

help:
	@echo "make venv          create .venv from requirements-dev.txt and install the emulator"
	@echo "make clients-venv  .venv-clients with the DC/OS CLI (for the emulator's client tests)"
	@echo "make browser       apt-get install chromium chromium-driver (the emulator's Volumes page test)"
	@echo "make collection    sync the working tree into $(COPY:$(CURDIR)/%=%)"
	@echo "make lint          ruff + shellcheck + antsibull-changelog lint + ansible-lint (production)"
	@echo "make sanity        ansible-test sanity (python 3.11) on the collection copy"
	@echo "make units         pytest tests/unit against the collection copy"
	@echo "make emulator-test pytest emulator/tests (with the DC/OS CLI in .venv-clients)"
	@echo "make integration   ansible-test integration against a fresh dcos-emulator"
	@echo "make molecule      molecule test --all in extensions/"
	@echo "make docs-lint     antsibull-docs lint-collection-docs on the collection copy"
	@echo "make galaxy-importer  galaxy-importer on the built tarball; any warning fails"
	@echo "make release-test  pytest tests/release: execution environment, AWX credential type, AWX-style job"
	@echo "make test          all of the above, in that order"
	@echo "make publish-check docs-lint + galaxy-importer + release-test"
	@echo "make docs          the docs site (antsibull-docs + Sphinx) in $(BUILD_DIR:$(CURDIR)/%=%)/docs/build/html"
	@echo "make tarball       ansible-galaxy collection build into $(DIST:$(CURDIR)/%=%)"
	@echo "make ee-context    the execution environment's build context in .build/ee/context (no image)"
	@echo "make demo          scripts/demo.sh (else the emulator walkthrough) against a fresh dcos-emulator"
	@echo "make bench         every bench/bench_*.py"
	@echo "make clean         remove build output (keeps .venv; 'make clean-all' removes it too)"

# --- set-up ---------------------------------------------------------------------------------------

$(VPY):
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "need Python 3.11, got " + sys.version'
	$(PYTHON) -m venv $(VENV)

$(STAMP_REQS): requirements-dev.txt | $(VPY)
	$(VPY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# Editable install: source changes are live; reinstall only when the package metadata changes.
$(STAMP_EMU): $(EMULATOR_PYPROJECT) $(STAMP_REQS)
ifneq ($(EMULATOR_PYPROJECT),)
	$(VPY) -m pip install --quiet -e ./emulator
	touch $@
else
	@echo "venv: emulator/pyproject.toml not there yet; dcos-emulator not installed"
endif

venv: $(STAMP_REQS) $(STAMP_EMU)

# The DC/OS CLI for emulator/tests/test_client_dcos_cli.py, in a venv of its own: its pins are too
# old to share .venv, so they are installed without dependency resolution (see the requirements
# file for why).
CLIENTS_VENV := $(CURDIR)/.venv-clients
STAMP_CLIENTS := $(CLIENTS_VENV)/.stamp-client-requirements
CLIENT_REQS := emulator/tests/client-requirements.txt
$(STAMP_CLIENTS): $(wildcard $(CLIENT_REQS))
ifneq ($(wildcard $(CLIENT_REQS)),)
	$(PYTHON) -m venv $(CLIENTS_VENV)
	$(CLIENTS_VENV)/bin/python -m pip install --quiet setuptools==65.5.0 wheel==0.45.1
	$(CLIENTS_VENV)/bin/python -m pip install --quiet --no-deps --no-build-isolation -r $(CLIENT_REQS)
	touch $@
endif

clients-venv: $(STAMP_CLIENTS)

# The seed lives in ~/.ansible (not in .venv), so it is checked on every sanity run (0.5 s).
seed-ansible-test: $(STAMP_REQS)
	@$(VPY) scripts/seed_ansible_test.py

collection: $(STAMP_REQS)
	$(VPY) scripts/build_collection.py --root $(CURDIR) --dest $(COLLECTIONS)

# --- checks ---------------------------------------------------------------------------------------

# Every linter runs, so one pass shows every finding.
lint: venv collection
	@rc=0; for l in ruff shellcheck changelog-lint ansible-lint; do $(MAKE) --no-print-directory $$l || rc=1; done; exit $$rc

# Shell scripts git knows about (by shebang), warnings and errors (style notes are not failures).
shellcheck: $(STAMP_REQS)
	@files=$$(git ls-files -co --exclude-standard -z | xargs -0 grep -lIE '^#!(/usr)?/bin/(env )?(ba)?sh' 2>/dev/null | grep -v '\.py$$' || true); \
	if [ -z "$$files" ]; then echo "shellcheck: no shell scripts"; exit 0; fi; \
	echo "shellcheck -S warning $$(echo $$files | wc -w) scripts"; $(VBIN)/shellcheck -S warning $$files

ruff: $(STAMP_REQS)
	$(VBIN)/ruff check .

# Only the paths that exist; ansible-lint is told to stay offline in .ansible-lint.
ANSIBLE_LINT_PATHS = $(wildcard roles playbooks extensions)
ansible-lint: venv collection
	@if [ -z "$(ANSIBLE_LINT_PATHS)" ]; then echo "ansible-lint: nothing to lint yet"; exit 0; fi; \
	$(VBIN)/ansible-lint --offline $(ANSIBLE_LINT_PATHS)

# --venv: ansible-test makes one venv per sanity test with its pinned tools (from PyPI, cached
# under ~/.ansible/test/venv); the pip inside them comes from the seeded bootstrap (seed-ansible-test).
SANITY_ARGS ?=
sanity: venv collection seed-ansible-test
	cd $(COPY) && $(VBIN)/ansible-test sanity --venv --python 3.11 --color $(if $(CI),no,yes) $(SANITY_ARGS)

UNITS_ARGS ?=
units: venv collection
	@if [ -z "$$(find $(COPY)/tests/unit -name 'test_*.py' 2>/dev/null | head -1)" ]; then \
	  echo "units: no unit tests yet"; exit 0; fi; \
	cd $(COPY) && export PYTHONPATH=$(COLLECTIONS) && $(call pytest,--import-mode=importlib tests/unit $(UNITS_ARGS))

# Headless Chromium for the Volumes page test (emulator/tests/test_ui_browser.py): Debian's chromium and
# chromium-driver. Idempotent: nothing to do when both are on PATH. Without apt-get or root (or password-less
# sudo) it says so and goes on; the browser test then skips with that reason.
BROWSER_PACKAGES := chromium chromium-driver
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then exit 0; fi; \
	if ! command -v apt-get >/dev/null; then \
	  echo "browser: no apt-get here; install $(BROWSER_PACKAGES) by hand (the browser test is skipped)"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; elif sudo -n true 2>/dev/null; then sudo="sudo -n"; else \
	  echo "browser: not root; run 'sudo apt-get install $(BROWSER_PACKAGES)' (the browser test is skipped)"; exit 0; fi; \
	echo "browser: apt-get install $(BROWSER_PACKAGES)"; \
	export DEBIAN_FRONTEND=noninteractive; \
	{ $$sudo apt-get update -qq && $$sudo apt-get install -y -qq --no-install-recommends $(BROWSER_PACKAGES) >/dev/null; } \
	  || echo "browser: apt-get failed; the browser test is skipped"

EMULATOR_TEST_ARGS ?=
emulator-test: venv clients-venv browser
	@if [ -z "$$(find emulator/tests -name 'test_*.py' 2>/dev/null | head -1)" ]; then \
	  echo "emulator-test: no emulator tests yet"; exit 0; fi; \
	$(call pytest,emulator/tests $(EMULATOR_TEST_ARGS))

INTEGRATION_ARGS ?=
integration: venv collection
	@if [ -z "$$(find $(COPY)/tests/integration/targets -mindepth 1 -maxdepth 1 -type d 2>/dev/null | head -1)" ]; then \
	  echo "integration: no targets yet"; exit 0; fi; \
	scripts/with-emulator.sh scripts/run_integration.sh $(COPY) $(INTEGRATION_ARGS)

# Molecule's scratch dirs (~/.ansible/tmp/molecule.<hash>.<scenario>) are shared by every run
# from a checkout of the same name, so runs take turns (flock).
molecule: venv collection
	@if [ -z "$$(find extensions/molecule -name molecule.yml 2>/dev/null | head -1)" ]; then \
	  echo "molecule: no scenarios yet"; exit 0; fi; \
	mkdir -p $(BUILD_DIR) && cd extensions && flock $(BUILD_DIR)/.molecule.lock $(VBIN)/molecule test --all

changelog-lint: $(STAMP_REQS)
	$(VBIN)/antsibull-changelog lint

# --- publishing: Galaxy, docs site, execution environment, AWX ---------------------------------------

GALAXY_VERSION := $(shell sed -n 's/^version: *//p' galaxy.yml)
DIST := $(BUILD_DIR)/dist
TARBALL := $(DIST)/dcos-stateful-$(GALAXY_VERSION).tar.gz

# Built from the copy (what git knows, minus build_ignore, plus the rendered guides).
tarball: venv collection
	rm -f $(DIST)/dcos-stateful-*.tar.gz
	$(VBIN)/ansible-galaxy collection build $(COPY) --output-path $(DIST)

# Galaxy's own import checks on the tarball, offline (config: tests/release/galaxy-importer.cfg:
# ansible-doc and an offline ansible-lint, no ansible-test, so no container engine). Galaxy shows
# every WARNING/ERROR line to users: any fails this target.
GALAXY_IMPORTER_DIR := $(BUILD_DIR)/galaxy-importer
galaxy-importer: tarball
	rm -rf $(GALAXY_IMPORTER_DIR) && mkdir -p $(GALAXY_IMPORTER_DIR)/tmp
	@cd $(GALAXY_IMPORTER_DIR) && rc=0; \
	GALAXY_IMPORTER_CONFIG=$(CURDIR)/tests/release/galaxy-importer.cfg \
	GALAXY_IMPORTER_ANSIBLE_LOCAL_TMP=$(GALAXY_IMPORTER_DIR)/tmp GALAXY_IMPORTER_TMP_ROOT_DIR=$(GALAXY_IMPORTER_DIR)/tmp \
	  $(VPY) -m galaxy_importer.main $(TARBALL) >importer.log 2>&1 || rc=$$?; \
	grep -v '^Loading ' importer.log; \
	if [ $$rc != 0 ]; then echo "galaxy-importer: failed ($$rc)"; exit 1; fi; \
	if grep -qiE 'warn|error|traceback' importer.log; then echo "galaxy-importer: warnings or errors above"; exit 1; fi; \
	echo "galaxy-importer: $(notdir $(TARBALL)) imports with no warning"

docs-lint: venv collection
	cd $(COPY) && $(VBIN)/antsibull-docs lint-collection-docs --plugin-docs .

docs: venv collection
	scripts/build_docs.sh $(BUILD_DIR)/docs

RELEASE_TEST_ARGS ?=
release-test: venv collection
	$(call pytest,tests/release $(RELEASE_TEST_ARGS))

publish-check: docs-lint galaxy-importer release-test

# execution-environment.yml expects the tarball at .build/ee/dcos-stateful.tar.gz. Building the
# image needs podman or docker: `podman build -f .build/ee/context/Containerfile .build/ee/context`.
ee-context: tarball
	mkdir -p $(CURDIR)/.build/ee && cp $(TARBALL) $(CURDIR)/.build/ee/dcos-stateful.tar.gz
	rm -rf $(CURDIR)/.build/ee/context
	$(VBIN)/ansible-builder create --file execution-environment.yml --context $(CURDIR)/.build/ee/context \
	  --output-filename Containerfile

# Every stage runs and is timed; the summary lists what failed. FAIL_FAST=1 stops at the first.
TEST_STAGES := lint sanity units emulator-test integration molecule docs-lint galaxy-importer release-test
test: venv collection
	MAKE="$(MAKE)" scripts/run_stages.sh $(TEST_STAGES)

# --- demo and bench -------------------------------------------------------------------------------

demo: venv collection
	@if [ -x scripts/demo.sh ] || [ -f scripts/demo.sh ]; then \
	  bash scripts/demo.sh; \
	elif [ -f emulator/examples/walkthrough.sh ]; then \
	  scripts/with-emulator.sh bash emulator/examples/walkthrough.sh; \
	else echo "demo: neither scripts/demo.sh nor emulator/examples/walkthrough.sh exists yet"; exit 1; fi

# Each bench script starts what it needs (usually its own dcos-emulator) and prints its figures.
bench: venv collection
	@set -e; found=0; for b in bench/bench_*.py; do [ -f "$$b" ] || continue; found=1; \
	  echo "== $$b"; $(VPY) "$$b"; done; \
	[ $$found = 1 ] || echo "bench: no bench/bench_*.py yet"

clean:
	rm -rf .build tests/output .pytest_cache .ruff_cache .hypothesis
	find . -path './.venv*' -prune -o -path ./.git -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

clean-all: clean
	rm -rf $(VENV) $(CLIENTS_VENV)
