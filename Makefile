# The two commands: `make run` serves the app, `make test` runs the whole suite.
# Each creates .venv and installs the locked dependencies into it when missing or changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export FLASK_APP := elearn
export ELEARN_TEST_DATABASE_URL

.PHONY: run test setup demo lint lock node clean-db translations

# Exact versions with hashes (requirements.lock, made by `make lock`); then the project itself.
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# Compiled catalogues (.mo) are built from the committed .po files, never committed.
MO_FILES := $(patsubst %.po,%.mo,$(wildcard elearn/translations/*/LC_MESSAGES/messages.po))

$(MO_FILES): %.mo: %.po $(STAMP)
	$(BIN)/pybabel compile -i $< -o $@ --statistics

setup: $(STAMP) $(MO_FILES)

# Extract every marked string into the template and merge it into each catalogue;
# then translate the new or fuzzy entries (tests/unit/test_catalogues.py fails until they are).
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l -k N_ --no-location --sort-output \
		--project elearn --copyright-holder "BRS Secretariat" -o elearn/translations/messages.pot .
	$(BIN)/pybabel update -i elearn/translations/messages.pot -d elearn/translations --no-fuzzy-matching --ignore-obsolete
	$(MAKE) $(MO_FILES)

# axe-core and ical.js for the browser and calendar tests, pinned in package-lock.json.
# Without npm those tests skip with the reason (and fail under CI=true).
node:
	@if ! command -v npm >/dev/null 2>&1; then \
	  echo "npm not found: browser and ical.js tests will be skipped"; \
	elif [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then \
	  npm ci --no-audit --no-fund --silent; \
	fi

demo: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask reference load
	$(BIN)/flask courses sync
	$(BIN)/flask seed-demo

# The worker (mail delivery, webinar reminders; queue in instance/queue.sqlite) runs beside
# the server and stops with it.
run: demo
	$(BIN)/flask demo-logins
	$(BIN)/flask worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test: setup node
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check elearn tests bench

# Refresh requirements.lock after changing dependencies in pyproject.toml (or to take new
# releases): resolves the newest versions within pyproject's bounds, for Python 3.11 on Linux.
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet 'uv>=0.5'
	$(BIN)/uv pip compile pyproject.toml --extra test --generate-hashes --upgrade \
	  --python-version 3.11 --python-platform x86_64-manylinux_2_28 -o requirements.lock
