# pacscan developer commands. `make demo` and `make test` are the two that matter.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.pacscan-installed

DEMO_DIR      := examples/dental-practice
DEMO_EVIDENCE := reports/demo-evidence.json
DEMO_REPORT   := reports/demo-report.html

# Checkov: no update check against PyPI, no worker processes.
export CKV_SKIP_PACKAGE_UPDATE_CHECK := true
export CHECKOV_PARALLELIZATION_TYPE  := none

.PHONY: help venv demo test lint typecheck unit bench clean distclean

help:
	@echo "make demo   scan $(DEMO_DIR), write $(DEMO_EVIDENCE) and the HTML report $(DEMO_REPORT)"
	@echo "make test   ruff, mypy --strict, pytest"
	@echo "make venv   create $(VENV) and install pacscan with its dev tools"
	@echo "make bench  IaC vs bare Checkov, live AWS vs the request floor, MSP tenants (slow; not part of test)"
	@echo "make clean  remove caches, build output, reports and bench results"

venv: $(STAMP)

# Reinstall only when the package metadata changes.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check --quiet -e '.[dev]'
	touch $@

# The demo estate has deliberate failures; --soft-fail keeps the exit code 0. The example config
# says which storage holds images (tag data-classification=phi). The HTML report is rendered from
# the evidence, as a compliance officer would render it.
demo: $(STAMP)
	@mkdir -p reports
	$(BIN)/pacscan iac $(DEMO_DIR) \
		--config $(DEMO_DIR)/pacscan.yaml \
		--attestations $(DEMO_DIR)/attestations.yaml \
		--format json --output $(DEMO_EVIDENCE) \
		--soft-fail
	$(BIN)/pacscan evidence html $(DEMO_EVIDENCE) --output $(DEMO_REPORT)
	@echo
	@echo "== the compliance officer's report: $(DEMO_REPORT) (open it in a browser; it prints to PDF as it is)"
	@echo
	@echo "== the live half: the same estate applied into a local moto server, scanned, and compared (drift)"
	$(BIN)/python scripts/demo_live.py
	@echo
	@echo "== beyond configuration: probe a local DICOM SCP, check a generated export folder for identifiers"
	$(BIN)/python scripts/demo_dicom.py

test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check scanner policies tests bench scripts

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python bench/all.py

clean:
	rm -rf build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache bench/results
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +
	find reports -mindepth 1 ! -name README.md -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
