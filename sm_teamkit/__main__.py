"""``python -m sm_teamkit ...``: the ``sm-teamkit`` command where its script is not on PATH
(Studio's recovery mode, a bare interpreter)."""

from .cli.main import main

raise SystemExit(main())
