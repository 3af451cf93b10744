"""Validate (__FOLDER__/app.py): no AWS call, so nothing to stub."""

import json

import pytest

from conftest import load_handler

app = load_handler("__FOLDER__")


def test_a_valid_input_passes_on_with_a_timestamp(context):
    result = app.handler({"id": "order-1", "amount": 3}, context)
    assert result["id"] == "order-1" and result["amount"] == 3
    assert result["validatedAt"].endswith("+00:00")


@pytest.mark.parametrize("event", [{}, {"id": ""}, {"id": 7}, ["id"], "text"])
def test_an_invalid_input_raises_validation_error(context, event):
    # the error's class name is what the state machine's Retry and Catch see
    with pytest.raises(app.ValidationError):
        app.handler(event, context)
    assert app.ValidationError.__name__ == "ValidationError"


def test_logs_are_json_lines(context, capsys):
    app.handler({"id": "order-2"}, context)
    entries = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert entries[-1]["message"] == "input valid" and entries[-1]["id"] == "order-2"
