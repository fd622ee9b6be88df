# The registry's two commands: `make run` and `make test`. Everything else is a step they use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app wsgi
HOST   ?= 127.0.0.1
PORT   ?= 5000
WORKERS ?= 2

.PHONY: run test setup test-setup system-deps test-system-deps translations migrate seed bench clean

run: setup migrate
	@$(FLASK) ppid seed-if-empty
	@$(PY) -m ppid.banner $(HOST) $(PORT)
	PPID_BASE_URL=http://$(HOST):$(PORT) $(VENV)/bin/gunicorn --workers $(WORKERS) \
		--bind $(HOST):$(PORT) --access-logfile - wsgi:app

test: test-setup
	@bash scripts/test.sh

setup: system-deps $(VENV)/.installed translations

test-setup: test-system-deps setup $(VENV)/.test-installed .cache/npm/node_modules/axe-core/axe.min.js

system-deps:
	@bash scripts/system-deps.sh run

test-system-deps:
	@bash scripts/system-deps.sh test

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.test-installed: requirements-test.txt $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-test.txt
	@touch $@

# axe-core (accessibility checks injected into pages by the browser tests), when npm exists.
AXE_VERSION := 4.10.3
.cache/npm/node_modules/axe-core/axe.min.js:
	@if command -v npm >/dev/null; then \
		npm install --silent --no-audit --no-fund --prefix .cache/npm axe-core@$(AXE_VERSION) >/dev/null; \
	else echo "npm not found: accessibility checks in the browser tests will fail"; fi

translations: $(VENV)/.installed
	@$(VENV)/bin/pybabel -q compile -f -d translations

migrate: setup
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) ppid seed-demo

# Update the message catalogues after changing user-visible text.
messages: $(VENV)/.installed
	$(VENV)/bin/pybabel -q extract -F babel.cfg -k _l -o translations/messages.pot .
	$(VENV)/bin/pybabel -q update -i translations/messages.pot -d translations --no-fuzzy-matching

bench: test-setup
	@bash bench/run.sh

clean:
	rm -rf $(VENV) .pytest_cache
