"""Detect objects in whole scenes (also installed as ``xview-infer``; options:
``--help``)."""

import sys

from xview_plugins.cli.infer import main

if __name__ == '__main__':
    sys.exit(main())
