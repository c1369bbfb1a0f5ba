"""CreatePresignedDomainUrl: a link per profile (and space), kept for tests; wrong access refused."""

from __future__ import annotations

import botocore.exceptions
import pytest

DOMAIN = "d-small0000001"


def test_presigned_domain_url_for_a_profile_and_its_own_space(make_emulator, small_scenario, aws):
    emu = make_emulator(small_scenario())
    sm = aws(emu, "sagemaker")
    url = sm.create_presigned_domain_url(
        DomainId=DOMAIN, UserProfileName="carol", SpaceName="carol-lab", ExpiresInSeconds=30
    )["AuthorizedUrl"]
    assert url.startswith(f"https://{DOMAIN}.studio.us-east-1.sagemaker.aws/auth?token=")
    issued = emu.state.presigned_domain_urls[-1]
    assert (issued["AuthorizedUrl"], issued["SpaceName"], issued["UserProfileName"]) == (url, "carol-lab", "carol")
    other = sm.create_presigned_domain_url(DomainId=DOMAIN, UserProfileName="carol")["AuthorizedUrl"]
    assert other != url and emu.state.presigned_domain_urls[-1]["SpaceName"] is None


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"UserProfileName": "carol", "SpaceName": "dave-code"}, "cannot access private space dave-code"),
        ({"UserProfileName": "nobody"}, "does not exist"),
        ({"UserProfileName": "carol", "SpaceName": "nope"}, "does not exist"),
    ],
)
def test_presigned_domain_url_refusals(make_emulator, small_scenario, aws, params, message):
    emu = make_emulator(small_scenario())
    with pytest.raises(botocore.exceptions.ClientError, match=message):
        aws(emu, "sagemaker").create_presigned_domain_url(DomainId=DOMAIN, **params)
    assert emu.state.presigned_domain_urls == []
