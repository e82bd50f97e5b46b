# The two commands: `make run` serves the app, `make test` runs the whole suite.
# Each creates .venv and installs the project into it when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export FLASK_APP := elearn
export ELEARN_TEST_DATABASE_URL

.PHONY: run test setup demo lint clean-db translations

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
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

demo: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask reference load
	$(BIN)/flask courses sync
	$(BIN)/flask seed-demo

run: demo
	$(BIN)/flask demo-logins
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check elearn tests bench
