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

.PHONY: install demo test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet "$(TORCH_PIN)"
	$(BIN)/pip install --quiet -e ".[torch,plots,test]" "$(TORCH_PIN)"
	touch $(STAMP)

install: $(STAMP)

## demo: train the fastai chapter-8 model on MovieLens 100k, save and re-score it
demo: install
	$(BIN)/recsys plugins
	$(BIN)/recsys fit --dataset ml-100k --item-name title --model biased --backend torch \
		--factors 50 --y-range 0 5.5 --epochs 5 --lr 5e-3 --wd 0.1 --bs 64 \
		--valid-pct 0.2 --seed 42 --out demo-model.safetensors
	$(BIN)/recsys evaluate demo-model.safetensors
	$(BIN)/recsys predict demo-model.safetensors --user 42 --item "Star Wars (1977)"

## test: the whole suite
test: install
	$(BIN)/pytest -q -n 2

## bench: time the book's recipe and the toolkit's defaults
bench: install
	$(BIN)/python bench/fit_speed.py

clean:
	rm -rf $(VENV) demo-model.safetensors .pytest_cache
