"""``python -m sm_teamkit.lifecycle ACTION``: what the rendered scripts call (no console script needed)."""

import sys

from ..cli.main import main

sys.exit(main(["lifecycle", *sys.argv[1:]]))
