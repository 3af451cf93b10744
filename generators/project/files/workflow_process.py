"""Process, the workflow's second step: does the work for one validated input.

Put the work in `work`. Raise to fail the step: the state machine retries a failure
twice (5 and 10 seconds later) and then sends the input and the error to the
dead-letter queue. Since a retry runs the work again, and an Express workflow runs
at least once, make the work idempotent (keyed by the input's `id`).
"""

from jsonlog import get_logger

LOGGER = get_logger("process")


def work(item):
    """The work for one item; what it returns goes to Notify. Replace the placeholder."""
    return {"status": "processed"}


def handler(event, context):
    result = work(event)
    LOGGER.info("processed", extra={"fields": {
        "request_id": getattr(context, "aws_request_id", None), "id": event.get("id")}})
    return {"id": event.get("id"), "result": result}
