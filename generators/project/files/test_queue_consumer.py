"""QueueConsumer (__FOLDER__/app.py): no AWS call, so nothing to stub."""

import json

from conftest import load_handler
from eventbridge_sample import transformed

app = load_handler("__FOLDER__")


def _record(message_id, body):
    return {"messageId": message_id, "body": body}


def _body(order_id="o-1"):
    return json.dumps({"eventId": f"e-{order_id}", "occurredAt": "2026-01-01T12:00:00Z",
                       "orderId": order_id, "order": {"orderId": order_id}})


def test_a_good_batch_reports_no_failures(context):
    event = {"Records": [_record("1", _body("o-1")), _record("2", _body("o-2"))]}
    assert app.handler(event, context) == {"batchItemFailures": []}


def test_takes_what_the_rule_sends(context, monkeypatch):
    """The template's input transformer applied to a sample OrderPlaced event."""
    seen = []
    monkeypatch.setattr(app, "process", seen.append)
    assert app.handler({"Records": [_record("1", transformed())]}, context) == {"batchItemFailures": []}
    assert seen[0]["orderId"] == "o-1" and seen[0]["order"]["total"] == 42.5


def test_only_the_failed_messages_return_to_the_queue(context, monkeypatch):
    def process(message):
        if message["orderId"] == "poison":
            raise RuntimeError("cannot process")
    monkeypatch.setattr(app, "process", process)
    event = {"Records": [_record("1", _body("poison")), _record("2", _body("o-2")),
                         _record("3", "not json"), _record("4", '{"orderId": "o-4"}')]}
    assert app.handler(event, context) == {"batchItemFailures": [
        {"itemIdentifier": "1"}, {"itemIdentifier": "3"}, {"itemIdentifier": "4"}]}


def test_logs_are_json_lines(context, capsys):
    app.handler({"Records": [_record("1", _body())]}, context)
    entries = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert entries[-1]["message"] == "batch done" and entries[-1]["received"] == 1
