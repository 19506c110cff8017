# Layerwise: `make run` and `make test` do all set-up on a fresh machine.
# Needs Python 3.11, Java 17+ and Maven on PATH (see README).

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2

.PHONY: run test bench install install-dev neo4j-start neo4j-stop stop lint format lock chromium screenshots

# Two locks: requirements.lock holds what serving needs (make run);
# requirements-dev.lock adds the test and lint tools (make test, bench, lint).
# Each has its own stamp, so a changed lock is installed again.
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev

install: $(RUNTIME) node_modules/.installed var/neo4j/lib/.installed
install-dev: $(DEV) node_modules/.installed var/neo4j/lib/.installed

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Layerwise needs Python 3.11 (PYTHON=$(PYTHON))")'
	$(PYTHON) -m venv $(VENV)

# requirements-data.lock pins packages read only as data (IBM's AI Atlas
# Nexus catalogues, taxonomy/formats/risk_atlas.py), installed without their
# dependencies: the package's own code would pull in torch, the project never
# imports it. make lock leaves that file alone.
$(RUNTIME): requirements.lock requirements-data.lock | $(VENV)/bin/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -r requirements-data.lock
	@touch $@

$(DEV): requirements-dev.lock requirements-data.lock | $(VENV)/bin/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -r requirements-data.lock
	@touch $@

