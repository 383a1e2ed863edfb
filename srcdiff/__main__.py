"""``python -m srcdiff``: the same command line as the ``srcdiff`` script.

Example: ``python -m srcdiff dump examples/seed.py:f``.
"""

import sys

from srcdiff.tools.cli import main

if __name__ == "__main__":
    sys.exit(main())
