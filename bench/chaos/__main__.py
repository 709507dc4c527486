"""`python -m bench.chaos [--seed N] [--dialogs N] [--keep]`."""

import sys

from bench.chaos import main

sys.exit(main(sys.argv[1:]))
