"""Structured logging: one JSON object per line on stdout, which CloudWatch Logs keeps and
Logs Insights queries by field (`fields level, message, request_id | filter level = "ERROR"`).

    LOGGER = get_logger(__name__)
    LOGGER.info("item created", extra={"fields": {"item_id": item_id}})
"""

import json
import logging
import os
import sys
import time


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class StdoutHandler(logging.Handler):
    """Writes to the current sys.stdout (Lambda sends it to CloudWatch Logs)."""

    def emit(self, record):
        try:
            sys.stdout.write(self.format(record) + "\n")
        except Exception:  # logging must never break the handler
            self.handleError(record)


def get_logger(name):
    """A logger writing JSON lines at LOG_LEVEL (default INFO), not through the root logger
    (Lambda's own root handler would print every line a second time, as plain text)."""
    logger = logging.getLogger(name)
    if not logger.handlers:
        handler = StdoutHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.propagate = False
        logger.setLevel(os.environ.get("LOG_LEVEL", "INFO"))
    return logger
