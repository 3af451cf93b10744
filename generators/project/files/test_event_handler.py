"""EventHandler (__FOLDER__/app.py): EventBridge stubbed with botocore's Stubber."""

import json

import boto3
import pytest
from botocore.stub import Stubber

from conftest import load_handler
from eventbridge_sample import transformed

app = load_handler("__FOLDER__")
EVENT = {"eventId": "e-1", "occurredAt": "2026-01-01T12:00:00Z", "orderId": "o-1",
         "order": {"orderId": "o-1", "total": 42.5}}


@pytest.fixture
def events(monkeypatch):
    monkeypatch.setenv("EVENT_BUS_NAME", "orders-bus")
    monkeypatch.setenv("EVENT_SOURCE", "com.example.orders")
    client = boto3.client("events", region_name="us-east-1")
    monkeypatch.setattr(app, "events", lambda: client)
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def _expect_put(stubber, response):
    stubber.add_response("put_events", response, {"Entries": [{
        "EventBusName": "orders-bus", "Source": "com.example.orders", "DetailType": "OrderProcessed",
        "Detail": json.dumps({"orderId": "o-1", "causationId": "e-1"})}]})


def test_publishes_order_processed_naming_its_cause(events, context):
    _expect_put(events, {"FailedEntryCount": 0, "Entries": [{"EventId": "p-1"}]})
    assert app.handler(EVENT, context) == {"orderId": "o-1"}


def test_takes_what_the_rule_sends(events, context):
    """The template's input transformer applied to a sample OrderPlaced event."""
    _expect_put(events, {"FailedEntryCount": 0, "Entries": [{"EventId": "p-1"}]})
    event = json.loads(transformed())
    assert event["eventId"] != "e-1"
    event["eventId"] = "e-1"  # the stub expects the cause above
    assert app.handler(event, context) == {"orderId": "o-1"}


def test_a_refused_entry_raises_so_lambda_retries(events, context):
    _expect_put(events, {"FailedEntryCount": 1, "Entries": [
        {"ErrorCode": "InternalFailure", "ErrorMessage": "try again"}]})
    with pytest.raises(RuntimeError, match="InternalFailure"):
        app.handler(EVENT, context)


def test_a_failed_call_raises(events, context):
    events.add_client_error("put_events", "ThrottlingException")
    with pytest.raises(Exception, match="ThrottlingException"):
        app.handler(EVENT, context)


@pytest.mark.parametrize("event", [{}, {"orderId": "o-1"}, {"eventId": "e-1"}, "text"])
def test_a_malformed_event_fails_without_publishing(events, context, event):
    with pytest.raises(ValueError, match="eventId and orderId"):
        app.handler(event, context)


def test_logs_are_json_lines(events, context, capsys):
    _expect_put(events, {"FailedEntryCount": 0, "Entries": [{"EventId": "p-1"}]})
    app.handler(EVENT, context)
    entries = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert entries[-1]["message"] == "published" and entries[-1]["published_id"] == "p-1"
