"""CreateItem (__FOLDER__/app.py): DynamoDB stubbed with botocore's Stubber."""

import base64
import json

import boto3
import pytest
from botocore.stub import ANY, Stubber

from conftest import load_handler

app = load_handler("__FOLDER__")
ORIGIN = "https://app.example.com"


@pytest.fixture
def dynamodb(monkeypatch):
    monkeypatch.setenv("TABLE_NAME", "items")
    monkeypatch.setenv("ALLOWED_ORIGIN", ORIGIN)
    client = boto3.client("dynamodb", region_name="us-east-1")
    monkeypatch.setattr(app, "dynamodb", lambda: client)
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def _expect_put(stubber, name):
    stubber.add_response("put_item", {}, {
        "TableName": "items", "ConditionExpression": "attribute_not_exists(id)",
        "Item": {"id": {"S": ANY}, "name": {"S": name}, "createdAt": {"S": ANY}}})


def test_stores_the_item_and_answers_201(dynamodb, context):
    _expect_put(dynamodb, "first")
    response = app.handler({"body": json.dumps({"name": "first"})}, context)
    assert response["statusCode"] == 201
    assert response["headers"]["Access-Control-Allow-Origin"] == ORIGIN
    body = json.loads(response["body"])
    assert body["name"] == "first" and len(body["id"]) == 36


def test_reads_base64_bodies(dynamodb, context):
    _expect_put(dynamodb, "second")
    body = base64.b64encode(json.dumps({"name": "second"}).encode()).decode()
    response = app.handler({"body": body, "isBase64Encoded": True}, context)
    assert response["statusCode"] == 201


@pytest.mark.parametrize("body", [None, "not json", "[]", "{}", '{"name": ""}', '{"name": 5}',
                                  json.dumps({"name": "x" * 201})])
def test_bad_bodies_get_400_without_a_write(dynamodb, context, body):
    response = app.handler({"body": body}, context)
    assert response["statusCode"] == 400
    assert "message" in json.loads(response["body"])


def test_a_failed_write_raises(dynamodb, context):
    dynamodb.add_client_error("put_item", "ProvisionedThroughputExceededException")
    with pytest.raises(Exception, match="ProvisionedThroughputExceeded"):
        app.handler({"body": '{"name": "x"}'}, context)
