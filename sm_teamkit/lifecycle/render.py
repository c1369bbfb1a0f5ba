"""Render the on-start scripts in ``lifecycle/`` into one self-contained script per app type,
with the team's settings baked in, and check it fits in a Studio lifecycle config."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from .._version import version
from ..errors import BadRequest, NotFound
from .team_settings import LifecycleSettings

APP_TYPES: dict[str, str] = {
    "JupyterLab": "jupyterlab-on-start.sh",
    "JupyterServer": "jupyter-server-on-start.sh",
    "KernelGateway": "kernel-gateway-on-start.sh",
    "CodeEditor": "code-editor-on-start.sh",
}
# Notebook instances: one script per lifecycle phase.
NOTEBOOK_SCRIPTS: dict[str, str] = {
    "OnCreate": "notebook-on-create.sh",
    "OnStart": "notebook-on-start.sh",
}
MAX_BASE64_CHARS = 16384  # StudioLifecycleConfigContent and notebook instance Content limit
BUDGET_BASE64_CHARS = MAX_BASE64_CHARS // 2  # our own headroom: half of the limit
_LIB_LINE = re.compile(r'^\. "\$\(dirname "\$\{BASH_SOURCE\[0\]\}"\)/lib\.sh"\s*$', re.M)
_SETTINGS_LINE = "# @settings"


@dataclass(frozen=True)
class RenderedScript:
    """One self-contained on-start script and how it will be named and sized in Studio."""

    app_type: str
    content: str
    sha256: str
    base64_chars: int

    @property
    def config_name(self) -> str:
        """The lifecycle config name: app type plus a content hash, so a change is a new config."""
        return f"{CONFIG_PREFIX}{self.app_type.lower()}-{self.sha256[:12]}"

    def base64(self) -> str:
        return base64.b64encode(self.content.encode()).decode()


CONFIG_PREFIX = "sm-teamkit-"


def scripts_dir() -> Path:
    """Where the shell sources are: inside an installed wheel, else the source tree's lifecycle/."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "scripts", here.parent.parent / "lifecycle"):
        if (candidate / "lib.sh").is_file():
            return candidate
    raise NotFound(
        "The lifecycle scripts are missing from this sm_teamkit installation.",
        "Reinstall sm_teamkit from its wheel, or run from a source checkout.",
    )


def _strip(text: str) -> str:
    """Drop full-line comments (but shellcheck directives), blank lines and indentation (the
    inline Python has no indented block): the size limit is tight; the sources keep comments."""
    kept = []
    for number, line in enumerate(text.splitlines()):
        stripped = line.strip()
        if number == 0 and stripped.startswith("#!"):
            kept.append(line)
            continue
        if not stripped:
            continue
        if stripped.startswith("#") and not stripped.startswith("# shellcheck disable"):
            continue
        kept.append(line.lstrip(" "))
    return "\n".join(kept) + "\n"


def render(app_type: str, settings: LifecycleSettings | None = None) -> RenderedScript:
    """The Studio script for ``app_type`` with lib.sh inlined and ``settings`` baked in. Raises
    BadRequest when it would not fit in a lifecycle config."""
    if app_type not in APP_TYPES:
        raise BadRequest(f"Unknown app type {app_type!r}.", f"Use one of: {', '.join(APP_TYPES)}.")
    return _render(APP_TYPES[app_type], app_type, "on-start", settings)


def render_notebook(phase: str, settings: LifecycleSettings | None = None) -> RenderedScript:
    """The notebook-instance script for ``phase`` (OnCreate or OnStart), as ``render`` does."""
    if phase not in NOTEBOOK_SCRIPTS:
        raise BadRequest(f"Unknown phase {phase!r}.", f"Use one of: {', '.join(NOTEBOOK_SCRIPTS)}.")
    script = _render(NOTEBOOK_SCRIPTS[phase], "NotebookInstance", phase, settings)
    return dataclasses.replace(script, app_type=f"NotebookInstance{phase}")


def _render(filename: str, app_type: str, phase: str, settings: LifecycleSettings | None) -> RenderedScript:
    settings = settings or LifecycleSettings()
    directory = scripts_dir()
    script = (directory / filename).read_text(encoding="utf-8")
    lib = (directory / "lib.sh").read_text(encoding="utf-8")
    if not _LIB_LINE.search(script) or _SETTINGS_LINE not in script:
        raise NotFound(f"{filename} lacks the lib.sh or settings line that render replaces.")
    body = _strip(_LIB_LINE.sub(lambda _: lib.split("\n", 1)[1], script, count=1))
    baked = "\n".join(settings.shell_assignments())
    body = body.replace("set -uo pipefail\n", "set -uo pipefail\n" + (baked + "\n" if baked else ""), 1)
    header = (
        f"#!/bin/bash\n# sm_teamkit {version()} {phase} for {app_type}, "
        "by `sm-teamkit lifecycle render`\n"
        "# shellcheck disable=SC2016,SC2153,SC2223,SC2317 # settings; names; bash -c\n"
    )
    content = header + body.split("\n", 1)[1].replace("\r\n", "\n")
    encoded = base64.b64encode(content.encode()).decode()
    if len(encoded) > MAX_BASE64_CHARS:
        raise BadRequest(
            f"The {app_type} {phase} script is {len(encoded)} characters after base64; a lifecycle "
            f"config holds at most {MAX_BASE64_CHARS}.",
            "Shorten the settings (long credential helpers or URLs), or move work into ~/.on_start.",
            code="lifecycle_too_large",
        )
    return RenderedScript(
        app_type=app_type,
        content=content,
        sha256=hashlib.sha256(content.encode()).hexdigest(),
        base64_chars=len(encoded),
    )
