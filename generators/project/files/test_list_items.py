"""ListItems (__FOLDER__/app.py): DynamoDB stubbed with botocore's Stubber."""

import base64
import json

import boto3
import pytest
from botocore.stub import Stubber

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


def test_lists_a_page_and_returns_the_next_token(dynamodb, context):
    last_key = {"id": {"S": "b"}}
    dynamodb.add_response("scan", {"Items": [{"id": {"S": "a"}, "name": {"S": "first"}, "n": {"N": "2"}}],
                                   "LastEvaluatedKey": last_key},
                          {"TableName": "items", "Limit": 25})
    response = app.handler({"queryStringParameters": None}, context)
    assert response["statusCode"] == 200
    assert response["headers"]["Access-Control-Allow-Origin"] == ORIGIN
    body = json.loads(response["body"])
    assert body["items"] == [{"id": "a", "name": "first", "n": 2}]
    assert json.loads(base64.urlsafe_b64decode(body["next"])) == last_key


def test_the_next_token_continues_the_scan(dynamodb, context):
    token = base64.urlsafe_b64encode(json.dumps({"id": {"S": "b"}}).encode()).decode()
    dynamodb.add_response("scan", {"Items": []},
                          {"TableName": "items", "Limit": 10, "ExclusiveStartKey": {"id": {"S": "b"}}})
    response = app.handler({"queryStringParameters": {"limit": "10", "next": token}}, context)
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"items": []}


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "101"}, {"limit": "ten"},
                                   {"next": "not-a-token"}, {"next": "eyJ4IjogMX0="}])
def test_bad_queries_get_400_without_a_scan(dynamodb, context, query):
    response = app.handler({"queryStringParameters": query}, context)
    assert response["statusCode"] == 400
    assert response["headers"]["Access-Control-Allow-Origin"] == ORIGIN


def test_logs_are_json_lines(dynamodb, context, capsys):
    dynamodb.add_response("scan", {"Items": []}, {"TableName": "items", "Limit": 25})
    app.handler({}, context)
    entry = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert entry["level"] == "INFO" and entry["count"] == 0 and entry["request_id"] == "test-request"
