# JobFriends: `make up` runs the platform, `make test` runs the tests. Both install what they need.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# uv comes from PATH, or is installed once into .infra/tools (git-ignored).
UV := $(shell command -v uv 2>/dev/null || echo .infra/tools/bin/uv)
INFRA := infra/bin/infra.sh
SERVICES := infra/bin/services.sh
# Every process's package, from the service registry (it needs only the standard library).
PROCESSES := $(shell PYTHONPATH=shared/src python3 -m jobfriends_shared.registry processes | cut -d' ' -f1)
# The demo city `make up` loads once: tiny|small|medium|large|none
SEED ?= small
PYTEST_ARGS ?=
# FerretDB's backend: postgresql (the default) or sqlite (a fallback for machines without it).
JF_FERRETDB_BACKEND ?= postgresql
export JF_FERRETDB_BACKEND
# The demo city is loaded once per store.
SEEDED := .infra/seeded-$(SEED)-$(JF_FERRETDB_BACKEND)

.PHONY: help install infra-up infra-down up down status logs seed test test-fast test-unit lint bench docs clean web web-api

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

.infra/tools/bin/uv:
	python3 -m pip install --quiet --disable-pip-version-check --target .infra/tools uv

install: $(UV)  ## Python deps from the lock file (reproducible)
	$(UV) sync --frozen --quiet

# The web app (web/): npm ci from the committed lock file, then a build the gateway serves at /.
web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error

web/dist/index.html: web/node_modules/.package-lock.json web/index.html web/vite.config.ts $(shell find web/src web/public -type f 2>/dev/null)
	cd web && npm run --silent build

web: web/dist/index.html  ## build the web app (web/dist), served by the gateway at /

web-api: install web/node_modules/.package-lock.json  ## regenerate the web app's API types from the gateway's merged OpenAPI
	$(UV) run python -m gateway.openapi_snapshot web/openapi.json
	cd web && npm run --silent gen:api

infra-up:  ## start Kafka and the MongoDB-wire store (installs them on first use)
	$(INFRA) up

infra-down:  ## stop Kafka and the store
	$(INFRA) down

up: install infra-up web  ## run everything: infra, five services, the gateway, the web app, a small demo city
	$(SERVICES) up
	@if [ "$(SEED)" != "none" ] && [ ! -f $(SEEDED) ]; then \
		if $(UV) run python -m jobfriends_seed --size $(SEED); then touch $(SEEDED); \
		else echo "warning: the demo city loaded only in part (see above); the platform is up"; fi; \
	fi
	@echo
	@echo "JobFriends is up:"
	@echo "  web app   http://127.0.0.1:8000/   (open it in a browser)"
	@echo "  gateway   http://127.0.0.1:8000    (the public API, /v1/...)"
	@echo "  API docs  http://127.0.0.1:8000/docs"
	@echo "  logs      make logs     stop: make down"

down:  ## stop everything this checkout started
	$(SERVICES) down
	$(INFRA) down

status:  ## what is running
	$(SERVICES) status || true
	$(INFRA) status || true

seed:  ## load a demo city through the API: make seed SIZE=medium (tiny|small|medium|large|N)
	$(UV) run python -m jobfriends_seed --size $(or $(SIZE),small) --seed $(or $(SEED_NUMBER),$$RANDOM)

logs:  ## every process's log, followed
	tail -n 50 -F .infra/logs/*.log

test: install  ## unit and integration tests against a real Kafka and store
	$(UV) run pytest $(PYTEST_ARGS)

test-fast: install  ## every test that needs no servers (fakes, in memory), in under a minute
	$(UV) run pytest -m "not integration" $(PYTEST_ARGS)

test-unit: test-fast  ## the same as test-fast (its earlier name)

lint: install  ## ruff and mypy strict
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy -p jobfriends_shared $(addprefix -p ,$(PROCESSES)) -p jobfriends_cli -p jobfriends_seed

docs: install  ## regenerate the event catalogue (docs/events.md, docs/schemas/)
	$(UV) run python -m jobfriends_shared.catalogue_docs

bench: install infra-up  ## benchmarks, as ratios against limits measured in the same run
	$(UV) run python -m bench

clean: down  ## stop everything and delete local data (keeps downloaded tools)
	rm -rf .infra/data .infra/logs .infra/run
