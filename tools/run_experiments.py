"""Train a list of classification configs and tabulate them with the report's
columns (options: ``--help``)."""

import sys

from xview_plugins.cli.run_experiments import main

if __name__ == '__main__':
    sys.exit(main())
