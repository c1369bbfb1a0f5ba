"""Lifecycle configs for Studio apps and notebook instances: render the scripts, deploy them,
and the on-start steps they hand over to (``python -m sm_teamkit.lifecycle on-start``)."""

from .render import APP_TYPES, NOTEBOOK_SCRIPTS, RenderedScript, render, render_notebook
from .team_settings import LifecycleSettings

__all__ = ["APP_TYPES", "NOTEBOOK_SCRIPTS", "LifecycleSettings", "RenderedScript", "render", "render_notebook"]
