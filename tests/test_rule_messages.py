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


def test_log_target_buckets_are_not_versioned_as_info(engine):
    result = engine.lint_path(str(FIXTURES / "checks/W9804/fail_buckets.yaml"))
    severities = {f.resource: f.severity for f in result.findings if f.rule == "W9804"}
    assert severities == {"Data": "warning", "Suspended": "warning", "ProdOnly": "warning",
                          "AccessLogs": "info"}


def test_single_nat_switch_is_flagged_on_its_branch_with_the_trade_off(engine):
    result = engine.lint_path(str(FIXTURES / "checks/W9506/fail_single_nat_switch.yaml"))
    [finding] = [f for f in result.findings if f.rule == "W9506"]
    assert finding.message == (
        "NAT gateway 'NatA' serves private subnets in 2 AZs when NatPerAz is false and "
        "UseSingleNat is true; if its AZ fails they all lose their internet route. One NAT "
        "gateway per AZ avoids that (a single NAT saves cost at the price of AZ failure).")


def test_cluster_instances_are_counted_per_scenario(engine):
    result = engine.lint_path(str(FIXTURES / "checks/W9502/fail_one_instance.yaml"))
    messages = {f.resource: f.message for f in result.findings if f.rule == "W9502"}
    assert messages["Aurora"].startswith("Cluster 'Aurora' has 1 DB instance; add a reader")
    assert messages["Docs"].startswith("Cluster 'Docs' has 1 DB instance when IsProd is false;")
    assert messages["Graph"].startswith("Cluster 'Graph' has 0 DB instances; ")


def test_in_transit_advice_includes_the_engine_upgrade_tls_needs(engine):
    result = engine.lint_path(str(FIXTURES / "checks/W9205/fail_caches.yaml"))
    messages = {f.resource: f.message for f in result.findings if f.rule == "W9205"}
    assert messages["OldRedis"] == (
        "ElastiCache replication group does not encrypt in transit; set TransitEncryptionEnabled: "
        "true and upgrade EngineVersion 2.8.24, which has no in-transit encryption, to Redis "
        "4.0.10 or later.")
    assert all("upgrade" not in message for name, message in messages.items() if name != "OldRedis")
