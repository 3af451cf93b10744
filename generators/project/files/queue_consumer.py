"""Consumer of the queue target: handles each message of the batch and reports the ones
that failed, so that only those return to the queue (ReportBatchItemFailures); after 5
failures a message moves to the queue's dead-letter queue.

A message body is what the rule's input transformer wrote: {"eventId", "occurredAt",
"orderId", "order"}. A message can arrive twice (SQS delivers at least once): make the
work idempotent, keyed on `eventId`. Put the work in `process`; raise to have the message
retried.
"""

import json

from jsonlog import get_logger

LOGGER = get_logger("queue_consumer")
FIELDS = ("eventId", "orderId")


def process(message):
    """The work for one order (the transformed event). Replace the placeholder."""
    LOGGER.info("processed order", extra={"fields": {"order_id": message["orderId"]}})


def _message(body):
    message = json.loads(body)
    if not isinstance(message, dict) or any(not message.get(field) for field in FIELDS):
        raise ValueError("the message must carry eventId and orderId (see the rule's input transformer)")
    return message


def handler(event, context):
    failures = []
    for record in event.get("Records", []):
        message_id = record["messageId"]
        try:
            process(_message(record["body"]))
        except Exception:
            LOGGER.exception("message failed", extra={"fields": {"message_id": message_id}})
            failures.append({"itemIdentifier": message_id})
    LOGGER.info("batch done", extra={"fields": {
        "request_id": getattr(context, "aws_request_id", None),
        "received": len(event.get("Records", [])), "failed": len(failures)}})
    return {"batchItemFailures": failures}
