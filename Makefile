# QLVB&ĐH — the two commands: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := run.py
FAB_DIR = $(shell $(BIN)/python -c "import flask_appbuilder,os;print(os.path.dirname(flask_appbuilder.__file__))")
WTF_DIR = $(shell $(BIN)/python -c "import wtforms,os;print(os.path.dirname(wtforms.__file__))")
CATALOG := translations/vi/LC_MESSAGES/messages.po

.PHONY: run test serve install bench bench-quick profile profile-server translations-extract translations-update \
	translations-compile lint clean browser chromium load ocr-deps bench-ocr bench-records screenshots

$(BIN)/.installed: requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed translations-compile

## Development server on http://127.0.0.1:5000 with the demo data (SQLite in instance/).
run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask qlvb sync-roles
	$(BIN)/flask qlvb seed-demo
	$(BIN)/python run.py

## The whole suite (TEST_DATABASE_URL / REDIS_URL select PostgreSQL / Redis).
test: install
	$(BIN)/python -m pytest -q tests

## Production-like stack: gunicorn with several workers on PostgreSQL + Redis, and the
## background jobs' RQ worker beside it (stopped with it).
serve: install
	@test -n "$$DATABASE_URL" || { echo "set DATABASE_URL (PostgreSQL)"; exit 1; }
	@test -n "$$REDIS_URL" || { echo "set REDIS_URL"; exit 1; }
	@test -n "$$SECRET_KEY" || { echo "set SECRET_KEY"; exit 1; }
	QLVB_CONFIG=production $(BIN)/flask db upgrade
	QLVB_CONFIG=production $(BIN)/flask qlvb sync-roles
	QLVB_CONFIG=production $(BIN)/flask qlvb worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	QLVB_CONFIG=production $(BIN)/gunicorn --workers $${WORKERS:-4} --bind $${BIND:-127.0.0.1:8000} \
		--access-logfile - "app:create_app('production')"

## Benchmark (bench/): seeds N documents (default 100000; N=1000000 for the full run) on SQLite
## and on PostgreSQL (BENCH_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/bench),
## serves the app and a hand-written baseline with gunicorn, prints the table. BENCH_DB=sqlite
## or BENCH_DB=postgresql runs one database; REUSE=1 keeps a database already seeded with N.
N ?= 100000
BENCH_DB ?= sqlite postgresql
bench: install
	$(BIN)/python -m bench.run --n $(N) $(foreach db,$(BENCH_DB),--db $(db)) \
		$(if $(REUSE),--reuse) $(BENCH_ARGS)

## A smaller run (10,000 documents, fewer samples) to check that everything works.
bench-quick: install
	$(BIN)/python -m bench.run --n 10000 $(foreach db,$(BENCH_DB),--db $(db)) \
		--samples 10 --seconds 5 $(if $(REUSE),--reuse)

## Where a page's time goes (pyinstrument), on a database seeded by `make bench`.
PROFILE_URL ?= sqlite:////tmp/qlvb-bench/bench-$(N).db
PROFILE_PATH ?= /incomingview/list/
profile: install
	$(BIN)/python -m bench.profile --url $(PROFILE_URL) --path $(PROFILE_PATH) --sql

## The same in the server: one gunicorn worker sampled by py-spy while a client asks.
profile-server: install
	$(BIN)/python -m bench.spy --url $(PROFILE_URL) --path $(PROFILE_PATH)

## Translations: extract ours + FAB's + WTForms' strings, merge into the catalogs, compile.
translations-extract: $(BIN)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l -k gettext -k _ -k __ -k ngettext:1,2 \
		--no-location --sort-output -o translations/messages.pot app "$(FAB_DIR)" "$(WTF_DIR)"

## Then prints, per catalog, how many entries are new (to translate), fuzzy (to check) and
## obsolete (dropped); `make test` fails on an empty or fuzzy Vietnamese entry.
translations-update: translations-extract
	@for l in vi en; do cp translations/$$l/LC_MESSAGES/messages.po /tmp/qlvb-before-$$l.po; done
	$(BIN)/pybabel -q update -i translations/messages.pot -d translations -l vi --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel -q update -i translations/messages.pot -d translations -l en --no-fuzzy-matching --ignore-obsolete
	@$(BIN)/python translations/summary.py /tmp/qlvb-before-vi.po translations/vi/LC_MESSAGES/messages.po
	@$(BIN)/python translations/summary.py /tmp/qlvb-before-en.po translations/en/LC_MESSAGES/messages.po
	@rm -f /tmp/qlvb-before-vi.po /tmp/qlvb-before-en.po

translations-compile: $(BIN)/.installed
	$(BIN)/pybabel compile -d translations --statistics

## Lint: ruff, then the layers of app/ (.importlinter: shell above features above core).
lint: $(BIN)/.installed
	$(BIN)/ruff check app tests config.py run.py bench tests_browser loadtest
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache --no-logo

clean:
	rm -rf $(VENV) instance .pytest_cache

## Browser tests (tests_browser/, not part of `make test`): Debian's Chromium driven by
## Playwright against the demo served on a loopback port; each role signs in and walks the
## main flows. Screenshots of every step in artifacts/browser/. Chromium comes from apt
## (installed here when missing), never downloaded by Playwright.
CHROMIUM ?= /usr/bin/chromium
chromium:
	@test -x $(CHROMIUM) || { echo "installing Debian's chromium"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }

## OCR (app/ocr): Debian's Tesseract with its Vietnamese model, installed when missing
## (OCRmyPDF itself comes from requirements.txt). Without them the app says OCR is unavailable.
ocr-deps:
	@{ command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx vie; } || \
		{ echo "installing Debian's tesseract-ocr and tesseract-ocr-vie"; apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q tesseract-ocr tesseract-ocr-vie; }

## OCR accuracy and speed over the generated corpus (tests/ocr/corpus.py): character
## accuracy, each register field's exact-match rate, seconds per page; clean 300 dpi and
## noisy 200 dpi scans.
bench-ocr: install ocr-deps
	$(BIN)/python -m bench.ocr $(BENCH_OCR_ARGS)

## A work file of 1,000 documents: closing it and printing its index (target < 2 s).
bench-records: install
	$(BIN)/python bench/records.py $(BENCH_RECORDS_ARGS)

browser: install chromium
	CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest -q tests_browser

## The main screens at 1366×768 and 375×812 into docs/screens/ (PNG), from the demo.
screenshots: install chromium
	CHROMIUM=$(CHROMIUM) SCREENS_DIR=$(CURDIR)/docs/screens $(BIN)/python -m pytest -q \
		tests_browser/test_screens.py -p no:cacheprovider

## Load test (loadtest/): LOAD_USERS (100) users for LOAD_SECONDS (120) with locust against
## gunicorn (LOAD_WORKERS=4) on PostgreSQL (LOAD_DATABASE_URL, default database `load`,
## emptied and seeded with LOAD_DOCS=20000 documents) and Redis (LOAD_REDIS_URL, default
## db 7), loopback only; fails on any error. Figures and CSV files in artifacts/load/.
load: install
	$(BIN)/python -m loadtest.run
