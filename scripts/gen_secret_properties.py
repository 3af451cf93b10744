#!/usr/bin/env python3
"""Generate `checks/data/secret_properties.json` (E9301) from cfn-lint's resource schemas.

    python scripts/gen_secret_properties.py            # rewrite the data file
    python scripts/gen_secret_properties.py --check    # exit 1 when the file is stale
    python scripts/gen_secret_properties.py --report   # what was left out, for review

Rerun it whenever cfn-lint is upgraded: the resource schemas it ships (every region's
provider list, plus SAM's) are the source. A property path is recorded when its schema
type can hold a string (not an enum, not read-only) and

- its name means a secret by the same word rules as E9302 (`secretscan.secret_name`:
  `MasterUserPassword`, `AuthToken`, `ClientSecret`, `PrivateKey`, `TokenKey`, ...; a
  list of strings by its singular, `Passwords`), unless the name or the path is on the
  reviewed exclusion lists below (names that only refer to a secret or are not one);
- or it is on the reviewed inclusion list below (mostly `writeOnlyProperties` whose name
  does not say "secret" but whose value is one: `PreSharedKey`, a keytab, a host key;
  and keys of free-form maps that AWS documents, `ProviderDetails.client_secret`).

`--report` lists the write-only string properties that were not recorded, which is where
new secrets hide when cfn-lint moves: review them and extend the lists here.
Paths go through `$ref`s, `oneOf`/`anyOf`/`allOf` and arrays (`*` is every item).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_FILE = ROOT / "checks" / "data" / "secret_properties.json"

from tmpllint.checks.secretscan import _WORD, secret_name  # the rule's own word rules

#: Property names that match the word rules but only refer to a secret, or are no secret.
EXCLUDED_NAMES = {
    "ClientToken": "an idempotency token chosen by the caller",
    "ServiceToken": "the ARN of a custom resource's Lambda function or SNS topic",
    "PreTokenGeneration": "the ARN of a Cognito trigger function",
    "AuthorizerCredentials": "the ARN of the role API Gateway assumes",
    "Credentials": "an IAM role ARN (API Gateway integrations) or a Secrets Manager ARN (Kendra)",
    "Credential": "the ARN or name of a Secrets Manager secret (CodeBuild registry credential)",
    "CredentialProvider": "the kind of credential store (SECRETS_MANAGER)",
    "SqlServerCredentials": "the ARN of a Secrets Manager secret",
    "DomainJoinServiceAccountSecret": "the ARN of a Secrets Manager secret",
    "CdnIdentifierSecret": "the ARN of a Secrets Manager secret",
    "CredentialSpecs": "the ARNs of credential-spec files in S3 or SSM",
    "VersionToken": "an optimistic-concurrency version token",
    "TokenReference": "a design-token reference of Amplify UI Builder",
    "TokenDomains": "domains that accept a WAF token",
    "WebIdentityTokenAudiences": "audiences of a web identity token",
    "ActorTokenScopes": "OAuth scopes",
}
#: The last word of a name that refers to a secret: `...Source` (an enum or an ARN),
#: `...Units`, `...Scopes`, `...Reference`.
EXCLUDED_LAST_WORDS = {"source", "units", "scopes", "reference", "audiences", "domains", "host"}
#: Paths whose parent says the leaf is no secret (`TokenValidityUnits.AccessToken` is a unit).
EXCLUDED_UNDER = {"TokenValidityUnits": "token validity units (minutes, hours, days)"}

#: Reviewed additions: (type, path) -> why the value is a secret. `free-form` ones are keys
#: of a map the schema does not list (AWS documents them); the others must exist.
INCLUDED = {
    ("AWS::EC2::VPNConnection", ("VpnTunnelOptionsSpecifications", "*", "PreSharedKey")):
        "the IPsec pre-shared key (write-only)",
    ("AWS::KinesisFirehose::DeliveryStream", ("HttpEndpointDestinationConfiguration", "EndpointConfiguration", "AccessKey")):
        "the access key of the HTTP endpoint (write-only)",
    ("AWS::DataSync::LocationHDFS", ("KerberosKeytab",)): "a Kerberos keytab: the principal's keys (write-only)",
    ("AWS::DataSync::LocationSMB", ("KerberosKeytab",)): "a Kerberos keytab: the principal's keys (write-only)",
    ("AWS::Transfer::HostKey", ("HostKeyBody",)): "the server's private host key (write-only)",
    ("AWS::DMS::Certificate", ("CertificateWallet",)): "an Oracle wallet, which holds the private key (write-only)",
    ("AWS::AppFlow::ConnectorProfile", ("ConnectorProfileConfig", "ConnectorProfileCredentials", "Datadog", "ApplicationKey")):
        "the Datadog application key (write-only)",
    ("AWS::AppFlow::ConnectorProfile", ("ConnectorProfileConfig", "ConnectorProfileCredentials", "InforNexus", "Datakey")):
        "the Infor Nexus data encryption key (write-only)",
    ("AWS::AppFlow::ConnectorProfile", ("ConnectorProfileConfig", "ConnectorProfileCredentials", "CustomConnector", "Oauth2", "OAuthRequest", "AuthCode")):
        "an OAuth authorization code (write-only)",
    ("AWS::Glue::Connection", ("ConnectionInput", "AuthenticationConfiguration", "OAuth2Properties", "AuthorizationCodeProperties", "AuthorizationCode")):
        "an OAuth authorization code (write-only)",
    ("AWS::DMS::Endpoint", ("OracleSettings", "SecurityDbEncryption")): "the Oracle TDE password (write-only)",
    ("AWS::ApiGateway::ApiKey", ("Value",)): "the API key itself",
    ("AWS::Cognito::UserPoolIdentityProvider", ("ProviderDetails", "client_secret")): "free-form: the OAuth client secret",
    ("AWS::Glue::Connection", ("ConnectionInput", "ConnectionProperties", "PASSWORD")): "free-form: the JDBC password",
}
FREE_FORM = {key for key, why in INCLUDED.items() if why.startswith("free-form")}


# -- reading cfn-lint's schemas ---------------------------------------------------------
def schema_files() -> tuple[dict[str, list[Path]], str]:
    """Resource type -> its schema files (every distinct version any region ships), and a
    description of the source. Supports cfn-lint's layouts: `providers/<region>.json`
    mapping types to `resources/<hash>.json` (1.58+), and `providers/<region>/*.json`."""
    import cfnlint

    base = Path(cfnlint.__file__).parent / "data" / "schemas"
    found: dict[str, list[Path]] = {}
    providers = base / "providers"
    for provider in sorted(providers.glob("*.json"), key=lambda p: (p.stem != "us-east-1", p.stem)):
        for kind, digest in json.loads(provider.read_text(encoding="utf-8")).items():
            path = base / "resources" / f"{digest}.json"
            if path.exists() and path not in found.setdefault(kind, []):
                found[kind].append(path)
    for region in sorted(p for p in providers.iterdir() if p.is_dir()):
        for path in sorted(region.glob("*.json")):
            try:
                kind = json.loads(path.read_text(encoding="utf-8")).get("typeName")
            except ValueError:
                continue
            if kind and path not in found.setdefault(kind, []):
                found[kind].append(path)
    version = getattr(cfnlint, "__version__", None)
    if version is None:
        from importlib.metadata import version as dist_version

        version = dist_version("cfn-lint")
    date = ""
    if (base / "version.json").exists():
        date = json.loads((base / "version.json").read_text(encoding="utf-8")).get("schema_date", "")
    return found, f"cfn-lint {version} resource schemas{f' of {date}' if date else ''}"


def _resolve(schema: dict, node, depth: int = 0):
    while isinstance(node, dict) and "$ref" in node and depth < 32:
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/"):
            return {}
        target = schema
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        node, depth = target, depth + 1
    return node


def string_leaves(schema: dict, node, path: tuple = (), refs: tuple = ()):
    """(path, schema node) of every property that can hold a string."""
    ref = node.get("$ref") if isinstance(node, dict) else None
    if ref in refs:  # a recursive definition: its strings were seen one level up
        return
    node = _resolve(schema, node)
    if not isinstance(node, dict):
        return
    refs = refs + ((ref,) if ref else ())
    kinds = node.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    structured = False
    for name, sub in (node.get("properties") or {}).items():
        structured = True
        yield from string_leaves(schema, sub, path + (name,), refs)
    if "items" in node:
        structured = True
        yield from string_leaves(schema, node["items"], path + ("*",), refs)
    for keyword in ("oneOf", "anyOf", "allOf"):
        for sub in node.get(keyword) or []:
            structured = True
            yield from string_leaves(schema, sub, path, refs)
    if path and ("string" in kinds or (kinds == [None] and not structured)):
        yield path, node


def _words(name: str) -> list[str]:
    return [word.lower() for word in _WORD.findall(name)]


def means_secret(path: tuple) -> bool:
    names = [key for key in path if key != "*"]
    leaf = names[-1]
    if leaf in EXCLUDED_NAMES or any(parent in EXCLUDED_UNDER for parent in names[:-1]):
        return False
    words = _words(leaf)
    if not words or words[-1] in EXCLUDED_LAST_WORDS:
        return False
    if secret_name(leaf):
        return True
    # a list of secrets by its singular: Passwords.*
    return path[-1] == "*" and leaf.endswith("s") and secret_name(leaf[:-1])


def _pointer(path: tuple) -> str:
    return "/properties/" + "/".join(path)


def _covered(path: tuple, pointers) -> bool:
    """Whether `path` is at or below one of the schema's JSON pointers."""
    text = _pointer(path)
    return any(text == p or text.startswith(p + "/") for p in pointers)


