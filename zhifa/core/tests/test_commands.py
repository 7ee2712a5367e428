import json

import pytest
from django.core.management import CommandError, call_command

from zhifa.core import workdays
from zhifa.core.models import ApiToken


@pytest.mark.django_db
def test_calendar_year_load_command(tmp_path, capsys):
    path = tmp_path / "2027.json"
    path.write_text(json.dumps({"year": 2027, "source": "测试", "holidays": ["2027-01-01"], "workdays": []}), "utf-8")
    call_command("calendar_year_load", str(path))
    assert workdays.year_is_known(2027)
    path.write_text(json.dumps({"year": 2027, "source": "测试", "holidays": ["2026-01-01"]}), "utf-8")
    with pytest.raises(CommandError, match="不属于 2027 年"):
        call_command("calendar_year_load", str(path))
    with pytest.raises(CommandError):
        call_command("calendar_year_load", str(tmp_path / "missing.json"))


@pytest.mark.django_db
def test_api_token_issue_command_shows_the_key_once_and_stores_its_hash(users, capsys, client):
    call_command("api_token_issue", "sup_a", "县办案系统")
    raw = capsys.readouterr().out.strip()
    assert raw.startswith("zf_")
    row = ApiToken.objects.get()
    assert row.digest != raw and row.digest == ApiToken.digest_of(raw)
    assert client.get("/api/core/me", HTTP_AUTHORIZATION=f"Bearer {raw}").json()["username"] == "sup_a"
    with pytest.raises(CommandError):
        call_command("api_token_issue", "ghost", "x")


@pytest.mark.django_db
def test_rules_apply_command(capsys, tree):
    call_command("rules_apply", "az", "--jurisdiction", tree.a1.code)
    assert "rule version(s) created" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("rules_apply", "im-m")  # 150000 is not registered here
