"""Convert an official YOLOv7 state_dict into a checkpoint for this package's
YOLOv7 (options: ``--help``)."""

import sys

from xview_plugins.cli.convert_weights import main

if __name__ == '__main__':
    sys.exit(main())
