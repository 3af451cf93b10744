"""Notify, the workflow's last step: publishes Process's result to the notification topic.

Environment (set by template.yaml): TOPIC_ARN, the SNS topic (encrypted with the
workflow's key). The message is the result as JSON, with the item's id as a message
attribute so that subscribers can filter on it.
"""

import functools
import json
import os

import boto3

from jsonlog import get_logger

LOGGER = get_logger("notify")


@functools.lru_cache(maxsize=None)
def sns():
    """The client, made on first use and reused by later invocations."""
    return boto3.client("sns")


def handler(event, context):
    item_id = str(event.get("id", ""))
    attributes = {"id": {"DataType": "String", "StringValue": item_id}} if item_id else {}
    response = sns().publish(TopicArn=os.environ["TOPIC_ARN"], Message=json.dumps(event),
                             MessageAttributes=attributes)
    LOGGER.info("notified", extra={"fields": {
        "request_id": getattr(context, "aws_request_id", None), "id": item_id,
        "message_id": response["MessageId"]}})
    return {"id": item_id, "messageId": response["MessageId"]}
