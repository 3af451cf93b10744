"""No secret from any fixture ever reaches the output, in any format."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from cfnlint.rules import CloudFormationLintRule, RuleMatch

from conftest import FIXTURES, ROOT

#: Every secret value written into the fixtures (E9301-E9306 and the masking cases).
SECRETS = [
    "hunter2hunter2", "changeme", "Adm1nDefaultPw", "Br0kerDevPass", "GlobalPw-4711",
    "tok-default-123", "dev-client-secret", "AKIAIOSFODNN7EXAMPLE", "plain-token-value",
    "npm-plain-token", "NoEchoDefault99", "k-123456789", "Gitpass123",
    "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "xoxb-1234567890-abcdefghij",
    "AKIAI44QH8DHBEXAMPLE", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
]
SECRET_FIXTURES = sorted(str(path) for rule in ("E9301", "E9302", "E9303", "E9304", "E9306")
                         for path in (FIXTURES / "checks" / rule).glob("fail_*.yaml"))


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_no_fixture_secret_appears_in_the_output(fmt):
    done = subprocess.run([sys.executable, "-m", "tmpllint", "lint", "--format", fmt,
                           "--fail-on", "error", *SECRET_FIXTURES],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    output = done.stdout + done.stderr
    assert "E9301" in output and "E9304" in output
    leaked = [secret for secret in SECRETS if secret in output]
    assert leaked == []
    if fmt == "json":
        messages = [f["message"] for f in json.loads(done.stdout)["findings"]]
        assert any("hun****" in message for message in messages)


class EchoRule(CloudFormationLintRule):
    """Test-only rule that quotes a property value in its message, as some cfn-lint
    rules do (type and pattern errors quote the offending value)."""

    id = "E9991"
    shortdesc = "test rule that quotes values"
    description = shortdesc

    def match(self, cfn):
        return [RuleMatch(["Resources", name, "Properties", "AuthToken"],
                          f"value {resource['Properties']['AuthToken']!r} is quoted")
                for name, resource in cfn.get_resources(["AWS::ElastiCache::ReplicationGroup"]).items()]


def test_other_rules_messages_are_masked_too(tmp_path):
    from tmpllint.engine import Engine

    path = tmp_path / "cache.yaml"
    path.write_text(
        "Resources:\n  Cache:\n    Type: AWS::ElastiCache::ReplicationGroup\n"
        "    Properties:\n      ReplicationGroupDescription: c\n"
        "      TransitEncryptionEnabled: true\n      AuthToken: changeme-token\n")
    result = Engine(extra_rules=[EchoRule()]).lint_path(str(path))
    echoed = [f.message for f in result.findings if f.rule == "E9991"]
    assert echoed == ["value 'cha****' is quoted"]
    assert all("changeme-token" not in f.message for f in result.findings)


def test_every_branch_of_a_hardcoded_if_is_masked(tmp_path):
    from tmpllint.engine import Engine

    path = tmp_path / "cache.yaml"
    path.write_text(
        "Parameters:\n  Stage: {Type: String, Default: dev}\n"
        "Conditions:\n  IsProd: !Equals [!Ref Stage, prod]\n"
        "Resources:\n  Cache:\n    Type: AWS::ElastiCache::ReplicationGroup\n"
        "    Properties:\n      ReplicationGroupDescription: c\n"
        "      TransitEncryptionEnabled: true\n"
        "      AuthToken: !If [IsProd, prod-token-1234, dev-token-5678]\n")
    result = Engine(extra_rules=[EchoRule()]).lint_path(str(path))
    echoed = [f.message for f in result.findings if f.rule == "E9991"]
    assert len(echoed) == 1
    assert "prod-token-1234" not in echoed[0] and "dev-token-5678" not in echoed[0]
    assert "pro****" in echoed[0] and "dev****" in echoed[0]
