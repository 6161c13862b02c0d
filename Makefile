# Two commands do everything on a fresh machine:
#   make plan   offline plan of the lagos stack (no Pulumi CLI, cloud or credentials needed)
#   make test   the whole test suite
VENV ?= .venv
PYTHON ?= python3
STACK ?= lagos
BIN = $(VENV)/bin

.PHONY: plan test install clean

$(BIN)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $@

install: $(BIN)/.installed

plan: $(BIN)/.installed
	mkdir -p out
	$(BIN)/dbaas plan $(STACK) --json out/$(STACK).plan.json

test: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n auto

clean:
	rm -rf $(VENV) out
