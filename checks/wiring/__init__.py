"""Wiring rules (issue 13): templates that will not deploy, or deploy and never work.

They cut across RULES.md's families, so they live together here instead of in the
family modules: `deploy` judges one resource (a listener, a bucket, a table, a
database), `services` follows references between resources through `checks/model.py`
(who may invoke a function, who may send to a queue, which queue feeds which
function), `operations` covers function logs and stream consumers.
"""

from tmpllint.checks.wiring.deploy import (
    GlobalTableStreams,
    LifecycleMinimums,
    ListenerFitsLoadBalancer,
    MonitoringHasRole,
    ReplicationNeedsVersioning,
)
from tmpllint.checks.wiring.services import (
    QueueOutlastsConsumer,
    QueuesAcceptPublishers,
    ServicesMayInvoke,
)
from tmpllint.checks.wiring.operations import FunctionLogsExpire, StreamConsumerFailures

__all__ = [
    "FunctionLogsExpire",
    "GlobalTableStreams",
    "LifecycleMinimums",
    "ListenerFitsLoadBalancer",
    "MonitoringHasRole",
    "QueueOutlastsConsumer",
    "QueuesAcceptPublishers",
    "ReplicationNeedsVersioning",
    "ServicesMayInvoke",
    "StreamConsumerFailures",
]
