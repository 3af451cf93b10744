"""DefaultSecurityGroupLockdownFunction (inline in template.yaml): a custom resource that
strips the VPC's default security group; EC2 stubbed with botocore's Stubber and
cfnresponse (which Lambda provides to inline code) replaced by a recorder."""

import sys
import types

import boto3
import pytest
from botocore.stub import Stubber

from conftest import load_inline

GROUP = "sg-0123456789abcdef0"
RULE = {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": GROUP}]}
EGRESS = {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}


@pytest.fixture
def sent(monkeypatch):
    answers = []
    fake = types.ModuleType("cfnresponse")
    fake.SUCCESS, fake.FAILED = "SUCCESS", "FAILED"
    fake.send = lambda event, context, status, data, physical_id: answers.append((status, physical_id))
    monkeypatch.setitem(sys.modules, "cfnresponse", fake)
    return answers


@pytest.fixture
def ec2(monkeypatch):
    client = boto3.client("ec2", region_name="us-east-1")
    monkeypatch.setattr(boto3, "client", lambda service, *args, **kwargs: client)
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def _event(kind):
    return {"RequestType": kind, "ResourceProperties": {"GroupId": GROUP}}


def _group(ingress, egress):
    return {"SecurityGroups": [{"GroupId": GROUP, "IpPermissions": ingress, "IpPermissionsEgress": egress}]}


def test_create_revokes_every_rule(sent, ec2, context):
    ec2.add_response("describe_security_groups", _group([RULE], [EGRESS]), {"GroupIds": [GROUP]})
    ec2.add_response("revoke_security_group_ingress", {}, {"GroupId": GROUP, "IpPermissions": [RULE]})
    ec2.add_response("revoke_security_group_egress", {}, {"GroupId": GROUP, "IpPermissions": [EGRESS]})
    load_inline("DefaultSecurityGroupLockdownFunction").handler(_event("Create"), context)
    assert sent == [("SUCCESS", GROUP)]


def test_a_group_without_rules_needs_no_revoke(sent, ec2, context):
    ec2.add_response("describe_security_groups", _group([], []), {"GroupIds": [GROUP]})
    load_inline("DefaultSecurityGroupLockdownFunction").handler(_event("Update"), context)
    assert sent == [("SUCCESS", GROUP)]


def test_delete_touches_nothing(sent, ec2, context):
    load_inline("DefaultSecurityGroupLockdownFunction").handler(_event("Delete"), context)
    assert sent == [("SUCCESS", GROUP)]


def test_an_ec2_error_is_answered_as_failed(sent, ec2, context):
    ec2.add_client_error("describe_security_groups", "UnauthorizedOperation")
    load_inline("DefaultSecurityGroupLockdownFunction").handler(_event("Create"), context)
    assert sent == [("FAILED", GROUP)]
