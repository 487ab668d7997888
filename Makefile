# servicestage-ls — quick start: `make demo`, `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test test-python test-vscode test-e2e bench lint lock clean docs docs-gen

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) examples/demo.py

test: test-python test-vscode test-e2e

test-python: $(STAMP)
	$(PY) -m pytest -q

test-vscode:
	cd client-vscode && npm ci --no-audit --no-fund && npm test && npm run package

# The packaged .vsix in a real VS Code (code-server + Debian's chromium); install.sh caches what it installs.
test-e2e: $(STAMP) test-vscode
	cache="$$(tests/vscode-e2e/install.sh)" && SERVICESTAGE_E2E_CACHE="$$cache" node tests/vscode-e2e/test.mjs

# The generated reference pages (docs/reference/: diagnostics, command line, settings, JSON Schema) from the code.
docs-gen: $(STAMP)
	$(PY) -m tools.docsgen

# The documentation site (docs/, mkdocs.yml) into site/, offline; strict: a broken link or anchor fails.
docs: docs-gen
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict --site-dir site

bench: $(STAMP)
	$(PY) -m compileall -q server/servicestage_ls  # bytecode as an installed package has it
	$(PY) bench/run.py

lint: $(STAMP)
	$(PY) -m pip install --quiet ruff mypy
	$(PY) -m ruff check server tests tools
	$(PY) -m mypy server/servicestage_ls tools
	$(VENV)/bin/lint-imports

# The .vsix's Python bundle pinned with hashes (client-vscode/requirements.txt, build-requirements.txt), after a
# change to pyproject.toml's dependencies or build system; `make lock UPGRADE=1` moves every pin to the newest.
lock: $(STAMP)
	$(PY) -m pip install --quiet uv
	$(PY) client-vscode/scripts/lockfile.py $(if $(UPGRADE),--upgrade)

clean:
	rm -rf $(VENV) build *.egg-info client-vscode/node_modules client-vscode/dist client-vscode/*.vsix test-results site
