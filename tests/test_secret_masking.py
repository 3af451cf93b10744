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
    # properties found in the resource schemas (E9301 fail_catalogue.yaml)
    "whsec-Lit3ralHook", "apns-pr1vate-key-text", "apns-t0ken-key-text", "KdcAdm1nPass",
    "OpsW0rksGitPass", "OpsW0rksSslKey", "Al3xaCl1entSecret", "Atzr-Dev-Refresh",
    "amzn1.ask.skill.L1teral", "Bl0ckchainAdm1n", "Cach3UserPassw0rd1", "Cust0mResourcePw",
    "N3stedStackPw",
    # AWS credential variables (E9302), code (E9304), plain SSM parameters (E9307)
    "deploy-key-id-001", "wJalrXUtnFEMIK7MDENGbPxRfiCYzzzz", "FwoGZXIvYXdzEBYaDLiteral",
    "minio-s3cret-value", "minio-access-id", "codebuild-plain-secret", "Tdojo12345678",
    "k-live-Inl1neApiKey", "UserD4taPassw0rd", "L4unchT3mplPw", "Pl4inSsmPassw0rd",
    "Pl4inSsmList", "k-Param3terDefault", "Js0nS3cretValue",
]
SECRET_FIXTURES = sorted(str(path) for rule in ("E9301", "E9302", "E9303", "E9304", "E9306", "E9307")
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


#: A template where cfn-lint's own schema rules quote values of secret properties that
#: no tmpllint rule reports (E9301 is turned off): a pattern error and a type error.
CFN_LINT_QUOTES = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Invoke:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: fn
      Principal: alexa-connectedhome.amazon.com
      EventSourceToken: "Leaky Token!Value"
  Domain:
    Type: AWS::OpenSearchService::Domain
    Properties:
      AdvancedSecurityOptions:
        MasterUserOptions:
          MasterUserPassword: [ListedPassw0rd]
"""


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "github"])
def test_cfn_lint_messages_quoting_a_secret_property_are_masked(tmp_path, fmt):
    path = tmp_path / "quotes.yaml"
    path.write_text(CFN_LINT_QUOTES)
    done = subprocess.run([sys.executable, "-m", "tmpllint", "lint", "--format", fmt, "--no-cache",
                           "--ignore", "E9301", str(path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    output = done.stdout + done.stderr
    assert "E3031" in output and "E3012" in output  # cfn-lint's pattern and type errors
    assert "Leaky Token!Value" not in output and "ListedPassw0rd" not in output
    assert "Lea****" in output and "Lis****" in output
