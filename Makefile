# make run   set everything up and start the app on 127.0.0.1:$(PORT)
# make test  set everything up and run the whole suite (unit, page and real-browser tests)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
export FEEDBACK_DATABASE_URL ?= sqlite:///data/feedback.db

.PHONY: run test test-fast bench setup setup-dev browser demo lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

setup: $(VENV)/.installed
setup-dev: $(VENV)/.installed-dev

browser:
	scripts/install-chromium.sh

demo: setup
	FEEDBACK_DEMO_MODE=true $(BIN)/feedback demo

run: demo
	@echo ""
	@echo "  Feedback is starting at http://127.0.0.1:$(PORT)"
	@echo "  Sign in with one of the demo accounts printed above (demo mode: new passwords at every start)."
	@echo "  Stop with Ctrl+C."
	@echo ""
	FEEDBACK_DEMO_MODE=true $(BIN)/streamlit run server.py --server.port $(PORT) --server.address 127.0.0.1 \
		--server.headless true --browser.gatherUsageStats false --browser.serverAddress 127.0.0.1

test: setup-dev browser
	$(BIN)/ruff check feedback pages app.py tests bench
	$(BIN)/pytest -q

test-fast: setup-dev
	$(BIN)/pytest -q -m "not e2e"

bench: setup-dev browser
	$(BIN)/python bench/bench_import.py
	$(BIN)/python bench/bench_import_stall.py
	$(BIN)/python bench/bench_agreement.py
	$(BIN)/python bench/bench_queue.py
	$(BIN)/python bench/bench_rate_page.py
	$(BIN)/python bench/bench_rate_browser.py --demo
	$(BIN)/python bench/bench_rate_browser.py --items 100000
	$(BIN)/python bench/bench_consensus.py
	$(BIN)/python bench/bench_curation.py
	$(BIN)/python bench/bench_export.py
	$(BIN)/python bench/bench_team.py --shape 40x300k

lint: setup-dev
	$(BIN)/ruff check feedback pages app.py tests bench

clean:
	rm -rf $(VENV) .pytest_cache artifacts
