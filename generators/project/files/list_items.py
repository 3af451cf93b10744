"""GET /items: one page of the table's items, newest pages first by scan order.

Environment (set by template.yaml): TABLE_NAME, the DynamoDB table; ALLOWED_ORIGIN, the
browser origin CORS admits. Query string: `limit` (1-100, default 25) and `next`, the
token the previous page returned. A scan suits a small table: add a key design and use
Query once the access patterns are known.
"""

import base64
import binascii
import functools
import json
import os

import boto3
from boto3.dynamodb.types import TypeDeserializer

from jsonlog import get_logger
from web import respond

LOGGER = get_logger("list_items")
DEFAULT_LIMIT, MAX_LIMIT = 25, 100
DESERIALIZER = TypeDeserializer()


@functools.lru_cache(maxsize=None)
def dynamodb():
    """The client, made on first use and reused by later invocations."""
    return boto3.client("dynamodb")


def _limit(text):
    if text is None:
        return DEFAULT_LIMIT
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise ValueError(f"limit must be a whole number from 1 to {MAX_LIMIT}")
    return int(text)


def _start_key(token):
    if token is None:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(token.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        raise ValueError("next is not a token this API returned") from None
    if not (isinstance(key, dict) and set(key) == {"id"} and isinstance(key["id"], dict)
            and isinstance(key["id"].get("S"), str)):
        raise ValueError("next is not a token this API returned")
    return key


def _token(key):
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode("ascii")


def handler(event, context):
    query = event.get("queryStringParameters") or {}
    try:
        request = {"TableName": os.environ["TABLE_NAME"], "Limit": _limit(query.get("limit"))}
        start = _start_key(query.get("next"))
    except ValueError as error:
        LOGGER.info("bad request", extra={"fields": {"reason": str(error)}})
        return respond(400, {"message": str(error)})
    if start:
        request["ExclusiveStartKey"] = start
    page = dynamodb().scan(**request)
    items = [{name: DESERIALIZER.deserialize(value) for name, value in item.items()}
             for item in page.get("Items", [])]
    body = {"items": items}
    if "LastEvaluatedKey" in page:
        body["next"] = _token(page["LastEvaluatedKey"])
    LOGGER.info("listed items", extra={"fields": {
        "request_id": getattr(context, "aws_request_id", None), "count": len(items)}})
    return respond(200, body)
