"""POST /items: stores {"name": ...} under a new id and answers 201 with the item.

Environment (set by template.yaml): TABLE_NAME, the DynamoDB table; ALLOWED_ORIGIN, the
browser origin CORS admits. The body must be a JSON object whose `name` is a string of
1 to 200 characters (the REST API's model checks the same before the function runs).
"""

import base64
import binascii
import datetime
import functools
import json
import os
import uuid

import boto3
from boto3.dynamodb.types import TypeSerializer

from jsonlog import get_logger
from web import respond

LOGGER = get_logger("create_item")
MAX_NAME = 200
SERIALIZER = TypeSerializer()


@functools.lru_cache(maxsize=None)
def dynamodb():
    """The client, made on first use and reused by later invocations."""
    return boto3.client("dynamodb")


def _name(event):
    body = event.get("body") or ""
    try:
        if event.get("isBase64Encoded"):
            body = base64.b64decode(body).decode("utf-8")
        data = json.loads(body)
    except (ValueError, binascii.Error, UnicodeError):
        raise ValueError("the body must be JSON") from None
    name = data.get("name") if isinstance(data, dict) else None
    if not isinstance(name, str) or not 1 <= len(name) <= MAX_NAME:
        raise ValueError(f"name must be a string of 1 to {MAX_NAME} characters")
    return name


def handler(event, context):
    try:
        name = _name(event)
    except ValueError as error:
        LOGGER.info("bad request", extra={"fields": {"reason": str(error)}})
        return respond(400, {"message": str(error)})
    item = {"id": str(uuid.uuid4()), "name": name,
            "createdAt": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    dynamodb().put_item(
        TableName=os.environ["TABLE_NAME"],
        Item={key: SERIALIZER.serialize(value) for key, value in item.items()},
        ConditionExpression="attribute_not_exists(id)")
    LOGGER.info("item created", extra={"fields": {
        "request_id": getattr(context, "aws_request_id", None), "item_id": item["id"]}})
    return respond(201, item)
