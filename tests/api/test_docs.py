"""/api/v1/docs: Swagger UI from our own static files (no CDN), with no inline script or style,
so it works on closed networks and under a Content Security Policy without 'unsafe-inline'."""

from html.parser import HTMLParser

import pytest

pytestmark = pytest.mark.django_db


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.inline_scripts: list[tuple[dict, str]] = []
        self._script: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "script" and "src" not in attrs:
            self._script = attrs

    def handle_data(self, data):
        if self._script is not None:
            self.inline_scripts.append((self._script, data))

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None


@pytest.fixture
def docs(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    parsed = Tags()
    parsed.feed(response.content.decode())
    return response, parsed


def test_every_script_and_stylesheet_is_one_of_our_static_files(client, docs):
    _, parsed = docs
    urls = [a["src"] for t, a in parsed.tags if t == "script" and "src" in a]
    urls += [a["href"] for t, a in parsed.tags if t == "link"]
    assert any(u.endswith("swagger-ui-bundle.js") for u in urls)
    assert any(u.endswith("swagger-ui.css") for u in urls)
    for url in urls:
        assert url.startswith("/static/"), f"{url} is not served by us"
        served = client.get(url)
        assert served.status_code == 200, url
        assert b"".join(served.streaming_content if served.streaming else [served.content])


def test_the_page_has_no_inline_script_handler_or_style(docs):
    response, parsed = docs
    # The one inline <script> is Swagger UI's settings as a JSON data block: it is never run,
    # so script-src does not apply to it. The initialisation is a static file.
    assert [a.get("type") for a, _ in parsed.inline_scripts] == ["application/json"]
    assert '"/api/v1/openapi.json"' in parsed.inline_scripts[0][1]
    assert any(a.get("src", "").endswith("swagger-ui-init.js") for t, a in parsed.tags)
    for tag, attrs in parsed.tags:
        assert "style" not in attrs, tag
        assert not [name for name in attrs if name.startswith("on")], tag
        assert tag != "style"
    assert b"cdn" not in response.content.lower()
    assert b"http://" not in response.content and b"https://" not in response.content
