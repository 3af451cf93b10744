"""Validate, the workflow's first step: checks the execution's input and passes it on.

The state machine gives this function the execution's input and passes what it returns
to Process. An input that can never succeed raises ValidationError: the state machine
does not retry it (its Retry names Lambda's transient errors only) and its Catch sends
the input and the error to the dead-letter queue. Change `REQUIRED` and `check` to your
input's shape.
"""

import datetime

from jsonlog import get_logger

LOGGER = get_logger("validate")
#: field -> type every input must have
REQUIRED = {"id": str}


class ValidationError(Exception):
    """The input can never succeed. Step Functions sees the error name `ValidationError`."""


def check(event):
    if not isinstance(event, dict):
        raise ValidationError("the input must be a JSON object")
    for field, kind in REQUIRED.items():
        if not isinstance(event.get(field), kind) or event.get(field) in ("", None):
            raise ValidationError(f"the input needs a non-empty {field} ({kind.__name__})")


def handler(event, context):
    try:
        check(event)
    except ValidationError as error:
        LOGGER.info("input refused", extra={"fields": {
            "request_id": getattr(context, "aws_request_id", None), "reason": str(error)}})
        raise
    validated = dict(event)
    validated["validatedAt"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    LOGGER.info("input valid", extra={"fields": {
        "request_id": getattr(context, "aws_request_id", None), "id": event["id"]}})
    return validated
