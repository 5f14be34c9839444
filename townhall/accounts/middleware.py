"""The second-factor gate: one middleware, not a check in every view.

A leader, administrator or superuser whose session has not passed the TOTP step
(`two_factor.is_verified`) is sent to the two-factor page from every staff page and the admin.
Public parts (the portal, Open311) and the API see such a session as anonymous: the API's staff
endpoints take bearer tokens only, which this gate does not touch. The login and logout pages,
the language switch, the health check and static files stay reachable.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from . import two_factor

# Reachable by an unverified session as it is.
OPEN_URL_NAMES = ("two_factor", "login", "logout", "healthz", "set_language")
# Reachable, but as an anonymous visitor.
ANONYMOUS_PREFIXES = ("/api/", "/portal/", "/open311/")


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if two_factor.is_verified(request):
            return self.get_response(request)
        path = request.path_info
        if path in {reverse(name) for name in OPEN_URL_NAMES} or path.startswith(
            "/" + settings.STATIC_URL.lstrip("/")
        ):
            return self.get_response(request)
        if path.startswith(ANONYMOUS_PREFIXES):
            request.user = AnonymousUser()
            return self.get_response(request)
        query = urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(f"{reverse('two_factor')}?{query}")
