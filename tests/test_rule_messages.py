"""Messages name the condition only when a finding depends on it."""

from __future__ import annotations

from conftest import FIXTURES


def test_condition_is_named_only_for_the_branch_that_fails(engine):
    result = engine.lint_path(str(FIXTURES / "checks/W9203/fail_distributions.yaml"))
    messages = {f.line: f.message for f in result.findings if f.rule == "W9203"}
    assert messages[27] == ("CloudFront cache behavior allows plain HTTP; set "
                            "ViewerProtocolPolicy: redirect-to-https or https-only.")
    assert messages[36] == ("CloudFront cache behavior allows plain HTTP when IsProd is false; "
                            "set ViewerProtocolPolicy: redirect-to-https or https-only.")


def test_a_removed_property_is_reported_at_the_property_holding_the_if(engine):
    result = engine.lint_path(str(FIXTURES / "checks/W9103/fail_filesystems.yaml"))
    finding = next(f for f in result.findings if f.rule == "W9103" and f.resource == "ProdOnly")
    assert (finding.line, finding.message) == (
        26, "EFS file system is not encrypted when IsProd is false; set Encrypted: true.")


def test_a_parameter_default_is_judged(engine):
    result = engine.lint_path(str(FIXTURES / "checks/W9101/fail_databases.yaml"))
    finding = next(f for f in result.findings if f.rule == "W9101" and f.resource == "FromParameter")
    assert finding.message == ("AWS::RDS::DBCluster storage is not encrypted; set "
                               "StorageEncrypted: true (it cannot be changed after creation).")
