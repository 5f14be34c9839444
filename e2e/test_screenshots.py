"""The README's screenshots (docs/screenshots/*.png), taken from the real demo: `make screenshots`.

Skipped unless `TOWNHALL_SCREENSHOTS=1`: it builds the demo (`townhall migrate` + `townhall
demo`) into a fresh SQLite database (var/screenshots.sqlite3), serves it with `townhall
runserver` on a free port, and drives Chromium (the harness of e2e/conftest.py):

- on a phone (390×844): the portal's home, and the tracking page of the Đầm Chợ petition
  (looked up with its tracking code and the resident's phone number, as a citizen would);
- on a desktop (1280×800), logged in as the provincial inspector (`danvan.tinh`, no second
  factor): the Đầm Chợ case, the Phú Thái dialogue conference and the reports dashboard.

To retake the pictures without rebuilding the demo, add `TOWNHALL_SCREENSHOTS_REUSE=1`.
Each picture is a viewport-sized PNG under ~300 KB. The same run checks that /api/v1/docs
(Swagger UI from our own static files) draws the API under the site's Content Security Policy.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from townhall.demo.people import demo_password

pytestmark = pytest.mark.skipif(
    not os.environ.get("TOWNHALL_SCREENSHOTS"),
    reason="screenshots are taken by `make screenshots` (TOWNHALL_SCREENSHOTS=1)",
)

OUT = Path(settings.PROJECT_DIR) / "docs" / "screenshots"
MAX_BYTES = 300_000
WAIT = 15_000  # ms: a busy machine (the demo just built) can be slow to answer
STAFF = "danvan.tinh"  # the provincial inspector: reads every case, conference and report
RESIDENT_PHONE = "0912345000"  # the first Đầm Chợ resident (townhall/demo/stories.py)
TOWNHALL = [sys.executable, "-m", "townhall.cli"]

# The records to photograph, found in the demo database by the server's own settings.
FIND = """
import json
from townhall.dialogues.models import Conference
from townhall.demo.stories import DAM_CHO_TITLE
from townhall.petitions.models import Case
case = Case.objects.filter(title=DAM_CHO_TITLE).order_by("pk").first()
petition = case.petitions.order_by("pk").first()
conference = Conference.objects.filter(opinions__petition__case=case).order_by("pk").first()
print(json.dumps({"case": case.pk, "code": petition.tracking_code, "conference": conference.pk}))
"""


def _env(database: Path) -> dict:
    # Not under pytest: real settings (no TESTING shortcuts), as `make run` serves them.
    skip = {"PYTEST_VERSION", "PYTEST_XDIST_WORKER", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    skip.add("TOWNHALL_TESTING")
    env = {k: v for k, v in os.environ.items() if k not in skip}
    env.update(
        DATABASE_URL=f"sqlite:///{database}",
        DEBUG="true",
        DJANGO_SETTINGS_MODULE="townhall.settings",
        PYTHONUNBUFFERED="1",
    )
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(url: str, server: subprocess.Popen) -> None:
    for _ in range(600):
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped (exit {server.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 - our own server
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer at {url}")


@pytest.fixture(scope="module")
def demo_site():
    """The demo in a fresh SQLite database, served on a free port: (base URL, records)."""
    database = Path(settings.VAR_DIR) / "screenshots.sqlite3"
    env = _env(database)
    cwd = settings.PROJECT_DIR
    # TOWNHALL_SCREENSHOTS_REUSE=1 keeps a database built by an earlier run (retakes only).
    if not (os.environ.get("TOWNHALL_SCREENSHOTS_REUSE") and database.exists()):
        for leftover in database.parent.glob(database.name + "*"):
            leftover.unlink()
        run = {"env": env, "cwd": cwd, "check": True}
        subprocess.run([*TOWNHALL, "migrate", "--no-input", "-v", "0"], **run)
        subprocess.run([*TOWNHALL, "demo"], **run, stdout=subprocess.DEVNULL)
    found = subprocess.run(
        [*TOWNHALL, "shell", "-c", FIND], env=env, cwd=cwd, check=True, capture_output=True
    )
    records = json.loads(found.stdout.decode().strip().splitlines()[-1])
    port = _free_port()
    server = subprocess.Popen(
        [*TOWNHALL, "runserver", f"127.0.0.1:{port}", "--noreload"], env=env, cwd=cwd
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base + "/healthz", server)
        yield base, records
    finally:
        server.terminate()
        server.wait(timeout=20)


def _context(browser, **options):
    context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", **options)
    context.set_default_timeout(20_000)
    return context


@pytest.fixture
def phone(browser):
    context = _context(
        browser,
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop(browser):
    context = _context(browser, viewport={"width": 1280, "height": 800})
    yield context.new_page()
    context.close()


def _csp_errors(page) -> list[str]:
    errors: list[str] = []
    page.on(
        "console",
        lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return errors


def _report(errors: list[str]) -> None:
    """The site's own pages are checked against the CSP by their tests; here, only shown."""
    for error in errors:
        print(f"CSP: {error}")


