"""Project-wide guarantees: migrations match the models, the OpenAPI document is committed,
the `credit` console script wraps the management commands."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[1]
OPENAPI = ROOT / "docs" / "openapi.json"


@pytest.mark.django_db
def test_migrations_match_the_models():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_the_committed_openapi_document_matches_the_live_schema(client):
    live = client.get("/api/v1/openapi.json").json()
    committed = json.loads(OPENAPI.read_text(encoding="utf-8"))
    assert live == committed, (
        "The API changed: review it, then run `.venv/bin/credit export-openapi` to update "
        "docs/openapi.json."
    )


def test_every_api_error_response_is_documented_with_a_code():
    schema = json.loads(OPENAPI.read_text(encoding="utf-8"))
    assert schema["info"]["title"] == "公共信用信息平台 API"
    assert "/api/v1/catalog/items" in schema["paths"]


def test_the_credit_script_maps_hyphenated_commands(monkeypatch):
    from credit import cli

    seen = {}
    monkeypatch.setattr(
        "django.core.management.execute_from_command_line", lambda argv: seen.setdefault("a", argv)
    )
    assert cli.main(["seed-demo", "--scale", "small"]) == 0
    assert seen["a"] == ["credit", "seed_demo", "--scale", "small"]


def test_the_credit_script_runs_a_command_end_to_end():
    result = subprocess.run(
        [sys.executable, "-m", "credit.cli", "check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
