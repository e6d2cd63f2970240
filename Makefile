.PHONY: setup demo test lint bench clean-data

# Creates .venv with the pinned stack (the mmcv build happens once; later runs take seconds).
setup:
	bash tools/setup_env.sh

# The main job on the embedded default (synthetic xView): convert, train, test, draw.
demo: setup
	bash tools/demo.sh

test: setup
	.venv/bin/python -m pytest tests -q

# Lint (flake8 + isort rules) and format check, 79 columns as mmdet (pyproject.toml).
lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

bench: setup
	.venv/bin/python benchmarks/convert_xview.py

clean-data:
	rm -rf data/synthetic_xview data/synthetic_xview_chips work_dirs/demo
