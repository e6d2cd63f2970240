"""Write a synthetic xView release (also installed as ``xview-synth``; options:
``--help``)."""

import sys

from xview_data.cli.synth import main

if __name__ == '__main__':
    sys.exit(main())