# The sssom package in a virtualenv of its own, var/sssom-venv/, for the tests
# that check the SSSOM exports with it (tests/taxonomy/interchange/
# test_sssom_package.py): it needs linkml, which pins antlr4-python3-runtime
# 4.9, while the site needs 4.13 (stix2-patterns). A changed lock makes it anew.
SSSOM_VENV := var/sssom-venv
$(SSSOM_VENV)/.installed: requirements-sssom.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Layerwise needs Python 3.11 (PYTHON=$(PYTHON))")'
	rm -rf $(SSSOM_VENV) && $(PYTHON) -m venv $(SSSOM_VENV)
	$(SSSOM_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-sssom.lock
	@touch $@

# The browser's JavaScript (Cytoscape.js), pinned in package-lock.json; Django
# serves it from node_modules/ (STATICFILES_DIRS), nothing is copied into the repo.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# After node_modules/: every manage.py command runs Django's checks, which warn
# (staticfiles.W004) while a static folder such as node_modules/cytoscape/dist
# is missing.
var/neo4j/lib/.installed: neo4j/pom.xml | $(RUNTIME) node_modules/.installed
	$(MANAGE) neo4j install
	@touch $@

# Redis for the shared-cache tests and benchmark (config/redis_server.py starts
# it): Debian's packages unpacked into var/redis/root/, so nothing is installed
# on the system and no service is started. Fresh package lists only if needed.
REDIS_DEBS := redis-server redis-tools libjemalloc2 liblzf1
var/redis/.installed:
	@mkdir -p var/redis/debs && rm -f var/redis/debs/*.deb
	cd var/redis/debs && { apt-get download $(REDIS_DEBS) 2>/dev/null || { \
	  sudo=$$( [ "$$(id -u)" = 0 ] || echo "sudo -n" ); \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	  apt-get download $(REDIS_DEBS); }; }
	for deb in var/redis/debs/*.deb; do dpkg -x "$$deb" var/redis/root; done
	@touch $@

neo4j-start: install
	$(MANAGE) neo4j start

neo4j-stop:
	-$(MANAGE) neo4j stop
	-$(MANAGE) neo4j stop --instance test
	-$(BENCH_ENV) $(MANAGE) neo4j stop --instance test

stop: neo4j-stop

# Serve the site on http://$(HOST):$(PORT) with gunicorn, and beside it the
# task worker that runs large API imports as jobs (manage.py db_worker; its
# queue is a table in Django's database): config/serve.py starts both, starts
# the worker again if it exits, and stops it with the web server. Ctrl-C stops
# both; `make stop` stops Neo4j.
run: neo4j-start
	$(MANAGE) migrate --noinput
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(MANAGE) taxonomy schema
	$(MANAGE) taxonomy load --if-empty
	@echo "Layerwise on http://$(HOST):$(PORT)/ (with its task worker)"
	$(BIN)/python -m config.serve config.wsgi --config config/gunicorn.conf.py --bind $(HOST):$(PORT) --workers $(WORKERS)

# Lint first, then every test and every docstring example (pyproject's
# testpaths and --doctest-modules), against the project's own Neo4j test
# server (never your data). In CI the test server is stopped afterwards;
# locally it keeps running for the next run. pytest exits non-zero when it
# collects no test. Compiled modules (and pytest's rewritten test modules) are
# kept in var/pycache/ even where PYTHONDONTWRITEBYTECODE is set: compiling
# them again costs every run, and every server and command the tests start,
# seconds each. The tests run on TEST_WORKERS processes (pytest-xdist), a
# module's tests on one, each worker with a Neo4j and a Redis of its own (the
# first worker's is started here, the others' by the first test that needs
# one: config/settings.py); TEST_WORKERS=0 runs them in this process.
TEST_WORKERS ?= 2
test: install-dev var/redis/.installed var/sssom-venv/.installed chromium lint
	$(MANAGE) neo4j start --instance test
	status=0; PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX=$(CURDIR)/var/pycache \
	  $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS) || status=$$?; \
	if [ -n "$$CI" ]; then $(MANAGE) neo4j stop --instance test; fi; \
	exit $$status

# Benchmarks run against a Neo4j of their own (port 7689, var/neo4j-bench/,
# a 2 GB heap for the 200k-link import, half of it for one transaction as on
# a dev server), never your data or the tests'.
BENCH_ENV := LAYERWISE_NEO4J_TEST_PORT=7689 LAYERWISE_NEO4J_TEST_DIR=$(CURDIR)/var/neo4j-bench \
	LAYERWISE_NEO4J_TEST_HEAP=2g LAYERWISE_NEO4J_TEST_PAGECACHE=512m LAYERWISE_NEO4J_TEST_TX_MAX=1g

bench: install-dev var/redis/.installed
	$(BENCH_ENV) $(MANAGE) bench $(BENCH_ARGS)

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(DEV)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Re-pin both locks after changing the dependencies in pyproject.toml: the
# newest versions it allows, or, with LOCK_ARGS="-c requirements-dev.lock",
# the versions pinned now wherever pyproject.toml still allows them. The dev
# lock is resolved first, and the runtime lock is the runtime dependencies
# installed under the dev lock's pins, so both name the same version of every
# package they share.
LOCK_ARGS ?=
LOCK_HEAD = echo "\# Exact versions of every Python package $(1)."; \
	echo "\# Regenerate after changing pyproject.toml: make lock"
# The dependencies as pyproject.toml names them (the project itself is not
# built: it is an app, not a package); $(1) is "" or "dev".
LOCK_DEPS = $(PYTHON) -c 'import sys, tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; \
	print(*p["dependencies"], *(p["optional-dependencies"]["dev"] if sys.argv[1:] else []), sep="\n")' $(1)
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	$(call LOCK_DEPS,dev) > .venv-lock/dev.in
	.venv-lock/bin/pip install --quiet --disable-pip-version-check $(LOCK_ARGS) -r .venv-lock/dev.in
	{ $(call LOCK_HEAD,for make test/bench/lint: the runtime and the dev extra); \
	  .venv-lock/bin/pip freeze | LC_ALL=C sort -f; } > requirements-dev.lock
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	$(call LOCK_DEPS,) > .venv-lock/runtime.in
	.venv-lock/bin/pip install --quiet --disable-pip-version-check -c requirements-dev.lock -r .venv-lock/runtime.in
	{ $(call LOCK_HEAD,the site needs to serve: make run); \
	  .venv-lock/bin/pip freeze | LC_ALL=C sort -f; } > requirements.lock
	rm -rf .venv-lock

# Browser tests drive Debian's Chromium; install it with apt only when missing.
chromium:
	@test -x /usr/bin/chromium || { \
	  sudo=$$( [ "$$(id -u)" = 0 ] || echo "sudo -n" ); \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium; }
	@/usr/bin/chromium --version

# Full-page screenshots of the main pages into var/screenshots/ and the README's
# docs/matrix.png, taken by the browser tests against the test Neo4j server.
screenshots: install-dev chromium
	$(MANAGE) neo4j start --instance test
	LAYERWISE_SCREENSHOTS=docs $(BIN)/python -m pytest tests/browser -k screenshot
