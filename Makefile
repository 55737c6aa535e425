# The two set-up commands of the README:
#   make demo   build the demo docs and serve them with a live backend on :8000
#   make test   install everything, build the sandbox image, run every test
# Both create or reuse .venv and start a Docker engine if none answers.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
IMAGE  ?= livegallery-sandbox:latest
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: demo test lint docs image docker venv browser node clean bench

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[backend,docs,test]"
	touch $@

venv: $(VENV)/.installed

# Ace comes from its npm package (never copied into the repo); the demo docs and the
# browser tests serve it locally, since a CDN may be out of reach.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

node: node_modules/.installed

docker:
	scripts/ensure-docker.sh

image: docker
	images/build.sh $(IMAGE)

browser:
	scripts/ensure-browser.sh

docs: venv node
	$(VENV)/bin/sphinx-build -q -b html docs docs/_build/html

demo: docs image
	@echo "==> serving the demo gallery at http://$(HOST):$(PORT)/"
	$(PY) -m livegallery.backend --host $(HOST) --port $(PORT) \
	  --image $(IMAGE) --static-dir docs/_build/html

# ruff's rules are in pyproject.toml.
lint: venv
	$(VENV)/bin/ruff check .

test: lint node image browser
	node --test tests/js/
	LIVEGALLERY_IMAGE=$(IMAGE) $(VENV)/bin/pytest -q

bench: venv image
	$(PY) -m benchmarks --image $(IMAGE)

clean:
	rm -rf docs/_build docs/auto_examples
