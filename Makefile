# Quick start: `make demo` runs the guide on the embedded default, `make test` runs every check.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements.lock

.PHONY: demo test lint typecheck unit browser imap dynamodb-local bench mutants lock clean

# The runtime dependencies at exactly the versions requirements.lock pins for the image, so
# the tests exercise what ships (the lock's hashes are for the image; here its pins constrain).
$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	sed -n 's/^\([A-Za-z0-9._-]*==[^ ;]*\).*/\1/p' $(LOCK) > $(VENV)/constraints.txt
	$(BIN)/python -m pip install --quiet -c $(VENV)/constraints.txt -e '.[dev]'
	touch $(STAMP)

# Rewrites requirements.lock from pyproject.toml for the Lambda image's Python (3.12, x86_64),
# keeping the pins it has; `make lock LOCK_ARGS=--upgrade` moves every pin to the newest allowed.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --quiet --generate-hashes --no-strip-markers \
		--python-version 3.12 --python-platform x86_64-manylinux_2_28 \
		--custom-compile-command 'make lock' $(LOCK_ARGS) -o $(LOCK)

demo: $(STAMP)
	$(BIN)/og demo demo-workspace

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/cfn-lint template.yaml

typecheck: $(STAMP)
	$(BIN)/mypy

# The done link pages are checked in headless Chromium (Debian's package); CI starts without it.
browser:
	command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

# The inbox is read over IMAP from Debian's Dovecot, which the tests start on loopback with a
# throwaway configuration (tests/support/dovecot.py); CI starts without it.
imap:
	command -v dovecot >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null)

# AWS's DynamoDB Local (a Java jar; Java 17 runs it) ships in the npm package below. Only the
# package's own tarball is fetched (not its Node dependencies), checked against the pinned
# sha256, and its emulator/ folder kept in .cache (git-ignored). The state store's tests start it.
DYNAMODB_LOCAL_NPM := amplify-dynamodb-simulator
DYNAMODB_LOCAL_VERSION := 2.9.30
DYNAMODB_LOCAL_SHA256 := 3503ffac19f183407909fecdacf4db51ab1fdad1da7b2f177016670b2d80e4b9
DYNAMODB_LOCAL := .cache/dynamodb-local
DYNAMODB_LOCAL_TGZ := $(DYNAMODB_LOCAL)/$(DYNAMODB_LOCAL_NPM)-$(DYNAMODB_LOCAL_VERSION).tgz
DYNAMODB_LOCAL_STAMP := $(DYNAMODB_LOCAL)/.installed-$(DYNAMODB_LOCAL_VERSION)

$(DYNAMODB_LOCAL_STAMP):
	@command -v npm >/dev/null || (echo "DynamoDB Local comes from the npm registry: install npm" >&2; exit 1)
	rm -rf $(DYNAMODB_LOCAL) && mkdir -p $(DYNAMODB_LOCAL)
	npm pack --silent --pack-destination $(DYNAMODB_LOCAL) \
		$(DYNAMODB_LOCAL_NPM)@$(DYNAMODB_LOCAL_VERSION) >/dev/null
	echo "$(DYNAMODB_LOCAL_SHA256)  $(DYNAMODB_LOCAL_TGZ)" | sha256sum --check --quiet
	tar -xzf $(DYNAMODB_LOCAL_TGZ) -C $(DYNAMODB_LOCAL) --strip-components=1 package/emulator
	rm $(DYNAMODB_LOCAL_TGZ)
	touch $@

dynamodb-local: $(DYNAMODB_LOCAL_STAMP)

unit: $(STAMP) browser imap dynamodb-local
	$(BIN)/pytest -n 2

test: lint typecheck unit

# One table of every figure (about 11 minutes: the 100k-customer state is built and copied into
# DynamoDB Local). The scripts it draws on also run alone, with more detail.
bench: $(STAMP) dynamodb-local
	$(BIN)/python benchmarks/bench.py

# Mutation testing of the pure core (the files [tool.mutmut] in pyproject.toml names): mutmut
# changes them one small edit at a time in mutants/ (git-ignored) and runs the fast tests that
# reach each change; a change no test notices survives. Not part of `make test`. Starts afresh:
# mutmut keeps a survivor's old verdict even after a test that kills it is added.
MUTANTS_JOBS ?= 2
mutants: $(STAMP)
	rm -rf mutants
	$(BIN)/mutmut run --max-children $(MUTANTS_JOBS)
	@echo
	$(BIN)/python tests/support/mutation_scores.py

clean:
	rm -rf $(VENV) demo-workspace mutants .pytest_cache .mypy_cache .ruff_cache
