"""The demo page at /: served by the app with every asset it needs and no external URL; the
script's calls are routes of the API; the page is open while the API behind it keeps its key.
(bench/demo_browser.py loads it in headless Chromium and checks the rendered words.)"""

import re
from html.parser import HTMLParser

import pytest

from .conftest import make_client

EXTERNAL = re.compile(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}|@import|url\(\s*['\"]?(?!/demo/)", re.IGNORECASE)


class Page(HTMLParser):
    """The same-origin assets (src, href) and element ids of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.assets: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        for key in ("src", "href"):
            if a.get(key):
                self.assets.append(a[key])


def page(client) -> tuple[str, Page, dict[str, str]]:
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    parsed = Page()
    parsed.feed(r.text)
    files = {url: client.get(url) for url in parsed.assets}
    for url, answer in files.items():
        assert url.startswith("/") and not url.startswith("//"), url
        assert answer.status_code == 200, url
    return r.text, parsed, {url: answer.text for url, answer in files.items()}


def test_the_page_and_its_assets_are_served_with_no_external_url(client):
    for outside in ('<script src="https://cdn.example.org/x.js">', "src='//fonts.example.net/f.css'",
                    "@import 'x.css';", "background: url(data:image/png)"):
        assert EXTERNAL.search(outside), outside  # the check would see it
    html, parsed, files = page(client)
    assert {"/demo/demo.js", "/demo/demo.css"} <= set(files)
    for name, text in {"/": html, **files}.items():
        assert not EXTERNAL.search(text), (name, EXTERNAL.search(text))
    csp = client.get("/").headers["content-security-policy"]
    assert "default-src 'self'" in csp  # a browser refuses anything from elsewhere


def test_the_script_calls_routes_of_the_api_and_finds_its_elements(client):
    _, parsed, files = page(client)
    script = files["/demo/demo.js"]
    called = set(re.findall(r'"(/v1/\w+)"', script))
    assert called == {"/v1/models", "/v1/segment", "/v1/tag"}
    assert called <= set(client.get("/openapi.json").json()["paths"])
    ids = set(re.findall(r'\$\("([\w-]+)"\)', script))
    assert ids and ids <= parsed.ids, ids - parsed.ids


def test_a_shared_link_gets_the_same_page(client):
    assert client.get("/", params={"text": "我爱北京", "standard": "ctb6"}).text == client.get("/").text


@pytest.mark.parametrize("path", ["/", "/demo/index.html", "/demo/demo.js", "/demo/demo.css"])
def test_every_path_of_the_page_carries_its_content_security_policy(client, path):
    r = client.get(path)
    assert r.status_code == 200 and "frame-ancestors 'none'" in r.headers["content-security-policy"]


def test_the_page_is_open_and_the_api_behind_it_keeps_its_key():
    with make_client(api_key="s3cret", models=["multi-fast"]) as c:
        assert c.get("/").status_code == 200 and c.get("/demo/demo.js").status_code == 200
        assert c.get("/v1/models").status_code == 401
        assert c.get("/v1/models", headers={"Authorization": "Bearer s3cret"}).status_code == 200
