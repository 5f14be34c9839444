"""The browser harness: Playwright's sync API driving Debian's Chromium (`/usr/bin/chromium`).

Nothing is downloaded: the `playwright` wheel ships its own driver and the browser is the
system's. Without `/usr/bin/chromium` the browser tests are skipped, unless
`TOWNHALL_REQUIRE_BROWSER` is set (CI), in which case they fail.

Every test here runs against `live_server`, so it is a transactional test: the database is
flushed after each one, and a test creates what it needs through the fixtures below
(`demo`, or `units` and `cast` as in tests/).
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

# Playwright's sync API keeps an asyncio loop running in the main thread; Django's async-safety
# check would refuse ORM calls made from a test (they are synchronous and safe here).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("TOWNHALL_CHROMIUM", "/usr/bin/chromium"))
REQUIRE_BROWSER_ENV = "TOWNHALL_REQUIRE_BROWSER"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
DEFAULT_TIMEOUT_MS = 10_000
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.e2e)


def screenshot_dir() -> Path:
    path = Path(settings.VAR_DIR) / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def screenshot_name(request, suffix: str = "") -> str:
    return re.sub(r"[^\w.-]+", "_", request.node.name) + suffix + ".png"


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        reason = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get(REQUIRE_BROWSER_ENV):
            pytest.fail(f"{reason}, and {REQUIRE_BROWSER_ENV} is set", pytrace=False)
        pytest.skip(f"browser tests skipped: {reason}")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
    except Exception:
        playwright.stop()
        raise
    yield browser
    browser.close()
    playwright.stop()


TWO_FACTOR_FORM = "[data-testid=two-factor-form]"


def totp_code(username: str) -> str:
    """The code `username`'s authenticator app would show: computed with pyotp from the device
    secret read from the database, for the earliest time step (now or the next, both accepted)
    that is later than the last code used (a code is never accepted twice)."""
    import time
    from concurrent.futures import ThreadPoolExecutor

    import pyotp
    from django.db import connections

    from townhall.accounts import two_factor
    from townhall.accounts.models import TOTPDevice

    def read():
        # In a thread of its own, which closes its connection: called from a Playwright
        # handler (another greenlet), the ORM would otherwise open a connection that is never
        # closed, and PostgreSQL could not drop the test database at the end.
        try:
            return TOTPDevice.objects.values_list("secret", "last_used_step").get(
                user__username=username
            )
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as executor:
        secret, last_used_step = executor.submit(read).result()
    while True:
        now = int(time.time()) // two_factor.STEP
        for step in (now, now + two_factor.WINDOW):
            if last_used_step is None or step > last_used_step:
                return pyotp.TOTP(secret).at(step * two_factor.STEP)
        time.sleep(1)  # two logins of one user in one step already used both codes


def pass_second_factor(page) -> None:
    """Enrol or verify on the two-factor page, as a leader with the app on their phone would."""
    form = page.locator(TWO_FACTOR_FORM)
    username = form.get_attribute("data-username")
    form.get_by_test_id("totp-code").fill(totp_code(username))
    form.get_by_test_id("totp-submit").click()


def log_in(page, live_server, username: str, password: str) -> None:
    """Log in through the form; leaders and administrators then pass the second factor."""
    page.goto(live_server.url + "/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    # The page's locator handler (below) enters the code if the two-factor form is shown.
    expect(page.locator(TWO_FACTOR_FORM)).to_be_hidden()


def _open_page(browser, request, suffix: str, **context_options):
    # Import the URL configuration (every app's views and the API) here, not during the first
    # page load: on a busy machine that import alone took 9 s of the 10 s navigation timeout.
    from django.urls import reverse

    reverse("home")
    context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", **context_options)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    # Tests that log a leader in through the form and go on to other pages find the two-factor
    # page in their way: Playwright runs this handler whenever the form shows up before an action
    # or an assertion, and it enters the real code (tests of the page itself remove it).
    page.add_locator_handler(page.locator(TWO_FACTOR_FORM), lambda _form: pass_second_factor(page))
    # Every browser test also checks the Content Security Policy: Chromium reports what the
    # policy blocked (an inline script or style, a foreign origin) on the console.
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: blocked.append(f"{page.url}: {message.text}")
        if "Content Security Policy" in message.text
        else None,
    )
    yield page
    try:
        page.screenshot(path=screenshot_dir() / screenshot_name(request, suffix), full_page=True)
    finally:
        context.close()
    assert not blocked, "the Content Security Policy blocked:\n" + "\n".join(blocked)


@pytest.fixture
def page(browser, request):
    """A desktop page (1280×800, Vietnamese, Hanoi time) in a fresh context; screenshot after."""
    yield from _open_page(browser, request, "", viewport=DESKTOP)


@pytest.fixture
def phone_page(browser, request):
    """A phone-sized page (390×844, touch, mobile viewport) in a fresh context."""
    yield from _open_page(
        browser,
        request,
        "-phone" if "page" in request.fixturenames else "",
        viewport=PHONE,
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
    )


@pytest.fixture
def loaded_units(transactional_db):
    """The real administrative units of both eras and the seeded reference data (idempotent;
    the flush after the test removes them)."""
    from tests.reference import seed_reference_data

    seed_reference_data()


@pytest.fixture
def units(loaded_units):
    from tests.cast import UnitBook

    return UnitBook()


@pytest.fixture
def cast(loaded_units):
    """tests/'s cast of users (password `tests.cast.PASSWORD`); not to be combined with `demo`."""
    from tests.cast import Cast

    return Cast.build()


@pytest.fixture
def demo(loaded_units):
    """The demo's agencies and staff (`townhall demo`'s people), password `demo_password()`."""
    from townhall.demo.people import build_people

    return build_people()
