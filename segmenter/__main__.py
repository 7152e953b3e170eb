"""`python -m segmenter ...`: the same command line as `segmenter ...`."""

import sys

from segmenter.cli import main

sys.exit(main())
