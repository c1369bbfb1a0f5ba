"""`sm-teamkit lifecycle render --format terraform`: HCL that parses (python-hcl2, Terraform's
grammar; no terraform binary is packaged here), with the hashicorp/aws provider's resource types
and arguments, holding exactly the scripts `lifecycle deploy` would create, under the same names."""

from __future__ import annotations

import base64

import hcl2

from sm_teamkit.cli.main import main
from sm_teamkit.lifecycle import render
from sm_teamkit.lifecycle.render import APP_TYPES, MAX_BASE64_CHARS

# The provider's arguments for the resource (registry.terraform.io/providers/hashicorp/aws:
# sagemaker_studio_lifecycle_config); tags is the only other, optional, one.
STUDIO_ARGUMENTS = {
    "studio_lifecycle_config_name",
    "studio_lifecycle_config_app_type",
    "studio_lifecycle_config_content",
}


def unquote(value: str) -> str:
    return value[1:-1] if value.startswith('"') and value.endswith('"') else value  # python-hcl2 8 keeps quotes


def parsed(capsys, *argv: str) -> dict[str, dict]:
    assert main(["lifecycle", "render", "--format", "terraform", *argv]) == 0
    resources = hcl2.loads(capsys.readouterr().out)["resource"]
    return {
        unquote(label): body
        for resource in resources
        for kind, blocks in resource.items()
        if unquote(kind) == "aws_sagemaker_studio_lifecycle_config"
        for label, body in blocks.items()
    }


def test_every_app_type_is_a_studio_lifecycle_config_deploy_would_create(capsys):
    blocks = parsed(capsys)
    assert set(blocks) == {f"sm_teamkit_{app_type.lower()}" for app_type in APP_TYPES}
    assert "CodeEditor" in APP_TYPES
    for app_type in APP_TYPES:
        block = {k: unquote(v) for k, v in blocks[f"sm_teamkit_{app_type.lower()}"].items() if not k.startswith("__")}
        assert set(block) == STUDIO_ARGUMENTS
        script = render(app_type)
        assert block["studio_lifecycle_config_app_type"] == app_type
        assert block["studio_lifecycle_config_name"] == script.config_name
        assert base64.b64decode(block["studio_lifecycle_config_content"]).decode() == script.content
        assert len(block["studio_lifecycle_config_content"]) <= MAX_BASE64_CHARS


def test_one_app_type_and_the_team_settings_baked_in(tmp_path, capsys):
    settings = tmp_path / "team.yaml"
    settings.write_text("wheel_s3_uri: s3://team-bucket/sm_teamkit.whl\n")
    (block,) = parsed(capsys, "--app-type", "CodeEditor", "--settings", str(settings)).values()
    content = base64.b64decode(unquote(block["studio_lifecycle_config_content"])).decode()
    assert "s3://team-bucket/sm_teamkit.whl" in content and "SM_TEAMKIT_APP_TYPE=CodeEditor" in content


def test_the_notebook_resource_holds_both_phases_so_a_phase_is_refused(capsys):
    assert main(["lifecycle", "render", "--format", "terraform", "--notebook-instance", "--phase", "OnStart"]) != 0
    assert "holds both phases: leave out --phase" in capsys.readouterr().err
