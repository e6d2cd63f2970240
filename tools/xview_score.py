"""Score xView detections with the official rules (also installed as
``xview-score``; options: ``--help``)."""

import sys

from xview_data.cli.score import main

if __name__ == '__main__':
    sys.exit(main())
