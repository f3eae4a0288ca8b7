"""An OpenID provider for the tests, built with Authlib's server side and served on loopback.

Authorization code flow with PKCE (S256), discovery, JWKS, a real login page (a user name field),
an end-session endpoint, and knobs that make it misbehave the ways an IdP or an attacker can: another
audience, an expired token, a wrong nonce, a token signed with a key not in its JWKS. It also signs
back-channel logout tokens. Nothing here is part of the portal (RULINGS 23).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from html import escape

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, grants
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.core.models import AuthorizationCodeMixin
from flask import Flask, jsonify, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

KID = "test-key-1"
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"


@dataclass
class Knobs:
    """How the next tokens go wrong (all off: a well-behaved provider)."""

    audience: str | None = None
    lifetime: int = 300
    issued_ago: int = 0
    nonce: str | None = None
    wrong_key: bool = False


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: list[str]

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope):
        return " ".join(s for s in scope.split() if s in {"openid", "profile", "email"})

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method in {"client_secret_basic", "client_secret_post"}

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


@dataclass
class Code(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time


class Provider:
    def __init__(self):
        self.key = RSAKey.generate_key(2048, parameters={"kid": KID, "use": "sig", "alg": "RS256"})
        self.other_key = RSAKey.generate_key(2048, parameters={"kid": KID, "use": "sig", "alg": "RS256"})
        self.knobs = Knobs()
        self.clients: dict[str, Client] = {}
        self.codes: dict[str, Code] = {}
        self.sids: dict[str, str] = {}  # user -> session id at the provider
        self.app = self._build()
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.issuer = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> Provider:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def register_client(self, client_id: str, secret: str, redirect_uri: str) -> None:
        self.clients[client_id] = Client(client_id, secret, [redirect_uri])

    # --- tokens the tests need directly --------------------------------------------------------
    def logout_token(self, client_id: str, *, sub: str | None = None, sid: str | None = None,
                     events: dict | None = None, key: RSAKey | None = None, **extra) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": client_id, "iat": now, "exp": now + 120,
                  "jti": secrets.token_hex(8),
                  "events": {BACKCHANNEL_EVENT: {}} if events is None else events, **extra}
        if sub is not None:
            claims["sub"] = sub
        if sid is not None:
            claims["sid"] = sid
        return jwt.encode({"alg": "RS256", "kid": KID, "typ": "logout+jwt"}, claims, key or self.key)

    # --- the Flask app -----------------------------------------------------------------------
    def _build(self) -> Flask:
        provider = self
        app = Flask("test_oidc_provider")

        class OpenID(OpenIDCode):
            def resolve_client_private_key(self, client):
                return provider.other_key if provider.knobs.wrong_key else provider.key

            def get_client_algorithm(self, client):
                return "RS256"

            def get_encode_header(self, client):
                return {"alg": "RS256", "kid": KID}

            def get_client_claims(self, client):
                knobs = provider.knobs
                issued = int(time.time()) - knobs.issued_ago
                return {"iss": provider.issuer, "aud": [knobs.audience or client.get_client_id()],
                        "iat": issued, "exp": issued + knobs.lifetime}

            def get_authorization_code_claims(self, authorization_code):
                claims = super().get_authorization_code_claims(authorization_code)
                if provider.knobs.nonce is not None:
                    claims["nonce"] = provider.knobs.nonce
                return claims

            def exists_nonce(self, nonce, req):
                return False

            def generate_user_info(self, user, scope):
                return UserInfo(sub=user, sid=provider.sids[user], name=f"Namn för {user}",
                                preferred_username=user.split("@")[0])

        class CodeGrant(grants.AuthorizationCodeGrant):
            def save_authorization_code(self, code, req):
                provider.codes[code] = Code(
                    code=code, client_id=req.client.client_id, redirect_uri=req.payload.redirect_uri,
                    scope=req.payload.scope, user=req.user, nonce=req.payload.data.get("nonce"),
                    code_challenge=req.payload.data.get("code_challenge"),
                    code_challenge_method=req.payload.data.get("code_challenge_method"))

            def query_authorization_code(self, code, client):
                found = provider.codes.get(code)
                return found if found and found.client_id == client.client_id else None

            def delete_authorization_code(self, authorization_code):
                provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code):
                return authorization_code.user

        server = AuthorizationServer(app, query_client=lambda cid: provider.clients.get(cid),
                                     save_token=lambda token, req: None)
        server.register_grant(CodeGrant, [OpenID(require_nonce=True), CodeChallenge(required=True)])

        @app.get("/.well-known/openid-configuration")
        def discovery():
            base = provider.issuer
            return jsonify({
                "issuer": base, "authorization_endpoint": f"{base}/authorize",
                "token_endpoint": f"{base}/token", "jwks_uri": f"{base}/jwks",
                "end_session_endpoint": f"{base}/logout", "response_types_supported": ["code"],
                "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"], "backchannel_logout_supported": True,
                "backchannel_logout_session_supported": True,
            })

        @app.get("/jwks")
        def jwks():
            return jsonify({"keys": [provider.key.as_dict(private=False)]})

        @app.route("/authorize", methods=["GET", "POST"])
        def authorize():
            if request.method == "GET":
                server.get_consent_grant(end_user=None)  # refuses a bad request before the login page
                hidden = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
                                 for k, v in request.args.items())
                return (f'<!doctype html><html lang="sv"><title>Testkommunens inloggning</title><main>'
                        f'<h1>Testkommunens inloggning</h1><form method="post" action="/authorize">{hidden}'
                        f'<label for="login">Användare</label><input id="login" name="login">'
                        f'<button type="submit">Logga in</button></form></main></html>')
            user = request.form["login"]
            provider.sids.setdefault(user, secrets.token_hex(8))
            grant = server.get_consent_grant(end_user=user)
            return server.create_authorization_response(grant_user=user, grant=grant)

        @app.post("/token")
        def token():
            return server.create_token_response()

        @app.get("/logout")
        def logout():
            return "<!doctype html><title>Utloggad</title><p>Utloggad hos testkommunen.</p>"

        return app
