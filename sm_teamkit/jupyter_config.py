"""Load the SmTeamkit config outside a server (for the CLI), from Jupyter's config files."""

from __future__ import annotations

from pathlib import Path

from jupyter_core.paths import jupyter_config_path
from traitlets.config import Config
from traitlets.config.loader import JSONFileConfigLoader, PyFileConfigLoader

from .config import SmTeamkit


def load_config(extra_files: list[str] | None = None) -> SmTeamkit:
    """SmTeamkit as a server started here would see it: jupyter_server_config.{json,py} from
    every Jupyter config dir (lowest priority first), then ``extra_files``."""
    merged = Config()
    for directory in reversed(jupyter_config_path()):
        for name, loader in (
            ("jupyter_server_config.json", JSONFileConfigLoader),
            ("jupyter_server_config.py", PyFileConfigLoader),
        ):
            if (Path(directory) / name).is_file():
                try:
                    merged.merge(loader(name, path=directory).load_config())
                except Exception:  # a broken user config must not break the CLI
                    continue
    for file in extra_files or []:
        path = Path(file)
        loader = JSONFileConfigLoader if path.suffix == ".json" else PyFileConfigLoader
        merged.merge(loader(path.name, path=str(path.parent)).load_config())
    return SmTeamkit(config=merged)
