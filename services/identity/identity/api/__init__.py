"""identity's HTTP API (api.md "Identity"): handlers parse the request, call a use case and
write the answer; errors are AppErrors the shared middleware turns into problem+json."""
from __future__ import annotations

from aiohttp import web

from identity.api.cards import card_routes
from identity.api.client_ip import ClientIpResolver
from identity.api.jwks import jwks_routes
from identity.api.password_resets import password_reset_routes
from identity.api.sessions import session_routes
from identity.api.sms_codes import sms_code_routes
from identity.api.users import user_routes
from identity.service.runtime import IdentityRuntime


def routes(rt: IdentityRuntime) -> list[web.RouteDef]:
    client_ip = ClientIpResolver(rt.settings.trusted_proxies)
    return [*sms_code_routes(rt, client_ip), *user_routes(rt), *password_reset_routes(rt),
            *session_routes(rt), *card_routes(rt), *jwks_routes(rt)]
