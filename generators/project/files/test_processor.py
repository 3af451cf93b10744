"""Processor (__FOLDER__/app.py): DynamoDB stubbed with botocore's Stubber."""

import base64
import json

import boto3
import pytest
from botocore.stub import ANY, Stubber

from conftest import load_handler

app = load_handler("__FOLDER__")


@pytest.fixture
def dynamodb(monkeypatch):
    monkeypatch.setenv("TABLE_NAME", "records")
    client = boto3.client("dynamodb", region_name="us-east-1")
    monkeypatch.setattr(app, "dynamodb", lambda: client)
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def _record(sequence, payload, key="device-1"):
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return {"eventID": f"shardId-000000000000:{sequence}", "kinesis": {
        "partitionKey": key, "sequenceNumber": sequence, "data": base64.b64encode(data).decode(),
        "approximateArrivalTimestamp": 1700000000.5}}


def _expect_put(stubber, sequence, payload, key="device-1"):
    stubber.add_response("put_item", {}, {"TableName": "records", "Item": {
        "partitionKey": {"S": key}, "sequenceNumber": {"S": sequence},
        "payload": payload, "arrivedAt": {"S": "1700000000.5"}}})


def test_writes_every_record_and_reports_no_failure(dynamodb, context):
    _expect_put(dynamodb, "1", {"S": '{"t": 1}'})
    _expect_put(dynamodb, "2", {"S": '{"t": 2}'}, key="device-2")
    event = {"Records": [_record("1", {"t": 1}), _record("2", {"t": 2}, key="device-2")]}
    assert app.handler(event, context) == {"batchItemFailures": []}


def test_binary_payloads_are_stored_as_bytes(dynamodb, context):
    _expect_put(dynamodb, "1", {"B": b"\xff\x00"})
    assert app.handler({"Records": [_record("1", b"\xff\x00")]}, context) == {"batchItemFailures": []}


def test_stops_at_the_first_failure_and_reports_it(dynamodb, context):
    _expect_put(dynamodb, "1", {"S": "{}"})
    dynamodb.add_client_error("put_item", "ProvisionedThroughputExceededException",
                              expected_params={"TableName": "records", "Item": ANY})
    event = {"Records": [_record("1", {}), _record("2", {}), _record("3", {})]}
    # record 3 is not written (no response is queued for it): it comes again after record 2
    assert app.handler(event, context) == {"batchItemFailures": [{"itemIdentifier": "2"}]}


def test_an_empty_batch_does_nothing(dynamodb, context):
    assert app.handler({"Records": []}, context) == {"batchItemFailures": []}


def test_logs_are_json_lines(dynamodb, context, capsys):
    _expect_put(dynamodb, "1", {"S": "{}"})
    app.handler({"Records": [_record("1", {})]}, context)
    entries = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert entries[-1]["message"] == "batch done"
    assert (entries[-1]["received"], entries[-1]["processed"], entries[-1]["failed"]) == (1, 1, 0)
