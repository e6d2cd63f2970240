"""Export a config's detector to ONNX (deploy form, raw head outputs):

    python tools/deploy/export_onnx.py CONFIG CHECKPOINT OUT.onnx \
        [--tile-size 640] [--batch-size 8] [--dynamic-batch]

Run it with ``tools/infer.py ... --backend onnxruntime --onnx OUT.onnx`` or
``tools/test.py ... --onnx OUT.onnx``."""

import sys

from xview_plugins.cli.export_onnx import main

if __name__ == '__main__':
    sys.exit(main())
