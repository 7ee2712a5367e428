"""`manage.py check --deploy` is clean with the production settings the README lists (issue 14 §7), and the
scheme a proxy reports counts only from a trusted proxy."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from zhifa.core.proxy import TrustedProxyHeadersMiddleware

ROOT = Path(__file__).resolve().parent.parent
ENV_BLOCK = "# /etc/zhifa/zhifa.env"


def readme_production_env() -> dict[str, str]:
    """The KEY=VALUE lines of the README's production environment block, as an operator would copy them."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```sh\n" + re.escape(ENV_BLOCK) + r"\n(.*?)```", text, re.S)
    assert block, f"README.md has no ```sh block starting with {ENV_BLOCK!r}"
    env = dict(line.split("=", 1) for line in block.group(1).splitlines() if line and not line.startswith("#"))
    assert "SECRET_KEY" in env and "DEBUG" not in env
    return env


def check_deploy(env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    # Nothing of the test run's own environment leaks in: only PATH, a data folder of its own, and `env`.
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "ZHIFA_DATA_DIR": str(tmp_path / "data"),
            "HOME": str(tmp_path)}
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT, env={**base, **env},
                          capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_with_the_readme_production_settings(tmp_path):
    env = readme_production_env()
    env["SECRET_KEY"] = "dummy-" + "k7Qm2vX9pL4sR8tW1zN6bH3jF5gD0cA" * 2  # long and varied, as W009 asks
    result = check_deploy(env, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr


def test_check_deploy_warns_with_the_demo_defaults(tmp_path):
    """The control: the check does find something without those settings, each of them one of ours."""
    result = check_deploy({}, tmp_path)
    found = set(re.findall(r"\(security\.(W\d+)\)", result.stdout + result.stderr))
    assert {"W004", "W008", "W009", "W012", "W016"} <= found, result.stdout + result.stderr


@override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"), ZHIFA_TRUSTED_PROXIES=["127.0.0.1"])
@pytest.mark.parametrize(("peer", "secure"), [("127.0.0.1", True), ("203.0.113.9", False)])
def test_forwarded_proto_counts_only_from_a_trusted_proxy(peer, secure):
    """A client talking to gunicorn directly cannot claim HTTPS with its own X-Forwarded-Proto (it would then
    skip the HTTPS redirect and be treated as a secure request)."""
    seen = {}

    def view(request):
        seen["secure"] = request.is_secure()
        return HttpResponse()

    request = RequestFactory().get("/", HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR=peer)
    TrustedProxyHeadersMiddleware(view)(request)
    assert seen["secure"] is secure


@override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"), ZHIFA_TRUSTED_PROXIES=["127.0.0.1"],
                   SECURE_SSL_REDIRECT=True, ALLOWED_HOSTS=["testserver"])
@pytest.mark.django_db
def test_https_redirect_is_not_skipped_by_a_forged_header(client):
    forged = client.get("/portal/", headers={"X-Forwarded-Proto": "https"}, REMOTE_ADDR="203.0.113.9")
    assert forged.status_code == 301 and forged["Location"].startswith("https://")
    proxied = client.get("/portal/", headers={"X-Forwarded-Proto": "https"}, REMOTE_ADDR="127.0.0.1")
    assert proxied.status_code != 301