def _save(page, name: str) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.png"
    page.wait_for_load_state("networkidle")
    page.screenshot(path=path, full_page=False, animations="disabled", caret="hide")
    assert path.stat().st_size < MAX_BYTES, f"{path.name} is {path.stat().st_size:,} bytes"
    return path


def _login(page, base: str) -> None:
    page.goto(base + "/accounts/login/")
    page.locator("#id_username").fill(STAFF)
    page.locator("#id_password").fill(demo_password())
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("whoami")).to_have_text("Trưởng Ban Dân vận Tỉnh ủy", timeout=WAIT)


def test_portal_on_a_phone(demo_site, phone):
    base, records = demo_site
    errors = _csp_errors(phone)
    phone.goto(base + "/portal/")
    expect(phone.locator("h1").first).to_be_visible(timeout=WAIT)
    _save(phone, "portal-home")

    phone.goto(base + "/portal/track/")
    phone.locator("#id_code").fill(records["code"])
    phone.locator("#id_key").fill(RESIDENT_PHONE)
    phone.locator("main form button[type=submit]").first.click()
    expect(phone).to_have_url(f"{base}/portal/track/{records['code']}/", timeout=WAIT)
    expect(phone.locator("main")).to_contain_text(records["code"], timeout=WAIT)
    _save(phone, "portal-tracking")
    _report(errors)


def test_staff_pages_on_a_desktop(demo_site, desktop):
    base, records = demo_site
    page = desktop
    errors = _csp_errors(page)
    _login(page, base)

    page.goto(f"{base}/cases/{records['case']}/")
    expect(page.locator("main")).to_contain_text("Đầm Chợ", timeout=WAIT)
    _save(page, "staff-case")

    page.goto(f"{base}/conferences/{records['conference']}/")
    expect(page.locator("main")).to_contain_text("Phú Thái", timeout=WAIT)
    _save(page, "conference")

    page.goto(f"{base}/reports/?unit=30&start=2022-01-01&end=2022-12-31")
    chart = page.locator('canvas[data-chart="chart-dialogues"]')
    expect(chart).to_have_attribute("data-drawn", "true", timeout=WAIT)
    _save(page, "reports-dashboard")
    _report(errors)


def test_the_api_docs_draw_from_our_static_files_under_the_csp(demo_site, desktop):
    base, _ = demo_site
    page = desktop
    errors = _csp_errors(page)
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(base) else outside.append(r.url))
    answer = page.goto(base + "/api/v1/docs")
    policy = answer.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    # Swagger UI draws the whole schema in the browser: slow on a busy machine.
    title = page.locator(".swagger-ui .info .title")
    expect(title).to_contain_text("Townhall API", timeout=4 * WAIT)
    expect(page.locator(".opblock").first).to_be_visible(timeout=4 * WAIT)
    assert page.locator(".opblock").count() > 50
    assert not outside, outside
    assert not errors, errors
