"""Studio lifecycle configs: render the on-start scripts and deploy them to a domain."""

from .render import APP_TYPES, LifecycleSettings, RenderedScript, render

__all__ = ["APP_TYPES", "LifecycleSettings", "RenderedScript", "render"]
