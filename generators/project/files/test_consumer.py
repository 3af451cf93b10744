"""Consumer __NUMBER__ (__FOLDER__/app.py): no AWS call, so nothing to stub."""

import json

from conftest import load_handler

app = load_handler("__FOLDER__")


def _record(message_id, body):
    return {"messageId": message_id, "body": body}


def test_a_good_batch_reports_no_failures(context):
    event = {"Records": [_record("1", json.dumps({"order": 1})), _record("2", "[]")]}
    assert app.handler(event, context) == {"batchItemFailures": []}


def test_only_the_failed_messages_return_to_the_queue(context, monkeypatch):
    def process(message):
        if message.get("poison"):
            raise RuntimeError("cannot process")
    monkeypatch.setattr(app, "process", process)
    event = {"Records": [_record("1", '{"poison": true}'), _record("2", "{}"), _record("3", "not json")]}
    assert app.handler(event, context) == {"batchItemFailures": [{"itemIdentifier": "1"},
                                                                  {"itemIdentifier": "3"}]}


def test_logs_are_json_lines(context, capsys):
    app.handler({"Records": [_record("1", "{}")]}, context)
    entries = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert entries[-1]["message"] == "batch done" and entries[-1]["received"] == 1
