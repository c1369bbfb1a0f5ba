"""SageMaker Studio's recovery mode: when a space's disk is full, Studio starts JupyterLab from
``/opt/conda/envs/sagemaker-recovery-mode`` with ``HOME=/tmp/sagemaker-recovery-mode-home`` and
no third-party extension, so the panel is not there exactly when the storage view is needed.
From that terminal the image's base Python still runs the CLI (it needs neither the server nor
jupyter_server)::

    /opt/conda/bin/python -m sm_teamkit usage /home/sagemaker-user
    /opt/conda/bin/python -m sm_teamkit clean trash --root /home/sagemaker-user --yes

In recovery mode the user's real home is the folder to look at, not ``$HOME``."""

from __future__ import annotations

import os

RECOVERY_HOME = "/tmp/sagemaker-recovery-mode-home"
USER_HOME = "/home/sagemaker-user"


def in_recovery_mode(environ: dict[str, str] | None = None) -> bool:
    environ = os.environ if environ is None else environ
    return os.path.realpath(environ.get("HOME", "")) == os.path.realpath(RECOVERY_HOME)


def user_home(environ: dict[str, str] | None = None, user_home: str = USER_HOME) -> str:
    """The user's home: ``$HOME``, except in recovery mode, where it is the space's real home."""
    environ = os.environ if environ is None else environ
    if in_recovery_mode(environ) and os.path.isdir(user_home):
        return user_home
    return os.path.expanduser("~")
