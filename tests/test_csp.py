"""A strict Content-Security-Policy on every page, and nothing inline that it would block (issue 14 §7).

The browser half (no violation reported while pages, htmx and Swagger UI run in Chromium) is
tests/e2e/test_csp_in_browser.py."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

ROOT = Path(settings.BASE_DIR)
STRICT = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "media-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'none'"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
}
# Rendered to PDF by WeasyPrint on the server, never served as a page: their <style> carries the @font-face
# rules of the embedded fonts (docs: "Documents"), and no browser applies a CSP to them.
PDF_TEMPLATES = {"zhifa/cases/templates/cases/print/document.html", "zhifa/publicity/templates/publicity/report_pdf.html",
                 "zhifa/records/templates/records/print/case_file.html",
                 "zhifa/instruments/templates/instruments/print/_bureau_document.html"}
INLINE = [
    ("inline <script>", re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)),
    ("<style> element", re.compile(r"<style[\s>]", re.I)),
    ("style attribute", re.compile(r"\sstyle\s*=", re.I)),
    ("event handler attribute", re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I)),
    ("javascript: URL", re.compile(r"javascript:", re.I)),
    ("htmx hx-on (needs eval)", re.compile(r"\shx-on[:-]", re.I)),
    ("htmx js: value (needs eval)", re.compile(r"hx-(?:vals|headers)\s*=\s*[\"']\s*js:", re.I)),
]


def policy(response) -> dict[str, set[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    return {name: set(values) for name, *values in (part.split() for part in header.split(";") if part.strip())}


def project_templates() -> list[Path]:
    dirs = [ROOT / "templates", *sorted((ROOT / "zhifa").glob("*/templates"))]
    return sorted(path for d in dirs for path in d.rglob("*.html"))


@pytest.mark.django_db
def test_every_kind_of_page_carries_the_strict_policy(client, users, tree):
    """The login page, the public portal, an error page, a staff page, an htmx fragment and a JSON API answer all
    carry the same policy: scripts and styles from this origin only, nothing inline, no eval, no framing."""
    anonymous = [reverse("login"), reverse("portal-root"), reverse("portal-home", args=[tree.a1.code])]
    for url in anonymous:
        assert policy(client.get(url)) == STRICT, url
    client.force_login(users.officer_a1)
    staff = [reverse("home"), reverse("calendar"), reverse("calendar-deadline") + "?start=2026-03-02&days=5",
             "/api/core/me", "/no-such-page/"]
    for url in staff:
        assert policy(client.get(url)) == STRICT, url


@pytest.mark.django_db
def test_api_docs_load_swagger_from_this_server_under_the_policy(client, users):
    """/api/docs used to load Swagger UI from a CDN (ninja falls back to it when "ninja" is not an installed
    app): blocked by the policy, and absent offline. It now loads ninja's bundled copy from /static/, and its
    one inline <script> is a JSON data block, which a CSP does not execute or block."""
    client.force_login(users.officer_a1)
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert policy(response) == STRICT
    html = response.content.decode()
    scripts = re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", html)
    assert scripts and all(src.startswith(settings.STATIC_URL if settings.STATIC_URL.startswith("/")
                                          else "/" + settings.STATIC_URL) for src in scripts), scripts
    assert "cdn" not in html.lower() and "https://" not in html
    assert 'type="application/json" id="swagger-settings"' in html


def test_no_template_has_inline_script_style_or_handlers():
    """Every template the browser sees keeps scripts and styles in static files: the policy allows nothing
    inline, so an inline rule would silently not apply and an inline script would not run."""
    found = []
    for path in project_templates():
        rel = path.relative_to(ROOT).as_posix()
        if rel in PDF_TEMPLATES:
            continue
        text = path.read_text(encoding="utf-8")
        for what, pattern in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{rel}:{line}: {what}: {match.group(0)[:60]}")
    assert not found, "\n".join(found)


def test_the_check_finds_inline_code():
    """The scan above can fail: each pattern catches what it names."""
    samples = ['<script>alert(1)</script>', '<style>p{}</style>', '<p style="color:red">', '<a onclick="x()">',
               '<a href="javascript:x()">', '<button hx-on:click="x()">', "<div hx-vals='js:{a: 1}'>"]
    for (what, pattern), sample in zip(INLINE, samples, strict=True):
        assert pattern.search(sample), what
    assert not INLINE[0][1].search('<script src="/static/x.js" defer></script>')
    assert not INLINE[0][1].search('<script type="application/json" id="s">{}</script>')


@pytest.mark.django_db
def test_htmx_is_configured_to_run_without_eval_or_inline_styles(client, users):
    """htmx 2 evaluates hx-on handlers, js: values and trigger filters with Function() and injects a <style> for
    its indicators unless told not to; the configuration must be in the page before htmx loads."""
    client.force_login(users.officer_a1)
    html = client.get(reverse("home")).content.decode()
    meta = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", html)
    assert meta, "no htmx-config meta"
    assert json.loads(meta.group(1)) == {"allowEval": False, "allowScriptTags": False, "includeIndicatorStyles": False}
    assert html.index('name="htmx-config"') < html.index("htmx-2.0.11.min.js")
    htmx = (ROOT / "static" / "vendor" / "htmx-2.0.11.min.js").read_text()
    # The options exist under these names in the vendored version (a rename would make the meta a no-op).
    for option in ("allowEval", "allowScriptTags", "includeIndicatorStyles", "htmx-config"):
        assert option in htmx, option
