"""Issue 12 precision: one finding per thing, true messages (90xx, 91xx, I9707, W9801)."""

from __future__ import annotations

from conftest import FIXTURES

CHECKS = FIXTURES / "checks"


def findings(engine, relative: str, rule: str):
    result = engine.lint_path(str(CHECKS / relative))
    assert result.status == "ok", result.error
    return [f for f in result.findings if f.rule == rule]


def test_scenarios_that_differ_only_in_an_unrelated_condition_collapse():
    from tmpllint.checks.base import collapse_scenarios, reported_scenarios

    failing = [{"A": True, "B": True}, {"A": True, "B": False}]
    assert collapse_scenarios(failing) == [{"A": True}]
    assert reported_scenarios(failing, 4) == [{"A": True}]


def test_a_condition_the_finding_depends_on_is_kept():
    from tmpllint.checks.base import collapse_scenarios

    failing = [{"A": True, "B": False}, {"A": False, "B": True}]
    assert collapse_scenarios(failing) == failing


def test_impossible_scenarios_do_not_keep_a_condition():
    from tmpllint.checks.base import reported_scenarios

    # B is Not A: cfn-lint builds only two scenarios, so "A is true" says it all
    possible = [{"A": True, "B": False}, {"A": False, "B": True}]
    assert reported_scenarios([{"A": True, "B": False}], possible) in ([{"A": True}], [{"B": False}])


def test_failing_everywhere_names_no_condition():
    from tmpllint.checks.base import reported_scenarios

    assert reported_scenarios([{"A": True}, {"A": False}], 2) == [None]


def test_w9801_one_finding_per_resource_naming_the_case(engine):
    found = {f.resource: f.message for f in findings(engine, "W9801/fail_one_per_resource.yaml", "W9801")}
    assert len(findings(engine, "W9801/fail_one_per_resource.yaml", "W9801")) == len(found) == 5
    assert found["Orders"] == (
        "AWS::DynamoDB::Table 'Orders' is deleted with the stack and when an update replaces "
        "it; set DeletionPolicy and UpdateReplacePolicy to Retain (or "
        "DeletionProtectionEnabled: true), or DeletionPolicy: Delete if the data is disposable.")
    assert found["Files"] == (
        "AWS::EFS::FileSystem 'Files' is kept when the stack is deleted but is deleted when an "
        "update replaces it; set UpdateReplacePolicy: Retain.")
    assert "deleted with the stack" not in found["Files"]
    assert found["Db"].startswith("AWS::RDS::DBInstance 'Db' is snapshotted when the stack is deleted")
    assert "when IsProd is false" in found["Sessions"]


def test_i9110_names_an_explicit_aes256_and_reports_one_bucket_once(engine):
    messages = {f.resource: f.message for f in findings(engine, "I9110/fail_buckets.yaml", "I9110")}
    assert messages["Bare"].startswith("S3 bucket uses the default SSE-S3 encryption;")
    assert messages["SseS3"].startswith("S3 bucket uses SSE-S3 (AES256);")
    [one] = findings(engine, "I9110/fail_conditions.yaml", "I9110")
    assert one.message.startswith("S3 bucket uses SSE-S3 (AES256) when HasKey is false;")


def test_i9112_fix_names_a_customer_managed_key(engine):
    for finding in findings(engine, "I9112/fail_managed_key.yaml", "I9112"):
        assert "customer managed key (an AWS::KMS::Key)" in finding.message
        assert "SSEEnabled: true (" not in finding.message


def test_w9004_one_finding_per_api_with_read_only_apis_at_info(engine):
    found = {f.resource: f for f in findings(engine, "W9004/fail_one_per_api.yaml", "W9004")}
    assert set(found) == {"Orders", "Hello"}
    implicit = found["Orders"]
    assert implicit.severity == "warning"
    assert implicit.message == (
        "The implicit API 'ServerlessRestApi' has routes with no authorizer: GET /orders (Orders), "
        "POST /orders (Orders), DELETE /orders/{id} (Orders), ANY /proxy/{proxy+} (Proxy); "
        "name an Auth.Authorizer on each event (Cognito, Lambda or IAM) or set "
        "Auth.DefaultAuthorizer in Globals Api.")
    assert found["Hello"].severity == "info"
    assert "/purge" not in found["Hello"].message


def test_w9004_rest_methods_do_not_offer_jwt(engine):
    [rest] = findings(engine, "W9004/fail_rest.yaml", "W9004")
    assert rest.severity == "warning"
    assert "JWT" not in rest.message
    assert "PATCH /items when IsDev is true" in rest.message
    http = {f.resource: f for f in findings(engine, "W9004/fail_http_routes.yaml", "W9004")}
    assert "JWT" in http["ListRoute"].message and http["ListRoute"].severity == "info"
    assert http["ConnectRoute"].severity == "warning"


def test_w9007_scopes_only_templates_that_take_a_resource(engine):
    messages = {f.line: f.message for f in findings(engine, "W9007/fail_unscoped_templates.yaml", "W9007")}
    assert messages[16].endswith("use CloudWatchPutMetricPolicy instead.")
    assert messages[17].endswith("use EC2DescribePolicy instead.")
    # CloudWatch Logs: no template replaces it (not the metrics one): SAM's role writes logs
    assert messages[19] == ("Function 'Metrics' attaches the broad managed policy CloudWatchLogsFullAccess; "
                            "remove it: SAM already gives the function AWSLambdaBasicExecutionRole, "
                            "which writes its logs.")
    dynamo = next(f.message for f in findings(engine, "W9007/fail_policies.yaml", "W9007")
                  if "DynamoDB" in f.message)
    assert dynamo.endswith("use DynamoDBReadPolicy, DynamoDBWritePolicy or DynamoDBCrudPolicy "
                           "with its TableName instead.")


def test_i9006_is_one_finding_per_template_on_globals(engine):
    [one] = findings(engine, "I9006/fail_functions.yaml", "I9006")
    assert one.line == 14 and one.severity == "info"
    assert one.message.startswith("All 4 functions are not traced with X-Ray (Untraced, "
                                  "FromParameter, ProdOnly when IsProd is false, Plain);")
    [api] = findings(engine, "I9006/fail_api_function.yaml", "I9006")
    assert api.message == ("The function is not traced with X-Ray (Hello); set Tracing: "
                           "Active (SAM) or TracingConfig.Mode: Active.")


def test_w9104_is_info_and_never_offers_the_managed_key_to_service_publishers(engine):
    published = findings(engine, "W9104/fail_service_publishers.yaml", "W9104")
    assert len(published) == 3
    for finding in published:
        assert finding.severity == "info"
        assert "customer managed key whose key policy lets" in finding.message
        assert "(a customer managed key, or alias/aws/sns)" not in finding.message
    plain = {f.resource: f for f in findings(engine, "W9104/fail_topics.yaml", "W9104")}
    assert plain["Bare"].severity == "info"
    assert plain["Bare"].message == (
        "SNS topic 'Bare' keeps messages under SNS's disk encryption only; set KmsMasterKeyId "
        "(a customer managed key, or alias/aws/sns) where its messages are sensitive.")


def test_one_finding_names_every_case_it_fails_in(engine):
    [one] = findings(engine, "W9003/fail_nested_conditions.yaml", "W9003")
    assert "when HasDlq is false or IsProd is false;" in one.message


def test_w9801_minor_losses_are_info(engine):
    severities = {f.resource: f.severity for f in findings(engine, "W9801/fail_minor_loss.yaml", "W9801")}
    assert severities == {"Buffer": "info", "Journal": "warning", "StackKey": "info",
                          "BucketKey": "warning"}
