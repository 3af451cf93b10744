"""`tmpllint new dr`: disaster recovery across two regions, as a PAIR of templates (a
primary site and a recovery site) for one of the four strategies of the notes:

- backup-restore: AWS Backup vaults with customer managed keys in both regions; the
  primary's plan backs up every resource tagged for it and copies each recovery point to
  the recovery region's vault (the recovery stack deploys FIRST: the copy needs its vault);
- pilot-light: the primary three-tier stack; in the recovery region a cross-region,
  encrypted read replica of its database and the web and app tiers kept at zero instances;
- warm-standby: the same recovery stack running at reduced capacity (one instance);
- multi-site: both regions serve at full capacity from a DynamoDB global table, behind
  Route 53 latency records with health checks.

Pilot light and warm standby fail over with Route 53 failover records (health-checked
primary, recovery as secondary); failing over the data is one stack update of the recovery
site (PromoteReplica=true, AppMinSize up), since CloudFormation promotes a read replica
when SourceDBInstanceIdentifier is removed.

Notes: 000:866-899 (the four strategies; RTO/RPO classes at 000:889-898), 001:3100-3130
(backup and restore is the high-RPO strategy), 001:3209-3229 (AWS Backup: plans,
cross-region copies, tag-based selection), 000:856 (Route 53 failover and ELB).
"""

from __future__ import annotations

from dataclasses import dataclass

from tmpllint.generators import vpc
from tmpllint.generators.blocks import interface
from tmpllint.generators.dr.backup import MIN_COPY_DAYS, backup_restore
from tmpllint.generators.dr.multisite import multi_site
from tmpllint.generators.dr.runbook import FAILOVER, FAILOVER_UPDATE, ORDER_WHY
from tmpllint.generators.dr.standby import replica_site, three_tier_primary
from tmpllint.yamlio import equals, mapping, not_, ref

__all__ = ["FAILOVER", "FAILOVER_UPDATE", "MIN_COPY_DAYS", "ORDER_WHY", "Options", "build"]

NAME = "dr"
SUMMARY = ("Disaster recovery over two regions (backup-restore, pilot-light, warm-standby, "
           "multi-site): a primary and a recovery template")
SEEDS = ("000:866-899", "001:3100-3130", "001:3209-3229")
STRATEGIES = ("backup-restore", "pilot-light", "warm-standby", "multi-site")
SITES = ("primary", "recovery")
#: The RTO/RPO class of each strategy, as the notes give it.
RTO_RPO = {
    "backup-restore": "RPO and RTO in hours: data since the last copied backup is lost, and "
                      "recovery restores the backups and rebuilds the stack (001:3117 \"High RPO\")",
    "pilot-light": "RTO and RPO in 10s of minutes (000:890-891)",
    "warm-standby": "RTO and RPO in minutes (000:894-895)",
    "multi-site": "RTO and RPO near real-time, automatic failover to a running duplicate (000:897-899)",
}
#: Which site deploys first; the second takes outputs of the first as parameters.
ORDER = {strategy: ("primary", "recovery") for strategy in STRATEGIES}
ORDER["backup-restore"] = ("recovery", "primary")
#: parameter of the second stack <- output of the first, per strategy.
HANDOFF = {
    "backup-restore": {"RecoveryVaultArn": "RecoveryVaultArn", "RecoveryKeyArn": "RecoveryKeyArn"},
    "pilot-light": {"PrimaryDatabaseArn": "DatabaseArn", "PrimaryDatabaseSecretArn": "DatabaseSecretArn"},
    "warm-standby": {"PrimaryDatabaseArn": "DatabaseArn", "PrimaryDatabaseSecretArn": "DatabaseSecretArn"},
    "multi-site": {"TableName": "TableName"},
}
#: Why the pair deploys in that order (the README says it).
#: The primary site's region, told to the multi-site template (its global table's replica list).
REGION_PARAMETERS = {"multi-site": {"primary": {"RecoveryRegion": "RECOVERY_REGION"}}}


@dataclass(frozen=True)
class Options:
    strategy: str = "pilot-light"
    site: str = "primary"

    def validate(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ValueError(f"--strategy must be one of {', '.join(STRATEGIES)}")
        if self.site not in SITES:
            raise ValueError(f"--site must be one of {', '.join(SITES)}")


def build(options: Options):
    options.validate()
    strategy, site = options.strategy, options.site
    conditions, rules, groups = None, None, None
    if strategy == "backup-restore":
        params, res, outs = backup_restore(site)
        if site == "primary":
            groups = interface(("Recovery vault", ["RecoveryVaultArn", "RecoveryKeyArn"]),
                               ("Backup plan", ["BackupTagKey", "BackupTagValue", "BackupSchedule",
                                                "RetentionDays", "CopyRetentionDays"]))
    else:
        if strategy == "multi-site":
            params, res, outs, conditions = multi_site(site)
        elif site == "primary":
            params, res, outs, conditions = three_tier_primary(strategy)
        else:
            params, res, outs, conditions = replica_site(strategy)
        groups = _groups(params)
    if strategy == "multi-site" and site == "primary":
        rules = mapping(TwoRegions=mapping(Assertions=[mapping(
            Assert=not_(equals(ref("RecoveryRegion"), ref("AWS::Region"))),
            AssertDescription="RecoveryRegion must be another region than the one this stack deploys to")]))
    first, second = ORDER[strategy]
    template = mapping(
        AWSTemplateFormatVersion="2010-09-09",
        Description=f"Disaster recovery, {strategy}, {site} site ({RTO_RPO[strategy].split(':')[0].split(' (')[0]}); "
                    f"deploy the {first} stack first, then the {second} one "
                    f"(generated by tmpllint new dr)",
    )
    if groups:
        template["Metadata"] = groups
    if params:
        template["Parameters"] = params
    if rules:
        template["Rules"] = rules
    if conditions:
        template["Conditions"] = conditions
    template["Resources"] = res
    template["Outputs"] = outs
    return template


def _groups(params: dict) -> dict:
    named = set(params)
    network = [n for n in vpc.NETWORK_GROUP[1] if n in named]
    app = [n for n in ("CertificateArn", "AppPort", "HealthCheckPath", "ImageId", "InstanceType",
                       "AppMinSize", "AccessLogRetentionDays") if n in named]
    data = [n for n in ("DbInstanceClass", "DatabaseDeletionProtection", "PrimaryDatabaseArn",
                        "PrimaryDatabaseSecretArn", "PromoteReplica", "RecoveryRegion", "TableName")
            if n in named]
    dns = ["DomainName", "HostedZoneId"]
    return interface(("Network", network), ("Web and application", app), ("Data", data), ("DNS", dns))
