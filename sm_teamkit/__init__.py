"""sm_teamkit: JupyterLab extension and lifecycle bundle for SageMaker Studio teams.

This module holds the Jupyter extension points only."""

from __future__ import annotations

from ._version import version

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    if name == "__version__":  # looked up on first use
        return version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "sm-teamkit"}]


def _jupyter_server_extension_points():
    return [{"module": "sm_teamkit"}]


def _load_jupyter_server_extension(server_app):
    """Build the kit from config, register the REST routes and start background work."""
    from .context import Teamkit
    from .proxies.spark import keep_spark_on_loopback
    from .proxies.webapps import keep_tensorboard_in_proxy
    from .routes import setup_routes

    teamkit = Teamkit.from_server_app(server_app)
    setup_routes(server_app.web_app, teamkit)
    keep_spark_on_loopback()  # kernels inherit the server's environment
    keep_tensorboard_in_proxy(server_app.base_url)  # %tensorboard frames <base>proxy/<port>/
    server_app.io_loop.add_callback(teamkit.culler.start)  # the team's idle policy, on the loop
    server_app.log.info("sm_teamkit %s loaded (%s)", version(), teamkit.describe())


def _unload_jupyter_server_extension(server_app):
    """Stop background work (watchers, refresh loops) when the server shuts down."""
    teamkit = server_app.web_app.settings.get("sm_teamkit")
    if teamkit is not None:
        teamkit.stop()
