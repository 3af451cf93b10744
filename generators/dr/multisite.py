"""multi-site: both regions serve at full size from their replica of a DynamoDB global
table, behind Route 53 latency records with health checks (000:885-886, 000:897-899)."""

from __future__ import annotations

from tmpllint.generators import three_tier, vpc
from tmpllint.generators.blocks import ignore
from tmpllint.generators.dr.common import APP, dns
from tmpllint.yamlio import comment_before, mapping, ref, sub


def multi_site(site: str) -> tuple[dict, dict, dict, dict]:
    network = vpc.Options(azs=APP.azs, data_subnets=False)
    params = three_tier.parameters(APP, network)
    for name in ("DbInstanceClass", "DatabaseDeletionProtection"):
        del params[name]
    res = vpc.resources(network)
    three_tier.web_tier(res, APP, None)
    if site == "primary":
        params["RecoveryRegion"] = mapping(
            Type="String", AllowedPattern=r"^[a-z]{2}(-[a-z]+)+-\d$",
            ConstraintDescription="a region name such as us-west-2",
            Description="The other region serving the application; the global table gets a replica there.")
    else:
        params["TableName"] = mapping(
            Type="String", AllowedPattern=r"^[A-Za-z0-9_.-]{3,255}$",
            Description="The global table (output TableName of the primary stack); its replica in "
                        "this region is the one the application uses.")
    table_arn = sub("arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${%s}"
                    % ("Table" if site == "primary" else "TableName"))
    three_tier.app_tier(
        res, APP, env="TABLE_NAME=${%s}\nTABLE_REGION=${AWS::Region}\n" % (
            "Table" if site == "primary" else "TableName"),
        statements=[mapping(Effect="Allow", Action=[
            "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
            "dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem"],
            Resource=[table_arn, sub(table_arn.value + "/index/*")])],
        comment="Full production capacity in both regions (000:886): each serves its clients "
                "and can take the other's")
    res["AppRole"]["Properties"]["Policies"][0]["PolicyName"] = "use-the-local-table-replica"
    if site == "primary":
        def replica(region):
            return mapping(Region=region, DeletionProtectionEnabled=True,
                           PointInTimeRecoverySpecification=mapping(PointInTimeRecoveryEnabled=True))

        res["Table"] = mapping(
            Type="AWS::DynamoDB::GlobalTable", DeletionPolicy="Retain", UpdateReplacePolicy="Retain",
            Metadata=ignore("I9112", "a customer managed key per replica would have to exist in "
                                     "RecoveryRegion before this stack; the table uses the AWS managed key"),
            Properties=mapping(
                BillingMode="PAY_PER_REQUEST",
                AttributeDefinitions=[mapping(AttributeName="pk", AttributeType="S")],
                KeySchema=[mapping(AttributeName="pk", KeyType="HASH")],
                StreamSpecification=mapping(StreamViewType="NEW_AND_OLD_IMAGES"),
                SSESpecification=mapping(SSEEnabled=True, SSEType="KMS"),
                Replicas=[replica(ref("AWS::Region")), replica(ref("RecoveryRegion"))]))
        comment_before(res, "Table", "DynamoDB global table (000:99, 002:1442): a writable replica "
                       "in each region, replicated both ways in about a second; point-in-time "
                       "recovery and deletion protection on both replicas", 2)
    outs = three_tier.outputs(APP, network)
    del outs["DatabaseEndpoint"], outs["DatabasePort"]
    if site == "primary":
        outs["TableName"] = mapping(Description="The recovery stack's TableName", Value=ref("Table"))
    dns(params, res, outs, "multi-site", site)
    return params, res, outs, mapping(*vpc.conditions().items())
