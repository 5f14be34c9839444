"""docs/openapi.json is the API's schema as served; errors are documented as problem+json."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from townhall.api.management.commands import openapi

PROBLEM = "application/problem+json"


@pytest.fixture
def served(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_the_snapshot_is_the_schema_the_api_serves(served):
    stored = openapi.SNAPSHOT.read_text(encoding="utf-8") if openapi.SNAPSHOT.exists() else ""
    live = openapi.render(served)
    if stored != live:
        old = json.loads(stored or "{}").get("paths", {})
        changed = sorted(
            set(old) ^ set(served["paths"])
            | {p for p in set(old) & set(served["paths"]) if old[p] != served["paths"][p]}
        )
        pytest.fail(
            f"docs/openapi.json is out of date ({len(changed)} paths differ, e.g. "
            f"{changed[:5]}). Refresh it with `{openapi.REFRESH}` "
            f"(or `.venv/bin/{openapi.REFRESH}`) and commit the file.",
            pytrace=False,
        )


def test_the_snapshot_is_sorted_with_indent_2():
    text = openapi.SNAPSHOT.read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def test_the_command_renders_what_is_served(served):
    out = io.StringIO()
    call_command("openapi", stdout=out)
    assert out.getvalue() == openapi.render(served)


def test_check_fails_on_a_stale_snapshot_and_write_refreshes_it(tmp_path, monkeypatch):
    snapshot = tmp_path / "openapi.json"
    snapshot.write_text("{}\n", encoding="utf-8")
    monkeypatch.setattr(openapi, "SNAPSHOT", snapshot)
    with pytest.raises(CommandError, match="townhall openapi --write"):
        call_command("openapi", "--check", verbosity=0)
    call_command("openapi", "--write", stdout=io.StringIO())
    assert json.loads(snapshot.read_text(encoding="utf-8"))["info"]["title"] == "Townhall API"
    call_command("openapi", "--check", stdout=io.StringIO())


def test_every_error_answer_is_documented_as_problem_json_only(served):
    answers = [
        (f"{method.upper()} {path} {status}", set(answer.get("content", {})))
        for path, operations in served["paths"].items()
        for method, operation in operations.items()
        for status, answer in operation["responses"].items()
        if status[0] in "45"
    ]
    assert len(answers) > 100
    wrong = [name for name, types in answers if types and types != {PROBLEM}]
    assert not wrong, wrong[:5]
