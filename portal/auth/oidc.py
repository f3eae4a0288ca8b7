"""The municipality's identity provider over OpenID Connect, through Authlib's Flask client.

Authorization code flow with PKCE (S256); the provider is found by discovery from OIDC_ISSUER; state
and nonce travel in the signed session cookie and are checked by Authlib; the ID token's signature
(against the provider's JWKS), issuer, audience and expiry are checked with a bounded clock skew
(OIDC_CLOCK_SKEW_SECONDS). Back-channel logout tokens are checked the same way here.
"""

from __future__ import annotations

from typing import Any

from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import current_app
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from requests import RequestException

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"


class SignInFailed(Exception):
    """The provider's answer could not be trusted: the reason is for the log and the trail."""


def configured() -> bool:
    return bool(current_app.config.get("OIDC_ISSUER"))


def _issuer() -> str:
    return current_app.config["OIDC_ISSUER"].rstrip("/")


def client():
    """Authlib's client for the configured provider, made once per app and configuration."""
    config = current_app.config
    key = (_issuer(), config["OIDC_CLIENT_ID"], config["OIDC_CLIENT_SECRET"], config["OIDC_SCOPES"])
    clients = current_app.extensions.setdefault("portal_oidc", {})
    if key not in clients:
        oauth = OAuth(current_app._get_current_object())
        oauth.register(
            "idp",
            client_id=config["OIDC_CLIENT_ID"],
            client_secret=config["OIDC_CLIENT_SECRET"],
            server_metadata_url=_issuer() + "/.well-known/openid-configuration",
            client_kwargs={"scope": config["OIDC_SCOPES"], "code_challenge_method": "S256",
                           "timeout": 10},
        )
        clients[key] = oauth.create_client("idp")
    return clients[key]


def metadata() -> dict[str, Any]:
    """The provider's discovery document; its issuer must be the configured one (no mix-ups)."""
    try:
        found = client().load_server_metadata()
    except (RequestException, ValueError) as error:
        raise SignInFailed(f"discovery failed: {error}") from error
    if str(found.get("issuer", "")).rstrip("/") != _issuer():
        raise SignInFailed("the discovery document names another issuer")
    return found


def authorize_redirect(redirect_uri: str):
    """Send the browser to the provider, with state, nonce and a PKCE challenge."""
    from authlib.common.security import generate_token

    metadata()
    return client().authorize_redirect(redirect_uri, nonce=generate_token(32))


def complete_sign_in() -> dict[str, Any]:
    """The verified ID token's claims for the provider's answer in this request."""
    config = current_app.config
    found = metadata()
    options = {"iss": {"essential": True, "values": [found["issuer"]]},
               "aud": {"essential": True, "values": [config["OIDC_CLIENT_ID"]]},
               "exp": {"essential": True}}
    try:
        token = client().authorize_access_token(claims_options=options,
                                                leeway=config["OIDC_CLOCK_SKEW_SECONDS"])
    except (OAuthError, JoseError, RequestException, ValueError, KeyError) as error:
        raise SignInFailed(f"{type(error).__name__}: {error}") from error
    claims = token.get("userinfo")
    if not claims:
        raise SignInFailed("the provider sent no ID token")
    return dict(claims)


def logout_url(post_logout_redirect_uri: str) -> str | None:
    """The provider's end-session address (RP-initiated logout), when it has one."""
    try:
        found = metadata()
    except SignInFailed:
        return None
    if not found.get("end_session_endpoint"):
        return None
    return client().create_logout_url(post_logout_redirect_uri=post_logout_redirect_uri,
                                      client_id=current_app.config["OIDC_CLIENT_ID"])["url"]


def verify_logout_token(token: str) -> dict[str, Any]:
    """A back-channel logout token's claims, after the checks of OpenID Back-Channel Logout 1.0 §2.6."""
    config = current_app.config
    found = metadata()
    try:
        keys = KeySet.import_key_set(client().fetch_jwk_set(force=True))
        algorithms = found.get("id_token_signing_alg_values_supported") or ["RS256"]
        decoded = jwt.decode(token, keys, algorithms=algorithms)
        claims = dict(decoded.claims)
        jwt.JWTClaimsRegistry(
            leeway=config["OIDC_CLOCK_SKEW_SECONDS"],
            iss={"essential": True, "value": found["issuer"]},
            aud={"essential": True, "value": config["OIDC_CLIENT_ID"]},
            iat={"essential": True},
            jti={"essential": True},
        ).validate(claims)
    except (JoseError, RequestException, ValueError, TypeError) as error:
        raise SignInFailed(f"{type(error).__name__}: {error}") from error
    events = claims.get("events")
    if not isinstance(events, dict) or BACKCHANNEL_EVENT not in events:
        raise SignInFailed("not a back-channel logout token")
    if "nonce" in claims:
        raise SignInFailed("a logout token must not carry a nonce")
    if not isinstance(claims.get("sub"), str) and not isinstance(claims.get("sid"), str):
        raise SignInFailed("a logout token names neither subject nor session")
    return claims
