"""E9301's secret-bearing properties are generated from cfn-lint's resource schemas.

`scripts/gen_secret_properties.py --check` fails when the data file no longer matches
the schemas of the installed cfn-lint (rerun the script after upgrading cfn-lint).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ROOT

DATA = ROOT / "checks" / "data" / "secret_properties.json"
SCRIPT = ROOT / "scripts" / "gen_secret_properties.py"


@pytest.fixture(scope="module")
def catalogue() -> dict[str, set[str]]:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    assert "scripts/gen_secret_properties.py" in data.pop("_comment")
    return {kind: {".".join(path) for path in paths} for kind, paths in data.items()}


def test_the_data_file_is_what_the_generator_makes_from_the_installed_schemas():
    done = subprocess.run([sys.executable, str(SCRIPT), "--check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "is up to date" in done.stdout


def test_check_mode_fails_on_a_stale_file(tmp_path):
    stale = json.loads(DATA.read_text(encoding="utf-8"))
    stale["AWS::RDS::DBInstance"] = [["MasterUserPassword"]]  # TdeCredentialPassword lost
    path = tmp_path / "secret_properties.json"
    path.write_text(json.dumps(stale), encoding="utf-8")
    done = subprocess.run([sys.executable, str(SCRIPT), "--check", "--data", str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert "is stale" in done.stderr


def test_how_much_the_catalogue_covers(catalogue):
    types = len(catalogue)
    paths = sum(len(p) for p in catalogue.values())
    nested = sum(1 for p in catalogue.values() for path in p if "." in path)
    in_lists = sum(1 for p in catalogue.values() for path in p if "*" in path)
    print(f"secret catalogue: {types} resource types, {paths} property paths "
          f"({nested} nested, {in_lists} inside lists)")
    # cfn-lint 1.58's schemas: 87 types, 208 paths. A big drop means the generator broke.
    assert types >= 80 and paths >= 190
    assert nested >= 100 and in_lists >= 10


@pytest.mark.parametrize(("kind", "path"), [
    ("AWS::CodePipeline::Webhook", "AuthenticationConfiguration.SecretToken"),
    ("AWS::Pinpoint::APNSChannel", "PrivateKey"),
    ("AWS::Pinpoint::APNSChannel", "TokenKey"),
    ("AWS::Pinpoint::APNSVoipSandboxChannel", "TokenKey"),
    ("AWS::EMR::Cluster", "KerberosAttributes.KdcAdminPassword"),
    ("AWS::EMR::Cluster", "KerberosAttributes.ADDomainJoinPassword"),
    ("AWS::EMR::Cluster", "KerberosAttributes.CrossRealmTrustPrincipalPassword"),
    ("AWS::OpsWorks::App", "AppSource.Password"),
    ("AWS::OpsWorks::App", "SslConfiguration.PrivateKey"),
    ("AWS::OpsWorks::Stack", "RdsDbInstances.*.DbPassword"),
    ("Alexa::ASK::Skill", "AuthenticationConfiguration.ClientSecret"),
    ("AWS::Lambda::Permission", "EventSourceToken"),
    ("AWS::ManagedBlockchain::Member",
     "MemberConfiguration.MemberFrameworkConfiguration.MemberFabricConfiguration.AdminPassword"),
    ("AWS::RDS::DBInstance", "MasterUserPassword"),
    ("AWS::ElastiCache::User", "Passwords.*"),
    ("AWS::AmazonMQ::Broker", "Users.*.Password"),
    ("AWS::SecretsManager::Secret", "SecretString"),
    ("AWS::EC2::VPNConnection", "VpnTunnelOptionsSpecifications.*.PreSharedKey"),
    ("AWS::ApiGateway::ApiKey", "Value"),
    ("AWS::Cognito::UserPoolIdentityProvider", "ProviderDetails.client_secret"),
    ("AWS::ElasticLoadBalancingV2::Listener", "DefaultActions.*.AuthenticateOidcConfig.ClientSecret"),
])
def test_secrets_are_in_the_catalogue(catalogue, kind, path):
    assert path in catalogue.get(kind, set())


@pytest.mark.parametrize(("kind", "path"), [
    ("AWS::Cognito::UserPool", "Policies.PasswordPolicy.RequireSymbols"),  # a boolean
    ("AWS::Cognito::UserPool", "Policies.PasswordPolicy.TemporaryPasswordValidityDays"),
    ("AWS::Cognito::UserPoolClient", "GenerateSecret"),  # a boolean
    ("AWS::Cognito::UserPoolClient", "ClientSecret"),  # read-only: AWS generates it
    ("AWS::Cognito::UserPoolClient", "TokenValidityUnits.AccessToken"),  # a unit
    ("AWS::RDS::DBProxy", "Auth.*.SecretArn"),
    ("AWS::RDS::DBInstance", "KmsKeyId"),
    ("AWS::RDS::DBInstance", "MasterUserSecret.SecretArn"),
    ("AWS::CloudFormation::CustomResource", "ServiceToken"),  # a function ARN
    ("AWS::ApiGateway::Method", "Integration.Credentials"),  # a role ARN
    ("AWS::CodeBuild::Project", "Environment.RegistryCredential.Credential"),  # a secret ARN
    ("AWS::EFS::AccessPoint", "ClientToken"),  # an idempotency token
    ("AWS::AppSync::ApiKey", "ApiKey"),  # read-only
    ("AWS::IAM::AccessKey", "SecretAccessKey"),  # read-only attribute, not a property
])
def test_names_that_only_refer_to_a_secret_are_left_out(catalogue, kind, path):
    assert path not in catalogue.get(kind, set())


def test_every_kind_of_exclusion_is_a_reviewed_one():
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import gen_secret_properties as gen
    finally:
        sys.path.remove(str(SCRIPT.parent))
    assert all(reason for reason in gen.EXCLUDED_NAMES.values())
    assert all(reason for reason in gen.INCLUDED.values())
    assert gen.means_secret(("AuthenticationConfiguration", "SecretToken"))
    assert gen.means_secret(("Passwords", "*"))
    assert not gen.means_secret(("ClientToken",))
    assert not gen.means_secret(("TokenValidityUnits", "AccessToken"))
    assert not gen.means_secret(("Style", "HorizontalGap", "TokenReference"))
    assert not gen.means_secret(("ApiKeySecretSource",))
