"""CreatePresignedDomainUrl: a sign-in link for one user profile, optionally into one space.

Each issued link is kept in `state.presigned_domain_urls` (profile, space, expiry, URL) so a
test can tell which link went to whom; the token is random and opens nothing.
"""

from __future__ import annotations

from .errors import invalid
from .state import StudioState

DEFAULT_EXPIRES_SECONDS = 300
DEFAULT_SESSION_SECONDS = 43200


def create_presigned_domain_url(state: StudioState, params: dict) -> dict:
    domain_id, profile = params["DomainId"], params["UserProfileName"]
    domain = state.domain(domain_id)
    state.user_profile(domain_id, profile)
    if domain.get("AuthMode", "IAM") != "IAM":
        raise invalid(
            f"Domain {domain_id} uses {domain['AuthMode']} authentication; presigned URLs "
            "can only be created for domains that use IAM"
        )
    space_name = params.get("SpaceName")
    if space_name is not None:
        space = state.space(domain_id, space_name)
        owner = (space.get("OwnershipSettings") or {}).get("OwnerUserProfileName")
        sharing = (space.get("SpaceSharingSettings") or {}).get("SharingType", "Private")
        if sharing == "Private" and owner != profile:
            raise invalid(f"User profile {profile} cannot access private space {space_name} (owned by {owner})")
    token = state.random_id(64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
    url = f"{state.domain_url(domain_id)}/auth?token={token}"
    expires = params.get("ExpiresInSeconds", DEFAULT_EXPIRES_SECONDS)
    state.presigned_domain_urls.append(
        {
            "DomainId": domain_id,
            "UserProfileName": profile,
            "SpaceName": space_name,
            "LandingUri": params.get("LandingUri"),
            "ExpiresAt": state.clock() + expires,
            "SessionExpirationDurationInSeconds": params.get(
                "SessionExpirationDurationInSeconds", DEFAULT_SESSION_SECONDS
            ),
            "AuthorizedUrl": url,
        }
    )
    return {"AuthorizedUrl": url}


OPERATIONS = {"CreatePresignedDomainUrl": create_presigned_domain_url}
