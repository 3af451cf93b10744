"""API Gateway proxy responses: JSON bodies with the CORS header for ALLOWED_ORIGIN."""

import decimal
import json
import os


def _plain(value):
    # DynamoDB numbers arrive as Decimal.
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def respond(status, body):
    return {
        "statusCode": status,
        "headers": {
            "Content-Type": "application/json",
            "Access-Control-Allow-Origin": os.environ["ALLOWED_ORIGIN"],
            "Vary": "Origin",
        },
        "body": json.dumps(body, default=_plain),
    }
