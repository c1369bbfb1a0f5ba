"""Lists SmTeamkit in `jupyter server --help-all`.

The server prints its help before it loads any extension, so the wheel ships a one-line
``sm_teamkit-help.pth`` that imports this module only when a ``jupyter`` command is asked for
help; every other Python process pays one string test."""

from __future__ import annotations


def register() -> None:
    from jupyter_server.serverapp import ServerApp

    from .config import SmTeamkit

    if SmTeamkit not in ServerApp.classes:
        ServerApp.classes.append(SmTeamkit)


register()
