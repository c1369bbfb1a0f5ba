"""The rendered scripts as Terraform (hashicorp/aws provider) resources, for teams that manage
their domain as code: ``sm-teamkit lifecycle render --format terraform``.

Studio: ``aws_sagemaker_studio_lifecycle_config`` (``studio_lifecycle_config_name``,
``studio_lifecycle_config_app_type``, ``studio_lifecycle_config_content``: base64, as the API
takes it). Notebook instances: ``aws_sagemaker_notebook_instance_lifecycle_configuration``
(``name``, ``on_create``, ``on_start``: base64). The content is inlined, so the HCL is the whole
bundle: a change of settings is a new name (the content hash), as ``lifecycle deploy`` names it."""

from __future__ import annotations

import hashlib
import re

from .render import CONFIG_PREFIX, RenderedScript

STUDIO_RESOURCE = "aws_sagemaker_studio_lifecycle_config"
NOTEBOOK_RESOURCE = "aws_sagemaker_notebook_instance_lifecycle_configuration"
_HEADER = "# sm_teamkit lifecycle bundle, from `sm-teamkit lifecycle render --format terraform`.\n"


def _label(name: str) -> str:
    """A Terraform block label: letters, digits, underscores and dashes, not starting with a digit."""
    label = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return label if label[:1].isalpha() or label[:1] == "_" else f"_{label}"


def _block(kind: str, label: str, attributes: dict[str, str]) -> str:
    width = max(len(k) for k in attributes)
    rows = "".join(f"  {key.ljust(width)} = {_string(value)}\n" for key, value in attributes.items())
    return f'resource "{kind}" "{label}" {{\n{rows}}}\n'


def _string(value: str) -> str:
    """An HCL quoted string (base64 and config names need no escapes; keep it correct anyway)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("${", "$${").replace("%{", "%%{")
    return f'"{escaped}"'


def studio_hcl(scripts: list[RenderedScript]) -> str:
    """One ``aws_sagemaker_studio_lifecycle_config`` per rendered app-type script."""
    blocks = [
        _block(
            STUDIO_RESOURCE,
            _label(f"sm_teamkit_{script.app_type.lower()}"),
            {
                "studio_lifecycle_config_name": script.config_name,
                "studio_lifecycle_config_app_type": script.app_type,
                "studio_lifecycle_config_content": script.base64(),
            },
        )
        for script in scripts
    ]
    return _HEADER + "\n".join(blocks)


def notebook_hcl(on_create: RenderedScript, on_start: RenderedScript) -> str:
    """The notebook-instance lifecycle configuration: both phases in one resource, named as
    ``lifecycle deploy --notebook-instance`` names it (without an admin's script to merge)."""
    digest = hashlib.sha256(f"{on_create.content}\0{on_start.content}".encode()).hexdigest()[:12]
    return _HEADER + _block(
        NOTEBOOK_RESOURCE,
        "sm_teamkit",
        {
            "name": f"{CONFIG_PREFIX}notebook-{digest}",
            "on_create": on_create.base64(),
            "on_start": on_start.base64(),
        },
    )
