"""What the rule sends its targets: a sample OrderPlaced event passed through the input
transformer written in template.yaml (InputPathsMap and InputTemplate), the way
EventBridge applies it (a placeholder outside quotes becomes the JSON value)."""

import json
import re

from conftest import ROOT

ORDER_PLACED = {
    "version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718", "detail-type": "OrderPlaced",
    "source": "com.example.orders", "account": "111122223333", "time": "2026-01-01T12:00:00Z",
    "region": "us-east-1", "resources": [],
    "detail": {"orderId": "o-1", "customerId": "c-1", "total": 42.5},
}


def _path(event, path):
    value = event
    for part in path.removeprefix("$.").split("."):
        value = value[part]
    return value


def transformed(event=ORDER_PLACED):
    """The body a target receives for `event` (JSON text), from the template's transformer."""
    text = (ROOT / "template.yaml").read_text(encoding="utf-8")
    block = re.search(r"InputPathsMap:\n((?: {14,}\w+: .+\n)+) +InputTemplate: '(.*)'\n", text)
    paths = dict(re.findall(r"^ +(\w+): (\S+)$", block.group(1), re.M))
    template = block.group(2).replace("''", "'")
    return re.sub(r"<(\w+)>", lambda m: json.dumps(_path(event, paths[m.group(1)])), template)
