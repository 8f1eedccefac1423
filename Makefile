# Quick start: `make demo` and `make test` set everything up themselves.
# With a working OpenMMLab environment of your own: `make test SKIP_SETUP=1 PYTHON=python`.
VENV ?= $(CURDIR)/.venv
PYTHON ?= $(VENV)/bin/python
SKIP_SETUP ?= 0
# Test processes (pytest-xdist): one per core; TEST_WORKERS=0 runs the tests in one process.
TEST_WORKERS ?= auto
LINT_PATHS = mmdlkd configs tools tests setup.py

.PHONY: setup data test lint demo format _lint

setup:
ifeq ($(SKIP_SETUP),0)
	@VENV=$(VENV) bash tools/setup_env.sh
endif

# Fashion-MNIST in data/fashion_mnist (Debian's dataset-fashion-mnist, installed
# when run as root): the model-zoo tests read its test images, and skip without it.
data: setup
	@$(PYTHON) tools/data/prepare_fashion_mnist.py --out data/fashion_mnist \
		|| echo "[data] Fashion-MNIST is not available: its zoo tests will skip"

_lint:
	$(PYTHON) -m flake8 $(LINT_PATHS)
	$(PYTHON) -m isort --check-only --diff $(LINT_PATHS)
	$(PYTHON) -m yapf --recursive --diff $(LINT_PATHS)

lint: setup
	@$(MAKE) --no-print-directory _lint PYTHON=$(PYTHON)

format: setup
	$(PYTHON) -m isort $(LINT_PATHS)
	$(PYTHON) -m yapf --recursive --in-place $(LINT_PATHS)

test: setup data
	@$(MAKE) --no-print-directory _lint PYTHON=$(PYTHON)
	$(PYTHON) -m pytest tests -q --durations=15 --timeout=900 -n $(TEST_WORKERS) --dist worksteal

demo: setup
	$(PYTHON) tools/demo.py
