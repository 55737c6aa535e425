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

.PHONY: demo test lint docs image docker venv browser node clean bench nginx \
        deploy deploy-down test-deploy gvisor test-gvisor bench-runtime bench-load

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

test: lint node image browser nginx
	node --test tests/js/
	LIVEGALLERY_IMAGE=$(IMAGE) $(VENV)/bin/pytest -q

# Debian's nginx for the config tests (never started as a system service).
nginx:
	@command -v nginx >/dev/null || scripts/ensure-packages.sh nginx-light

# The production stack (docs/operators.rst): nginx + backend in docker compose.
deploy:
	deploy/up.sh

deploy-down:
	deploy/down.sh

# Slow checks of the deployment: several backends behind a real nginx (load, a host
# killed and back, session routing, retries), and the compose stack end to end.
test-deploy: venv image nginx
	LIVEGALLERY_IMAGE=$(IMAGE) $(VENV)/bin/pytest -q -m deploy tests/test_multihost.py tests/test_deploy_stack.py

# gVisor: install runsc, register it with dockerd, run the hostile-input tests under it.
gvisor: docker
	scripts/setup-gvisor.sh

test-gvisor: venv image gvisor
	LIVEGALLERY_RUNTIME=runsc LIVEGALLERY_IMAGE=$(IMAGE) $(VENV)/bin/pytest -q \
	  tests/test_sandbox_limits.py tests/test_gvisor.py

bench-runtime: venv image gvisor
	$(PY) benchmarks/runtime_cost.py --image $(IMAGE)

bench: venv image
	$(PY) -m benchmarks --image $(IMAGE)

# Warm latency under open-loop load, with reader sessions and without (~15 min).
bench-load: venv image
	$(PY) benchmarks/load_curve.py --image $(IMAGE)

clean:
	rm -rf docs/_build docs/auto_examples
