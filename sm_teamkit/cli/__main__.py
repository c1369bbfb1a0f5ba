"""``python -m sm_teamkit.cli``: the same as the ``sm-teamkit`` console script."""

import sys

from .main import main

sys.exit(main())
