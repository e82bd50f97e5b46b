# The two commands: `make run` serves the app, `make test` runs the whole suite.
# Each creates .venv and installs the project into it when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export FLASK_APP := elearn
export ELEARN_TEST_DATABASE_URL

.PHONY: run test setup demo lint clean-db

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
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

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check elearn tests bench
