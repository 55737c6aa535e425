# The two set-up commands of the README:
#   make demo   build the demo docs and serve them with a live backend on :8000
#   make test   install everything, build the sandbox image, run every test
# Both create or reuse .venv and start a Docker engine if none answers.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
IMAGE  ?= livegallery-sandbox:latest
# The docs project's own pinned requirements for the sandbox (default: scikit-image's
# gallery, images/sandbox/requirements.txt): make image REQUIREMENTS=docs/requirements.txt
REQUIREMENTS ?=
# Datasets examples download at run time (scikit-image's pooch cache under
# DATA_DIR/scikit-image), for make gallery-check.
DATA_DIR ?=
GALLERY_VENV := .venv-gallery
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: demo test lint docs image docker venv browser node clean bench nginx \
        deploy deploy-down test-deploy gvisor test-gvisor bench-runtime bench-load gallery-venv \
        gallery-check

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
	images/build.sh $(if $(REQUIREMENTS),--requirements $(REQUIREMENTS)) $(IMAGE)

# sphinx-gallery's reference run of the gallery check needs the sandbox's package
# versions on the host: a venv of its own, from the same requirements file.
$(GALLERY_VENV)/.installed: images/sandbox/requirements.txt pyproject.toml $(REQUIREMENTS)
	test -x $(GALLERY_VENV)/bin/python || $(PYTHON) -m venv $(GALLERY_VENV)
	$(GALLERY_VENV)/bin/python -m pip install -q --upgrade pip
	$(GALLERY_VENV)/bin/python -m pip install -q \
	  -r $(or $(REQUIREMENTS),images/sandbox/requirements.txt) sphinx sphinx-gallery
	$(GALLERY_VENV)/bin/python -m pip install -q --no-deps -e .
	touch $@

gallery-venv: $(GALLERY_VENV)/.installed

# scikit-image's whole gallery through the service, compared with sphinx-gallery's run;
# writes docs/gallery-check.rst. Long (about an hour on 2 cores), like the benchmark.
gallery-check: venv gallery-venv image
	$(PY) benchmarks/gallery_check --image $(IMAGE) --rst docs/gallery-check.rst \
	  $(if $(DATA_DIR),--data-dir $(DATA_DIR))

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

test: lint gallery-venv node image browser nginx
	node --test tests/js/
	LIVEGALLERY_IMAGE=$(IMAGE) $(VENV)/bin/pytest -q -rs $(PYTEST_ARGS)

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

# Warm latency under open-loop load, with reader sessions and without, and the service as
# it was when issue 8 measured it (BASELINE: its own worktree and image), ~35 min.
BASELINE ?= 1e05618
bench-load: venv image
	$(PY) benchmarks/load_curve.py --image $(IMAGE) --baseline $(BASELINE)

clean:
	rm -rf docs/_build docs/auto_examples
