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
	$(BIN)/pip install --quiet -e ".[torch,jax,plots,test]" "$(TORCH_PIN)"
	touch $(STAMP)

install: $(STAMP)

## demo: the fastai chapter-8 model on MovieLens 100k, on torch and on jax, each checkpoint re-scored by the other
demo: install
	$(BIN)/recsys plugins
	$(BIN)/recsys fit --dataset ml-100k --item-name title --model biased --backend torch \
		--factors 50 --y-range 0 5.5 --epochs 5 --lr 5e-3 --wd 0.1 --bs 64 \
		--valid-pct 0.2 --seed 42 --out demo-torch.safetensors
	$(BIN)/recsys fit --dataset ml-100k --item-name title --model biased --backend jax \
		--factors 50 --y-range 0 5.5 --epochs 5 --lr 5e-3 --wd 0.1 --bs 64 \
		--valid-pct 0.2 --seed 42 --out demo-jax.safetensors
	$(BIN)/recsys evaluate demo-torch.safetensors --backend jax
	$(BIN)/recsys evaluate demo-jax.safetensors --backend torch
	$(BIN)/recsys predict demo-torch.safetensors --user 42 --item "Star Wars (1977)" --item "Fargo (1996)" --user 42

## test: the whole suite
test: install
	$(BIN)/pytest -q -n 2

## bench: time the book's recipe and the toolkit's defaults
bench: install
	$(BIN)/python bench/fit_speed.py

clean:
	rm -rf $(VENV) demo-torch.safetensors demo-jax.safetensors .pytest_cache
