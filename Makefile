# Device Registry Portal. `make run` serves the portal, `make test` runs every test.
# Both set everything up first: virtualenv, pinned dependencies, embedded PostgreSQL.

VENV    := .venv
PY      := $(VENV)/bin/python
MANAGE  := $(PY) manage.py
HOST    ?= 127.0.0.1
PORT    ?= 8000
# Links in e-mails point at the address `make run` (or `make serve BIND=…`) serves.
SITE_URL ?= http://$(if $(BIND),$(BIND),$(HOST):$(PORT))
export SITE_URL

.PHONY: run serve test lint format db db-stop migrate demo messages vendor backup restore bench bench-import bench-console clean help

help:
	@echo "make run           set up everything and serve http://$(HOST):$(PORT)"
	@echo "make serve         the same, production-like: gunicorn, DEBUG off, run_jobs loop"
	@echo "make test          run the whole test suite"
	@echo "make lint          import-linter (the layers) and ruff"
	@echo "make db-stop       stop the embedded PostgreSQL"
	@echo "make backup        a base backup of the embedded database (WAL archiving on)"
	@echo "make restore TIME= restore it to a moment into var/restored"
	@echo "make vendor        rebuild the in-page scanner's polyfill (static/vendor/barcode-detector/)"
	@echo "make bench         registry-scale benchmark beside a bare Django ceiling (needs wrk)"
	@echo "make bench-import  import one million generated kits and report the rate"
	@echo "make bench-console fill a registry-scale database once, time the support centre's pages"

$(VENV)/.installed: pyproject.toml
	@python=$$(bin/find-python) || exit 1; \
	  [ -x $(PY) ] || { echo "Creating $(VENV) with $$python"; "$$python" -m venv $(VENV); }
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $@

# With DATABASE_URL set, that server is used and nothing is started here.
db: $(VENV)/.installed
	@[ -n "$$DATABASE_URL" ] || $(PY) -m portal.embedded_db start

db-stop:
	@[ -x $(PY) ] && $(PY) -m portal.embedded_db stop || true

migrate: db
	$(MANAGE) migrate --no-input

demo: migrate
	$(MANAGE) seed_demo

run: demo
	$(MANAGE) runserver $(HOST):$(PORT)

var/secret_key:
	@mkdir -p var
	@$(PY) -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	@chmod 600 $@

serve: demo var/secret_key
	BIND=$${BIND:-$(HOST):$(PORT)} bin/serve

# The architecture and the style are part of the suite: a layer broken by an import, a lint
# error or an unformatted file fails `make test` (and CI) before any test runs.
test: db
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Translators: extract strings (needs GNU gettext's xgettext), then compile with polib.
messages: $(VENV)/.installed
	$(MANAGE) makemessages -l cs --no-obsolete --ignore=".venv/*" --ignore="var/*" \
	  --ignore="bench/*" --ignore="tests/*"
	$(PY) -c "import polib; polib.pofile('locale/cs/LC_MESSAGES/django.po').save_as_mofile('locale/cs/LC_MESSAGES/django.mo')"
	$(PY) -c "import polib; polib.pofile('locale_admin/cs/LC_MESSAGES/django.po').save_as_mofile('locale_admin/cs/LC_MESSAGES/django.mo')"

bench: migrate
	$(PY) bench/run.py

bench-import: migrate
	$(PY) bench/import_catalogue.py $(if $(BENCH_KITS),--kits $(BENCH_KITS))

bench-console: migrate
	$(PY) bench/admin_console.py

# The in-page barcode scanner's polyfill (static/vendor/barcode-detector/, committed): pinned in
# vendor/scanner/package-lock.json, bundled into one classic script with ZXing's WebAssembly
# reader beside it, so nothing loads from a CDN. Needs Node.js and npm; only to update it.
SCANNER_OUT = static/vendor/barcode-detector
vendor:
	cd vendor/scanner && npm ci --no-audit --no-fund && npx esbuild entry.js --bundle \
	  --format=iife --minify --target=es2020 --legal-comments=none \
	  --outfile=../../$(SCANNER_OUT)/barcode-detector.js
	cp vendor/scanner/node_modules/zxing-wasm/dist/reader/zxing_reader.wasm $(SCANNER_OUT)/
	cp vendor/scanner/node_modules/barcode-detector/LICENSE $(SCANNER_OUT)/LICENSE.barcode-detector
	cp vendor/scanner/node_modules/zxing-wasm/LICENSE $(SCANNER_OUT)/LICENSE.zxing-wasm
	cd vendor/scanner && node -p "'barcode-detector ' + require('./node_modules/barcode-detector/package.json').version + ', zxing-wasm ' + require('./node_modules/zxing-wasm/package.json').version" > ../../$(SCANNER_OUT)/VERSIONS

# Backups of the embedded PostgreSQL (portal/backups.py): the first run turns WAL archiving on
# (var/wal-archive) and restarts the server; each run takes a base backup into var/backups/.
backup: db
	$(PY) -m portal.backups backup

# Restore to a moment into a fresh data directory (var/restored), e.g.
# make restore TIME="2026-11-27 14:05:00+01:00"
restore: db
	@[ -n "$(TIME)" ] || { echo 'make restore TIME="YYYY-MM-DD HH:MM:SS+01:00"'; exit 2; }
	$(PY) -m portal.backups restore --time "$(TIME)" --into "$${INTO:-var/restored}"

clean: db-stop
	rm -rf $(VENV) var
