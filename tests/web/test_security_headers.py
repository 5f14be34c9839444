"""The Content Security Policy: every page sends it, and no page needs inline script or style.

The policy (townhall/settings.py, CONTENT_SECURITY_POLICY) allows scripts and styles only from
our own static files. A page that still held an inline <script>, an on*= handler, a style=
attribute or a javascript: URL would break silently in the browser, so these tests render every
page they can reach (a list of main pages, then every URL pattern without parameters, walked
anonymously, as a clerk and as a superuser for the admin) and parse its HTML.
"""

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from townhall.accounts.models import User

pytestmark = pytest.mark.django_db

EXPECTED_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


class InlineCodeFinder(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block: one line per offence."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.offences: list[str] = []
        self._open_script: str | None = None
        self._script_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.offences.append(f"<{tag} {name}=…> event handler")
            if name == "style":
                self.offences.append(f"<{tag} style={value!r}>")
            url = (value or "").strip().lower()
            if name in ("href", "src", "action", "formaction") and url.startswith("javascript:"):
                self.offences.append(f"<{tag} {name}={value!r}>")
            # 'self' only: a script, style or image from another origin would be blocked.
            stylesheet = tag == "link" and name == "href" and names.get("rel") != "alternate"
            loads = name == "src" or stylesheet
            if loads and url.startswith(("http:", "https:", "//")):
                self.offences.append(f"<{tag} {name}={value!r}> from another origin")
        if tag == "style":
            self.offences.append("<style> element")
        if tag == "script":
            kind = (names.get("type") or "").strip().lower()
            is_data = kind in ("application/json", "application/ld+json", "text/template")
            if names.get("src") is None and not is_data:
                self._open_script = tag
                self._script_text = []

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self._close_script()

    def handle_data(self, data):
        if self._open_script:
            self._script_text.append(data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._close_script()

    def _close_script(self):
        if self._open_script:
            text = "".join(self._script_text).strip()
            self.offences.append(f"inline <script>: {text[:80]!r}")
        self._open_script = None


def inline_code(html: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(html)
    finder.close()
    return finder.offences


def policy_of(response) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = " ".join(words[1:])
    return directives


def assert_safe_page(response, url: str) -> None:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{url}: no Content-Security-Policy header"
    assert "unsafe-inline" not in header, f"{url}: {header}"
    assert "unsafe-eval" not in header, f"{url}: {header}"
    if "text/html" in response.headers.get("Content-Type", ""):
        offences = inline_code(response.content.decode())
        assert not offences, f"{url}: {offences}"


# --- the checker itself -----------------------------------------------------------------------


def test_the_checker_finds_each_kind_of_inline_code():
    html = """<html><head><style>p{color:red}</style></head><body>
      <p style="margin:0">x</p><button onclick="go()">go</button>
      <a href=" JavaScript:void(0)">x</a><script>alert(1)</script>
      <script src="/static/ok.js"></script><script type="application/json">{}</script>
      <script src="https://cdn.example.com/x.js"></script>
    </body></html>"""
    offences = inline_code(html)
    assert len(offences) == 6, offences
    assert any("another origin" in o for o in offences)
    assert any("style='margin:0'" in o for o in offences)
    assert any("onclick" in o for o in offences)
    assert any("javascript" in o.lower() for o in offences)
    assert any("alert(1)" in o for o in offences)
    assert any("<style> element" in o for o in offences)


def test_the_checker_accepts_external_scripts_and_classes():
    html = '<p class="flush" data-x="on">x</p><script src="/static/a.js" defer></script>'
    assert inline_code(html) == []


# --- the policy -------------------------------------------------------------------------------


def test_the_policy_is_the_agreed_one(client):
    response = client.get("/accounts/login/")
    assert policy_of(response) == EXPECTED_DIRECTIVES


# --- the main pages ---------------------------------------------------------------------------

ANONYMOUS_PAGES = [
    "/accounts/login/",
    "/portal/",
    "/portal/send/",
    "/portal/track/",
    "/portal/answers/",
    "/admin/login/",
    "/api/v1/docs",
]
CLERK_PAGES = ["/", "/cases/", "/cases/new/", "/conferences/", "/reception/", "/reports/"]


@pytest.mark.parametrize("url", ANONYMOUS_PAGES)
def test_main_public_pages_send_the_policy_and_hold_no_inline_code(client, url):
    response = client.get(url, follow=True)
    assert response.status_code == 200, url
    assert "text/html" in response.headers["Content-Type"]
    assert_safe_page(response, url)


@pytest.mark.parametrize("url", CLERK_PAGES)
def test_main_staff_pages_send_the_policy_and_hold_no_inline_code(cast, url):
    client = Client()
    client.force_login(cast.kim_thanh_clerk)
    response = client.get(url, follow=True)
    assert response.status_code == 200, url
    assert_safe_page(response, url)


def test_the_admin_works_under_the_policy(cast):
    admin = User.objects.create_superuser("root.hd", password="x-secret-x")  # noqa: S106
    client = Client()
    client.force_login(admin)
    change = f"/admin/units/agency/{cast.kim_thanh_committee.pk}/change/"
    for url in ("/admin/", "/admin/units/agency/", "/admin/units/agency/add/", change):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_safe_page(response, url)
        # The admin's scripts are external files; their data rides on data- attributes.
        assert "/static/admin/js/" in response.content.decode(), url


# --- every page without parameters ------------------------------------------------------------

_PARAMETER = re.compile(r"[<(\[?*+\\]")


def parameterless_urls(patterns=None, prefix: str = "") -> list[str]:
    """Every URL of townhall.urls whose pattern takes no parameter, as a path."""
    urls = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = str(entry.pattern).lstrip("^").rstrip("$")
        if route.startswith("\\Z") or route.endswith("\\Z"):
            route = route.replace("\\Z", "")
        if _PARAMETER.search(route):
            continue
        if isinstance(entry, URLResolver):
            urls.extend(parameterless_urls(entry.url_patterns, prefix + route))
        elif isinstance(entry, URLPattern):
            urls.append("/" + prefix + route)
    return sorted(set(urls))


def test_the_walk_reaches_the_apps_pages():
    urls = parameterless_urls()
    for expected in ("/", "/cases/", "/portal/send/", "/admin/", "/api/v1/docs", "/reports/"):
        assert expected in urls
    assert len(urls) > 40, urls


def walk(client: Client) -> tuple[int, list[str]]:
    """GET every parameterless URL; return how many HTML pages were checked and the failures."""
    checked, failures = 0, []
    for url in parameterless_urls():
        response = client.get(url)
        if response.status_code >= 500:
            failures.append(f"{url}: HTTP {response.status_code}")
            continue
        header = response.headers.get("Content-Security-Policy", "")
        if not header or "unsafe-inline" in header:
            failures.append(f"{url}: CSP header {header!r}")
        if response.status_code == 200 and "text/html" in response.headers.get("Content-Type", ""):
            checked += 1
            offences = inline_code(response.content.decode())
            if offences:
                failures.append(f"{url}: {offences}")
    return checked, failures


def test_every_parameterless_page_anonymously(cast):
    checked, failures = walk(Client())
    assert failures == []
    assert checked >= 5


def test_every_parameterless_page_as_a_clerk(cast):
    client = Client()
    client.force_login(cast.kim_thanh_clerk)
    checked, failures = walk(client)
    assert failures == []
    assert checked >= 15


def test_every_parameterless_page_as_a_superuser(cast):
    client = Client()
    client.force_login(User.objects.create_superuser("root.hd", password="x-secret-x"))  # noqa: S106
    checked, failures = walk(client)
    assert failures == []
    assert checked >= 30


# --- production settings: `townhall check --deploy` -------------------------------------------


def run_deploy_check(tmp_path: Path, **overrides: str) -> subprocess.CompletedProcess:
    """`townhall check --deploy --fail-level WARNING` in a new process, production settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in (
            "PYTEST_VERSION",
            "TOWNHALL_TESTING",
            "DJANGO_SETTINGS_MODULE",
            "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser tests' fixtures, never deployed
        )
        and not key.startswith(("SECURE_", "DEBUG", "BEHIND_PROXY"))
    }
    env.update(
        DEBUG="false",
        SECRET_KEY="c1-test-" + "k3y-Xq9" * 8,
        FIELD_ENCRYPTION_KEY="f1ZSPX6mSRo0qRTs4Bu8UQdFrp7Y0b6dO1R8xkR0uMU=",
        ALLOWED_HOSTS="townhall.example.gov.vn",
        CSRF_TRUSTED_ORIGINS="https://townhall.example.gov.vn",
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        TOWNHALL_VAR_DIR=str(tmp_path),
        CACHE_URL="",
    )
    env.update(overrides)
    return subprocess.run(
        [sys.executable, "-m", "townhall.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = run_deploy_check(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)" in result.stdout + result.stderr


def test_check_deploy_flags_debug_left_on(tmp_path):
    result = run_deploy_check(tmp_path, DEBUG="true")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "security.W018" in output  # DEBUG on in deployment
    assert "security.W012" in output  # and with it, session cookies over plain HTTP


def test_check_deploy_flags_hsts_turned_off(tmp_path):
    result = run_deploy_check(tmp_path, SECURE_HSTS_SECONDS="0")
    assert result.returncode != 0
    assert "security.W004" in result.stdout + result.stderr
