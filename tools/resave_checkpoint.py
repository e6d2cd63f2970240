"""Re-save a checkpoint you trust as plain types, so that it loads with
weights_only=True (options: ``--help``)."""

import sys

from xview_plugins.cli.resave_checkpoint import main

if __name__ == '__main__':
    sys.exit(main())
