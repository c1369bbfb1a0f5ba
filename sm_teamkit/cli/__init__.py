"""``sm-teamkit``, the command line: ``main`` (the parser and the table of subcommand groups),
``output`` (tables, JSON and ages, printed one way) and ``kit`` (the Teamkit a command works with).

Subcommand groups live beside their service (``sm_teamkit/<area>/cli.py``); they import from
``output`` and ``kit`` here, and nothing here imports them back except ``main``'s table."""
