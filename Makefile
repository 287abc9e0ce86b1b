# The two commands a newcomer runs: `make demo` and `make test`.
# Both create .venv and install what they need (torch pinned: an unpinned
# torch pulls the CUDA build).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.recsys-installed
TORCH_PIN := torch==2.13.0

# Point the dataset cache at the shared MovieLens copy when it sits beside the checkout.
SHARED_DATA := $(abspath ../shared/data)
ifneq ($(wildcard $(SHARED_DATA)/ml-100k.zip),)
export RECSYS_DATA_DIR ?= $(SHARED_DATA)
endif

.PHONY: install demo test bench docs clean

$(STAMP): pyproject.toml examples/recsys-numpy/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet "$(TORCH_PIN)"
	$(BIN)/pip install --quiet -e ".[torch,jax,plots,test,docs]" "$(TORCH_PIN)"
	$(BIN)/pip install --quiet -e examples/recsys-numpy "$(TORCH_PIN)"
	touch $(STAMP)

install: $(STAMP)

## demo: the chapter's line-up on torch and jax -> ./recsys-report/, then a checkpoint carried across frameworks
demo: install
	$(BIN)/recsys plugins
	$(BIN)/recsys compare --out recsys-report
	$(BIN)/recsys fit --dataset ml-100k --item-name title --backend torch --out recsys-report/model.safetensors
	$(BIN)/recsys evaluate recsys-report/model.safetensors --backend jax
	$(BIN)/recsys recommend recsys-report/model.safetensors --user 42 -n 5
	@echo "report: recsys-report/report.md (plots: recsys-report/*.png)"

## test: the whole suite (with the example plugin installed), then the docs build, so neither can rot
test: install
	$(BIN)/pytest -q -n 2
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

## docs: the mkdocs site -> ./site/ (strict: any warning fails)
docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

## bench: time the book's recipe and the toolkit's defaults
bench: install
	$(BIN)/python bench/fit_speed.py

clean:
	rm -rf $(VENV) recsys-report site .pytest_cache
