"""Train with mmengine's runner (options: ``--help``)."""

import sys

from xview_plugins.cli.train import main

if __name__ == '__main__':
    sys.exit(main())
