"""The staff web app's shell: login (password, then TOTP for leaders and administrators), a home
page per role, and the health check."""

import math

from django import forms
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from townhall.accounts import policy, two_factor
from townhall.accounts.models import Role
from townhall.portal import ratelimit

# Login form POSTs from one address per minute (`LOGIN_RATE_LIMIT`, default 20), on top of
# axes' lockout of a username from one address after repeated failures.
LOGIN_LIMIT = ratelimit.Limit("login", 20, 60, setting="LOGIN_RATE_LIMIT")
# Wrong second-factor codes per user, whatever the address (`OTP_FAILURE_LIMIT`, default 5 in
# 15 minutes).
OTP_LIMIT = ratelimit.Limit("otp", 5, 900, setting="OTP_FAILURE_LIMIT")


def too_many(request: HttpRequest, wait: int, message) -> HttpResponse:
    context = {"message": message, "minutes": max(1, math.ceil(wait / 60))}
    response = render(request, "registration/too_many.html", context, status=429)
    response["Retry-After"] = str(wait)
    return response


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        wait = ratelimit.hit(LOGIN_LIMIT, ratelimit.client_key(request))
        if wait is not None:
            return too_many(request, wait, _("Too many logins came from your address."))
        return super().post(request, *args, **kwargs)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "autofocus": True,
                "data-testid": "totp-code",
            }
        ),
    )


def _next_url(request: HttpRequest) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("home")


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_view(request: HttpRequest) -> HttpResponse:
    """Enrol (first time: QR code and secret, confirm with a code) or verify (enter the code).
    The only place that marks a session as having passed the second factor."""
    user = request.user
    if not user.is_authenticated:
        return redirect(settings.LOGIN_URL)
    if two_factor.is_verified(request):
        return HttpResponseRedirect(_next_url(request))
    enrol = two_factor.confirmed_device(user) is None
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        key = f"user:{user.pk}"
        wait = ratelimit.retry_after(OTP_LIMIT, key)
        if wait is not None:
            logout(request)
            return too_many(request, wait, _("Too many wrong codes were entered for this account."))
        if form.is_valid():
            if two_factor.device_verify(user=user, code=form.cleaned_data["code"], enrol=enrol):
                two_factor.mark_verified(request, user)
                return HttpResponseRedirect(_next_url(request))
            ratelimit.record(OTP_LIMIT, key)
            form.add_error("code", _("This code is not valid. Enter the code the app shows now."))
    context = {"form": form, "enrol": enrol, "next": _next_url(request)}
    if enrol:
        device = two_factor.device_for_enrolment(user=user)
        context |= {
            "qr": two_factor.qr_data_uri(device),
            "secret": two_factor.grouped_secret(device),
        }
    return render(request, "registration/two_factor.html", context)


class LogoutView(auth_views.LogoutView):
    pass


HOME_TEMPLATES = {
    Role.CLERK: "web/home_clerk.html",
    Role.HANDLER: "web/home_handler.html",
    Role.LEADER: "web/home_leader.html",
    Role.FRONT_OFFICER: "web/home_front.html",
    Role.INSPECTOR: "web/home_inspector.html",
    Role.ADMINISTRATOR: "web/home_admin.html",
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    agencies = policy.agencies_visible_to(user)
    context = {
        "memberships": user.agencies.select_related("unit").all(),
        "agency_count": agencies.count(),
        "unit_count": policy.units_in_jurisdiction(user).count(),
    }
    return render(request, HOME_TEMPLATES.get(user.role, "web/home_clerk.html"), context)


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
