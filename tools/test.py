"""Test (and evaluate) a checkpoint (options: ``--help``)."""

import sys

from xview_plugins.cli.test import main

if __name__ == '__main__':
    sys.exit(main())
