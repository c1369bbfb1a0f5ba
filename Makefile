# sm_teamkit: `make demo` runs JupyterLab with the extension on the local emulator
# (`sm-studio-emulator demo`, from emulator/);
# `make test` runs every test. Both install what they need on a fresh machine.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
CHROMIUM ?= /usr/bin/chromium
LAB_STAMP := sm_teamkit/labextension/package.json
TS_SOURCES := $(shell find src style schema -type f 2>/dev/null) package.json tsconfig.json

.PHONY: demo demo-reset test test-fast test-studio studio-venvs screenshots lint bench install install-demo install-test system-deps build build-demo clean

demo: install-demo build-demo
	sm-studio-emulator demo --port $${PORT:-8888} --state-dir $${DEMO_DIR:-.demo}

# The demo started over: its home seeded afresh and its Studio state (apps, spaces) forgotten
# (`make demo` keeps what the last run left, in <DEMO_DIR, default .demo>/sagemaker-state.json and home/).
demo-reset: install-demo build-demo
	sm-studio-emulator demo --reset --port $${PORT:-8888} --state-dir $${DEMO_DIR:-.demo}

test: install system-deps build lint
	npm run --silent test
	pytest tests

# The fast tier for the edit-test loop: everything but the tests marked slow (tests/conftest.py).
test-fast: install build
	pytest tests -m "not slow" -p no:cacheprovider

# The Studio-image layer (tests/studio_image): one venv per SageMaker Distribution line, kept in
# .studio-venvs/ keyed by its pins. `studio-venvs` only builds them (CI overlaps it with `make test`).
test-studio: studio-venvs build
	pytest tests/studio_image -p no:cacheprovider

studio-venvs: install system-deps
	python -m tests.studio_image.venvs

# Refresh the screenshots under docs/ (the browser tests otherwise write them to a temporary folder).
screenshots: install system-deps build studio-venvs
	SM_TEAMKIT_SCREENSHOTS=$(CURDIR)/docs pytest tests/ui tests/studio_image -p no:cacheprovider

lint: install
	ruff check sm_teamkit emulator tests benchmarks
	ruff format --check sm_teamkit emulator tests benchmarks
	npm run --silent lint

bench: install system-deps build
	@for b in benchmarks/bench_*.py; do echo "== $$b"; python $$b || exit 1; done

install: install-test

# Extras by use: the demo's (MLflow, Spark), and the tests' on top of them. The emulator
# (emulator/, its own package sm_studio_emulator, never in the sm_teamkit wheel) serves both.
DEMO_EXTRAS := mlflow spark
TEST_EXTRAS := $(DEMO_EXTRAS) test
EMULATOR := emulator
# The declared dependencies of a pyproject.toml (and of the named extras), one per line.
DEPS = $(BIN)/python -c 'import sys, tomllib; p = tomllib.load(open(sys.argv[1], "rb"))["project"]; \
  print("\n".join(p["dependencies"] + [d for e in sys.argv[2:] for d in p["optional-dependencies"][e]]))'

install-demo: $(VENV)/.installed-demo
install-test: $(VENV)/.installed-test

$(VENV)/.installed-demo $(VENV)/.installed-test: $(VENV)/.installed-%: pyproject.toml $(EMULATOR)/pyproject.toml package.json package-lock.json
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	# A new venv's setuptools and pip are old: bring the build tools up to date before anything is built.
	$(BIN)/python -m pip install -q -U pip setuptools wheel
	$(BIN)/pip install -q hatchling editables "hatch-jupyter-builder>=0.9.1" "jupyterlab>=4.4,<5"
	# `npm ci` refuses this lock: the registry here lacks some optional platform binaries.
	npm install --no-audit --no-fund
	# Dependencies first, each sdist built in its own isolated env with current tools...
	{ $(DEPS) pyproject.toml $(if $(filter test,$*),$(TEST_EXTRAS),$(DEMO_EXTRAS)); \
	  $(DEPS) $(EMULATOR)/pyproject.toml; } >$(VENV)/requirements-$*.txt
	$(BIN)/pip install -q -r $(VENV)/requirements-$*.txt
	# ...then the project alone, without isolation: its build hook needs the jupyterlab installed above.
	# A develop link from an earlier install: pip must not write through it into the source tree.
	[ ! -L $(VENV)/share/jupyter/labextensions/sm-teamkit ] || rm $(VENV)/share/jupyter/labextensions/sm-teamkit
	rm -f sm_teamkit/labextension/install.json
	$(BIN)/pip install -q --no-build-isolation --no-deps -e .
	# The emulator and demo, their own package (`sm-studio-emulator`), alone as well.
	$(BIN)/pip install -q --no-build-isolation --no-deps -e ./$(EMULATOR)
	# Editable installs copy the built labextension; link it instead so rebuilds show up.
	jupyter labextension develop --overwrite . >/dev/null
	touch $@ $(if $(filter test,$*),$(VENV)/.installed-demo)

# Debian packages the tests need: the browser for the panel tests, shellcheck for lifecycle,
# FUSE 3 with its headers and a C compiler for the latency filesystem of the storage tests
# (tests/storage/latencyfs.c), Kerberos headers for sparkmagic (AWS's analytics extension, in
# the Studio-image layer, builds gssapi from source), Java for the real Spark sessions.
system-deps:
	@missing=""; \
	  [ -x "$(CHROMIUM)" ] || missing="$$missing chromium"; \
	  command -v shellcheck >/dev/null || missing="$$missing shellcheck"; \
	  command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	  command -v fusermount3 >/dev/null || missing="$$missing fuse3"; \
	  { command -v pkg-config >/dev/null && pkg-config --exists fuse3; } || missing="$$missing libfuse3-dev pkg-config"; \
	  command -v cc >/dev/null || missing="$$missing gcc libc6-dev"; \
	  command -v krb5-config >/dev/null || missing="$$missing libkrb5-dev"; \
	  if [ -n "$$missing" ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  fi

build: install $(LAB_STAMP)
build-demo: install-demo $(LAB_STAMP)

$(LAB_STAMP): $(TS_SOURCES)
	npm run --silent build
	@touch $@

clean:
	rm -rf lib sm_teamkit/labextension tsconfig.tsbuildinfo .demo
