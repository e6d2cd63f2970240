"""Convert xView annotations between formats, chipping scenes and splitting
them (also installed as ``xview-convert``; options: ``--help``)."""

import sys

from xview_data.cli.convert import main

if __name__ == '__main__':
    sys.exit(main())
