"""Function target of the rule (invoked asynchronously): handles one OrderPlaced event and
publishes OrderProcessed to the bus.

The rule's input transformer sends {"eventId", "occurredAt", "orderId", "order"}, not the
whole EventBridge event. A raised exception makes Lambda retry the event (twice), then
send it with the error to the OnFailure queue: retries can repeat an event, so the work
must be idempotent (key it on `eventId`). Put the work in `process`.

Environment (set by template.yaml): EVENT_BUS_NAME, the bus; EVENT_SOURCE, the `source`
of the events this application publishes.
"""

import functools
import json
import os

import boto3

from jsonlog import get_logger

LOGGER = get_logger("event_handler")
FOLLOW_UP = "OrderProcessed"


@functools.lru_cache(maxsize=None)
def events():
    """The client, made on first use and reused by later invocations."""
    return boto3.client("events")


def process(event):
    """The work for one order (the transformed event). Replace the placeholder; return
    what the OrderProcessed event should carry besides the order id."""
    LOGGER.info("processed order", extra={"fields": {"order_id": event["orderId"]}})
    return {}


def handler(event, context):
    if not isinstance(event, dict) or not event.get("orderId") or not event.get("eventId"):
        # a malformed event fails the same way on every retry: fail at once (OnFailure)
        raise ValueError("the event must carry eventId and orderId (see the rule's input transformer)")
    result = process(event)
    detail = {"orderId": event["orderId"], "causationId": event["eventId"], **result}
    response = events().put_events(Entries=[{
        "EventBusName": os.environ["EVENT_BUS_NAME"], "Source": os.environ["EVENT_SOURCE"],
        "DetailType": FOLLOW_UP, "Detail": json.dumps(detail)}])
    if response.get("FailedEntryCount"):
        entry = response["Entries"][0]
        # raise, so that Lambda retries the event and finally records it in the OnFailure queue
        raise RuntimeError(f"PutEvents refused {FOLLOW_UP}: {entry.get('ErrorCode')} {entry.get('ErrorMessage')}")
    LOGGER.info("published", extra={"fields": {
        "request_id": getattr(context, "aws_request_id", None), "order_id": event["orderId"],
        "event_id": event["eventId"], "published_id": response["Entries"][0].get("EventId")}})
    return {"orderId": event["orderId"]}
