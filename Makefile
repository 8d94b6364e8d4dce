# make run   set everything up on a fresh machine and serve the portal on http://127.0.0.1:$(PORT)/
# make test  run the whole test suite (DATABASE_URL / REDIS_URL when set, embedded defaults otherwise)

PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Debian packages: fonts so that WeasyPrint prints every script (CJK, Devanagari, Thai...),
# and for the tests a browser (Playwright drives Debian's chromium), Java for the HTML checker
# and poppler to look at PDFs.
RUN_DEBS := fonts-noto-core fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0
TEST_DEBS := $(RUN_DEBS) chromium chromium-driver poppler-utils $(if $(shell command -v java),,default-jre-headless) $(if $(shell command -v npm),,npm)
AXE := node_modules/axe-core/axe.min.js

# Django 6 needs Python 3.12 or newer: the newest python3.1x on the PATH, else pyenv's newest.
FIND_PYTHON := for v in 3.14 3.13 3.12; do \
	  p=$$(command -v python$$v 2>/dev/null) && $$p -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null && echo $$p && exit 0; \
	done; \
	if command -v pyenv >/dev/null 2>&1; then \
	  v=$$(pyenv versions --bare 2>/dev/null | grep -E '^3\.1[2-9]\.[0-9]+$$' | sort -V | tail -1); \
	  [ -n "$$v" ] && echo "$$(pyenv root)/versions/$$v/bin/python" && exit 0; \
	fi; \
	p=$$(command -v python3) && $$p -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null && echo $$p

.PHONY: run test lint check-python system-deps-run system-deps-test clean

$(STAMP): pyproject.toml
	@python=$$($(FIND_PYTHON)); \
	if [ -z "$$python" ]; then \
	  echo "No Python 3.12 or newer found. Install one (for example 'pyenv install 3.13' or your system's python3.13 package), then run make again." >&2; \
	  exit 1; \
	fi; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null; then \
	  rm -rf $(VENV); echo "Creating $(VENV) with $$python"; $$python -m venv $(VENV); \
	fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# Installs the Debian packages when run as root with apt-get; otherwise names the command.
define ensure_debs
	@missing=""; for pkg in $(1); do dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "Missing Debian packages. Install them with:"; \
	    echo "  sudo apt-get install -y --no-install-recommends$$missing"; \
	    $(2) \
	  fi; \
	fi
endef

system-deps-run:
	$(call ensure_debs,$(RUN_DEBS),echo "(continuing: PDFs will show boxes for some scripts until then)";)

system-deps-test:
	$(call ensure_debs,$(TEST_DEBS),exit 1;)

run: $(STAMP) system-deps-run
	@mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py ensure_demo_staff
	@echo "Serving the portal on http://127.0.0.1:$(PORT)/  (Ctrl-C stops it)"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# axe-core for the accessibility tests, from the npm registry at the version package-lock.json pins.
$(AXE): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $(AXE)

test: $(STAMP) system-deps-test $(AXE)
	$(VENV)/bin/pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy sistercities membership directory seeking
	$(VENV)/bin/bandit -q -r membership directory seeking sistercities -ll
	DEBUG=false SECRET_KEY=lint-only-$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
	  ALLOWED_HOSTS=portal.example.org EMAIL_URL=smtp://mail.example.org:587/?tls=1 \
	  $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) var node_modules .pytest_cache .mypy_cache .ruff_cache
