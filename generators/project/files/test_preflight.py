"""Preflight (inline in template.yaml): answers CORS preflight, no AWS call."""

import pytest

from conftest import load_inline


@pytest.fixture
def preflight(monkeypatch):
    monkeypatch.setenv("ALLOWED_ORIGIN", "https://app.example.com")
    monkeypatch.setenv("ALLOWED_HEADERS", "Authorization,Content-Type")
    return load_inline("Preflight")


def test_answers_204_with_the_cors_headers(preflight, context):
    response = preflight.handler({"httpMethod": "OPTIONS", "path": "/items"}, context)
    assert response["statusCode"] == 204
    headers = response["headers"]
    assert headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert headers["Access-Control-Allow-Headers"] == "Authorization,Content-Type"
    assert set(headers["Access-Control-Allow-Methods"].split(",")) == {"GET", "POST", "OPTIONS"}
