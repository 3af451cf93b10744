"""The dr project's README texts: why a pair deploys in its order and what an operator does
on failover, per strategy."""

from __future__ import annotations

ORDER_WHY = {
    "backup-restore": "The recovery stack goes first although it is the second region: the "
                      "primary's backup plan copies into the recovery vault, whose ARN and key it "
                      "needs when it is created.",
    "pilot-light": "The recovery stack's read replica needs the primary database to exist.",
    "warm-standby": "The recovery stack's read replica needs the primary database to exist.",
    "multi-site": "The primary stack creates the global table with its replica in "
                  "RECOVERY_REGION, which the recovery stack's application then uses.",
}
#: What an operator does when the primary region fails (the README's runbook).
FAILOVER = {
    "backup-restore": "Restore the latest copies from the recovery vault (output `RecoveryVaultName`) "
                      "with `aws backup start-restore-job --region $RECOVERY_REGION "
                      "--iam-role-arn <output RestoreRoleArn> ...` (or the console), then deploy "
                      "the application stack into RECOVERY_REGION pointing at the restored "
                      "resources. Test a restore regularly: an untested backup is not a recovery "
                      "plan (000:871 \"Restore Strategies\").",
    "pilot-light": "Route 53 already answers with the recovery site once the primary's health "
                   "check fails, but nothing serves there yet: update the recovery stack alone "
                   "(the command below; parameters it does not name keep their values), which "
                   "promotes the replica to a writable database (CloudFormation promotes a read "
                   "replica when SourceDBInstanceIdentifier goes away) and starts two instances. "
                   "Promotion cannot be undone: once the primary region is back, rebuild the "
                   "primary from the promoted database. The application reads the primary "
                   "region's secret; after promotion give the database a secret of this region "
                   "(`aws rds modify-db-instance --manage-master-user-password`) and set "
                   "`PrimaryDatabaseSecretArn` to it. From then on deploy with "
                   "`RECOVERY_PROMOTE_REPLICA=true`: false would ask CloudFormation to make the "
                   "promoted database a replica again, which it cannot.",
    "warm-standby": "Route 53 fails over to the recovery site, already serving from one "
                    "instance (reads only: its database is a replica until promoted), when the "
                    "primary's health check fails. Then update the recovery "
                    "stack alone (the command below): the replica becomes a writable database "
                    "and the Auto Scaling group grows to the primary's two instances. Promotion cannot be "
                    "undone; set a secret of this region (`aws rds modify-db-instance "
                    "--manage-master-user-password`, then `PrimaryDatabaseSecretArn`) and keep "
                    "`RECOVERY_PROMOTE_REPLICA=true` in later deploys.",
    "multi-site": "Nothing to do: both regions serve, and Route 53's latency records stop "
                  "answering with a region whose health check fails. Writes made in the failed "
                  "region in the last second may arrive late (global tables replicate "
                  "asynchronously); design for last-writer-wins.",
}
#: The recovery stack's parameters on failover (one `aws cloudformation deploy` of it alone).
FAILOVER_UPDATE = {"pilot-light": {"PromoteReplica": "true", "AppMinSize": "2"},
                   "warm-standby": {"PromoteReplica": "true", "AppMinSize": "2"}}
