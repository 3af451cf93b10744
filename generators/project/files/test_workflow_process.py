"""Process (__FOLDER__/app.py): no AWS call, so nothing to stub."""

import pytest

from conftest import load_handler

app = load_handler("__FOLDER__")


def test_returns_the_id_and_the_result(context):
    assert app.handler({"id": "order-1"}, context) == {"id": "order-1", "result": {"status": "processed"}}


def test_a_failed_work_raises_for_the_state_machine_to_retry(context, monkeypatch):
    def work(item):
        raise RuntimeError("downstream unavailable")
    monkeypatch.setattr(app, "work", work)
    with pytest.raises(RuntimeError, match="downstream unavailable"):
        app.handler({"id": "order-1"}, context)
