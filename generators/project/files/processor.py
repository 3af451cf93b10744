"""Kinesis processor: writes each record of the batch to DynamoDB, in order, one item per
record keyed by its partition key and sequence number (a retried record rewrites the same
item). On the first record that fails it stops and reports that record's sequence number
(ReportBatchItemFailures): Lambda retries the batch from there, so the records before it
are not processed again and the shard's order holds. After the retries the template
allows, the batch's description goes to the failure destination.

Environment (set by template.yaml): TABLE_NAME, the DynamoDB table. Put the work in
`process`; raise to have the record retried.
"""

import base64
import functools
import os

import boto3
from boto3.dynamodb.types import TypeSerializer

from jsonlog import get_logger

LOGGER = get_logger("processor")
SERIALIZER = TypeSerializer()


@functools.lru_cache(maxsize=None)
def dynamodb():
    """The client, made on first use and reused by later invocations."""
    return boto3.client("dynamodb")


def decode(data):
    """A record's payload: the text it carries when it is UTF-8, else its bytes."""
    raw = base64.b64decode(data)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw


def process(record):
    """The work for one Kinesis record (the event's `kinesis` object): store it."""
    item = {
        "partitionKey": record["partitionKey"],
        "sequenceNumber": record["sequenceNumber"],
        "payload": decode(record["data"]),
        "arrivedAt": str(record.get("approximateArrivalTimestamp", "")),
    }
    dynamodb().put_item(TableName=os.environ["TABLE_NAME"],
                        Item={key: SERIALIZER.serialize(value) for key, value in item.items()})


def handler(event, context):
    records = event.get("Records", [])
    done = 0
    failures = []
    for record in records:
        sequence = record["kinesis"]["sequenceNumber"]
        try:
            process(record["kinesis"])
        except Exception:
            LOGGER.exception("record failed", extra={"fields": {
                "event_id": record.get("eventID"), "sequence_number": sequence}})
            failures.append({"itemIdentifier": sequence})
            break  # the rest of the batch comes again, after this record
        done += 1
    LOGGER.info("batch done", extra={"fields": {
        "request_id": getattr(context, "aws_request_id", None),
        "received": len(records), "processed": done, "failed": len(failures)}})
    return {"batchItemFailures": failures}

