.PHONY: setup demo test test-kernels lint bench mutation clean-data

# Creates .venv with the pinned stack (the mmcv build happens once; later runs take seconds).
setup:
	bash tools/setup_env.sh

# The main job on the embedded default (synthetic xView): convert, train, test, draw.
demo: setup
	bash tools/demo.sh

test: setup
	.venv/bin/python -m pytest tests -q

# The numeric tests (official parity, ONNX export and Runtime, batched tiles,
# the streaming merge) once more on torch's plain CPU kernels: another CPU
# rounds otherwise, and their tolerances must hold there too (CI runs it).
NUMERIC_TESTS = tests/xview_plugins/models/utils/test_yolov7_official.py \
	tests/xview_plugins/models/losses \
	tests/xview_plugins/apis/test_onnx_export.py \
	tests/xview_plugins/models/test_sliced_inference.py \
	tests/xview_plugins/models/test_sliding_window_detector.py \
	tests/xview_plugins/models/utils/test_incremental_nms.py \
	tests/xview_plugins/apis/test_scene_inferencer.py
test-kernels: setup
	ATEN_CPU_CAPABILITY=default .venv/bin/python -m pytest -q $(NUMERIC_TESTS)

# Mutation testing of the core logic (mutmut; what and against which tests:
# [tool.mutmut] in pyproject.toml). About 20 minutes on 2 cores: not in CI.
mutation: setup
	.venv/bin/pip install -q mutmut==3.8.1
	rm -rf mutants
	.venv/bin/mutmut run --max-children 2
	.venv/bin/mutmut results

# Lint (flake8 + isort rules) and format check, 79 columns as mmdet (pyproject.toml).
lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

bench: setup
	.venv/bin/python benchmarks/convert_xview.py

clean-data:
	rm -rf data/synthetic_xview data/synthetic_xview_chips work_dirs/demo
