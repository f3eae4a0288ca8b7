# Beslutsportalen: `make run` serves the portal with demo data, `make test` runs every test.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CATALOG := portal/translations/sv/LC_MESSAGES/messages
export FLASK_APP := portal

.PHONY: run test install translations extract-messages bench clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml requirements/constraints.txt
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements/constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

$(CATALOG).mo: $(CATALOG).po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d portal/translations -D messages -l sv

translations: $(CATALOG).mo

## Re-extract the message ids after changing user-facing strings, then translate the new ones.
extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o portal/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations -l sv --no-fuzzy-matching

run: install translations
	PORTAL_DEVELOPMENT=1 $(BIN)/flask db upgrade
	PORTAL_DEVELOPMENT=1 $(BIN)/flask portal seed-demo --if-empty
	@# With PORTAL_REDIS_URL set a job worker runs beside the server; without it jobs run in the request.
	@if [ -n "$$PORTAL_REDIS_URL" ]; then \
	  PORTAL_DEVELOPMENT=1 $(BIN)/flask portal worker & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	fi; \
	PORTAL_DEVELOPMENT=1 $(BIN)/flask run --host 127.0.0.1 --port 5000

test: install translations
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
