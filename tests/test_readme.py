"""The README names only routes that exist: every path it quotes resolves, and the public
application pages are quoted with the record they need (without one they answer 404)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import Resolver404, resolve

README = Path(__file__).resolve().parents[1] / "README.md"
#: A quoted route: `/path`, `GET /path`, with a query or placeholders (<id>, {item}).
QUOTED = re.compile(r"`(?:(?:GET|POST|PUT|PATCH|DELETE) )?(/[^`\s]*)`")
NEEDS_A_RECORD = ("/objections/new/", "/objections/repair/new/")


def quoted_routes() -> list[str]:
    return sorted(set(QUOTED.findall(README.read_text(encoding="utf-8"))))


def test_the_readme_quotes_routes():
    assert len(quoted_routes()) > 10


@pytest.mark.parametrize("route", quoted_routes())
def test_every_route_the_readme_quotes_exists(route):
    path = re.sub(r"<[^>]+>|\{[^}]+\}", "1", route.split("?")[0])
    if path == "/api/v1":
        path = "/api/v1/docs"
    try:
        resolve(path)
    except Resolver404:
        pytest.fail(f"README.md quotes {route}, which no URL pattern serves")
    if path in NEEDS_A_RECORD:
        assert "?record=" in route, f"README.md quotes {route} without the record it needs"


def test_the_readme_says_how_to_choose_the_demos_address():
    text = README.read_text(encoding="utf-8")
    assert "PORT=" in text and "HOST=" in text