def generate() -> tuple[dict, dict]:
    """The data file's content, and a report of what was left out."""
    files, source = schema_files()
    chosen: dict[str, set[tuple]] = {}
    write_only_left: dict[str, set[tuple]] = {}
    seen_included = set()
    for kind, paths in sorted(files.items()):
        for file in paths:
            schema = json.loads(file.read_text(encoding="utf-8"))
            read_only = schema.get("readOnlyProperties") or []
            write_only = schema.get("writeOnlyProperties") or []
            root = {"type": "object", "properties": schema.get("properties") or {}}
            for path, node in string_leaves(schema, root):
                if "enum" in node or "const" in node or _covered(path, read_only):
                    continue
                if (kind, path) in INCLUDED:
                    seen_included.add((kind, path))
                    chosen.setdefault(kind, set()).add(path)
                elif means_secret(path):
                    chosen.setdefault(kind, set()).add(path)
                elif _covered(path, write_only):
                    write_only_left.setdefault(kind, set()).add(path)
    for kind, path in FREE_FORM:
        if kind in files:
            seen_included.add((kind, path))
            chosen.setdefault(kind, set()).add(path)
    missing = sorted(set(INCLUDED) - seen_included)
    data = {
        "_comment": "E9301: properties that hold a credential, by resource type. Generated by "
                    "scripts/gen_secret_properties.py from " + source + "; do not edit by hand. "
                    "A path is a list of keys below Properties; '*' is every item of a list.",
    }
    for kind in sorted(chosen):
        data[kind] = [list(path) for path in sorted(chosen[kind])]
    report = {"write_only_left_out": {k: sorted(".".join(p) for p in v) for k, v in sorted(write_only_left.items())},
              "included_but_missing": [f"{k} {'.'.join(p)}" for k, p in missing]}
    return data, report


