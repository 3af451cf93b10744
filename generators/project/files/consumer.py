"""SQS consumer: handles each message of the batch and reports the ones that failed, so
that only those return to the queue (ReportBatchItemFailures); after 5 failures a message
moves to the dead-letter queue.

The topic delivers raw messages (RawMessageDelivery), so a record's body is what the
publisher sent. Put the work in `process`; raise to have the message retried.
"""

import json

from jsonlog import get_logger

LOGGER = get_logger("consumer")


def process(message):
    """The work for one message (a decoded JSON value). Replace the placeholder."""
    LOGGER.info("processed message", extra={"fields": {"message": message}})


def handler(event, context):
    failures = []
    for record in event.get("Records", []):
        message_id = record["messageId"]
        try:
            process(json.loads(record["body"]))
        except Exception:
            LOGGER.exception("message failed", extra={"fields": {"message_id": message_id}})
            failures.append({"itemIdentifier": message_id})
    LOGGER.info("batch done", extra={"fields": {
        "request_id": getattr(context, "aws_request_id", None),
        "received": len(event.get("Records", [])), "failed": len(failures)}})
    return {"batchItemFailures": failures}
