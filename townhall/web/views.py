"""The staff web app's shell: login, a home page per role, and the health check."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from townhall.accounts import policy
from townhall.accounts.models import Role


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


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
