"""Notify (__FOLDER__/app.py): SNS stubbed with botocore's Stubber."""

import json

import boto3
import pytest
from botocore.stub import Stubber

from conftest import load_handler

app = load_handler("__FOLDER__")
TOPIC = "arn:aws:sns:us-east-1:123456789012:notifications"


@pytest.fixture
def sns(monkeypatch):
    monkeypatch.setenv("TOPIC_ARN", TOPIC)
    client = boto3.client("sns", region_name="us-east-1")
    monkeypatch.setattr(app, "sns", lambda: client)
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def test_publishes_the_result_with_its_id(sns, context):
    event = {"id": "order-1", "result": {"status": "processed"}}
    sns.add_response("publish", {"MessageId": "m-1"}, {
        "TopicArn": TOPIC, "Message": json.dumps(event),
        "MessageAttributes": {"id": {"DataType": "String", "StringValue": "order-1"}}})
    assert app.handler(event, context) == {"id": "order-1", "messageId": "m-1"}


def test_a_result_without_id_is_published_without_attributes(sns, context):
    sns.add_response("publish", {"MessageId": "m-2"},
                     {"TopicArn": TOPIC, "Message": "{}", "MessageAttributes": {}})
    assert app.handler({}, context)["messageId"] == "m-2"


def test_a_failed_publish_raises_for_the_state_machine_to_retry(sns, context):
    sns.add_client_error("publish", "KMSAccessDeniedException")
    with pytest.raises(Exception, match="KMSAccessDenied"):
        app.handler({"id": "order-1"}, context)
