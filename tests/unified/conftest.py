"""The Unified Studio scenario: an emulator serving a DataZone project's SageMaker domain and
DataZone's GetUserProfile, and the resource metadata of the keyboard user's project space."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SCENARIO = Path(__file__).parents[2] / "emulator" / "sm_studio_emulator" / "scenarios" / "unified-studio.yaml"
DANA = "8a4b2c1d-3e5f-4a6b-9c7d-0e1f2a3b4c5d"  # DataZone user id = SageMaker user profile name
SPACE = f"default-{DANA}"
DZ_DOMAIN = "dzd_5xq8mk2n3r9w1e"
DZ_PROJECT = "4hn7pw0vsqa3ty"
SM_DOMAIN = "d-usproject0001"


def write_metadata(emu, folder: Path) -> Path:
    from sm_studio_emulator.datazone_ops import unified_studio_metadata

    path = folder / "resource-metadata.json"
    path.write_text(json.dumps(unified_studio_metadata(emu, SPACE)))
    return path


@pytest.fixture
def unified(make_emulator, tmp_path, monkeypatch):
    """(emulator, metadata path) for a Unified Studio project space; DataZone is reached through
    the metadata's DataZoneEndpoint (the emulator), as in a real space."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_DATAZONE", raising=False)
    emu = make_emulator(str(SCENARIO))
    return emu, write_metadata(emu, tmp_path)