def render(data: dict) -> str:
    lines = ["{"]
    items = list(data.items())
    for index, (key, value) in enumerate(items):
        comma = "," if index < len(items) - 1 else ""
        lines.append(f"  {json.dumps(key)}: {json.dumps(value)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _content(data: dict) -> dict:
    return {key: value for key, value in data.items() if key != "_comment"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the data file is stale")
    parser.add_argument("--report", action="store_true", help="print what was left out")
    parser.add_argument("--data", type=Path, default=DATA_FILE, help="the data file (default: %(default)s)")
    args = parser.parse_args(argv)
    target = args.data.resolve()
    data, report = generate()
    if report["included_but_missing"]:
        print("reviewed inclusions no schema has any more (remove them):", file=sys.stderr)
        for line in report["included_but_missing"]:
            print("  " + line, file=sys.stderr)
    if args.report:
        print(json.dumps(report, indent=1))
        return 0
    paths = sum(len(v) for k, v in data.items() if k != "_comment")
    if args.check:
        current = json.loads(target.read_text(encoding="utf-8")) if target.exists() else {}
        if _content(current) != _content(data):
            print(f"{target} is stale: run python scripts/gen_secret_properties.py", file=sys.stderr)
            return 1
        print(f"{target} is up to date ({len(data) - 1} types, {paths} paths)")
        return 0
    target.write_text(render(data), encoding="utf-8")
    print(f"wrote {target}: {len(data) - 1} types, {paths} paths")
    return 0


if __name__ == "__main__":
    sys.exit(main())
