"""Network exposure (`96xx`): what an instance answers on its metadata endpoint (W9606)."""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from tmpllint.checks.base import (
    Documented,
    condition_variants,
    existing_prefix,
    literal_values,
    properties,
    one_finding,
    resources_of,
    when,
)


def _allows_imds_v1(cfn, data: Any) -> bool | None:
    """Whether launch data (`LaunchTemplateData`, a launch configuration's or an
    instance's properties) lets a plain GET read the metadata service; None if unknown."""
    if not isinstance(data, dict):
        return None
    images = literal_values(cfn, data.get("ImageId")) if "ImageId" in data else None
    if images and all(isinstance(image, str) and "al2023" in image.lower() for image in images):
        return False  # Amazon Linux 2023 AMIs are registered with ImdsSupport v2.0
    options = data.get("MetadataOptions")
    if options is None:
        return True
    if not isinstance(options, dict):
        return None
    endpoint = literal_values(cfn, options.get("HttpEndpoint"))
    if endpoint and all(isinstance(v, str) and v.lower() == "disabled" for v in endpoint):
        return False
    tokens = literal_values(cfn, options.get("HttpTokens"))
    if tokens is None:
        return None
    return any(not isinstance(v, str) or v.lower() != "required" for v in tokens)


class ImdsV2Required(Documented, CloudFormationLintRule):
    id = "W9606"
    shortdesc = "Instances require IMDSv2"
    description = (
        "Flags an `AWS::EC2::LaunchTemplate` whose `LaunchTemplateData.MetadataOptions."
        "HttpTokens` is not `required`, an `AWS::AutoScaling::LaunchConfiguration` whose "
        "`MetadataOptions.HttpTokens` is not `required`, and an `AWS::EC2::Instance` whose own "
        "`MetadataOptions.HttpTokens` is not `required` (set, or missing with no `LaunchTemplate`). Default: "
        "`optional` (IMDSv1 allowed), except for AMIs registered with `ImdsSupport: v2.0` "
        "such as Amazon Linux 2023, so an `ImageId` naming `al2023` passes. Not flagged: "
        "`HttpEndpoint: disabled`, an instance whose launch template comes from outside "
        "the template (unknown), and an instance without `MetadataOptions` whose launch "
        "template is in the template (the template is judged instead, once)."
    )
    why = (
        "With IMDSv1 any process or server-side request forgery on the instance can read "
        "the role's credentials with one plain GET to 169.254.169.254; IMDSv2 needs a "
        "session token from a PUT that SSRF and most proxies cannot send. The notes show "
        "the metadata URL serving the instance's role credentials."
    )
    seeds = ("003:190", "004:4711", "004:6461-6462")
    source_url = "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-new-instances.html"
    tags = ["network", "ec2", "imds"]
    example_fail = (
        "Template:\n  Type: AWS::EC2::LaunchTemplate\n  Properties:\n    LaunchTemplateData:\n"
        "      ImageId: ami-0abcdef1234567890\n"
    )
    example_pass = example_fail + "      MetadataOptions: {HttpTokens: required, HttpEndpoint: enabled}\n"

    def match(self, cfn) -> list[RuleMatch]:
        matches = []
        for name, resource in resources_of(cfn, "AWS::EC2::LaunchTemplate",
                                           "AWS::AutoScaling::LaunchConfiguration"):
            props = properties(resource)
            template = resource.get("Type") == "AWS::EC2::LaunchTemplate"
            inside = ["Properties"] + (["LaunchTemplateData"] if template else [])
            base = ["Resources", name] + existing_prefix(resource, inside)
            data = props.get("LaunchTemplateData") if template else props
            kind = "Launch template" if template else "Launch configuration"
            matches += self._judge(cfn, data, base, f"{kind} '{name}' allows IMDSv1{{when}}; set "
                                   "MetadataOptions.HttpTokens: required.")
        for name, resource in resources_of(cfn, "AWS::EC2::Instance"):
            props = properties(resource)
            options = props.get("MetadataOptions")
            if "LaunchTemplate" in props and not (isinstance(options, dict) and "HttpTokens" in options):
                continue  # judged on the template, or unknown when it comes from elsewhere
            base = ["Resources", name] + existing_prefix(resource, ["Properties"])
            matches += self._judge(cfn, props, base, f"EC2 instance '{name}' allows IMDSv1{{when}}; "
                                   "set MetadataOptions.HttpTokens: required.")
        return matches

    @staticmethod
    def _judge(cfn, data: Any, base: list, message: str) -> list[RuleMatch]:
        if not isinstance(data, dict):
            return []
        variants = condition_variants(cfn, data)
        failing = [scenario for scenario, resolved in variants if _allows_imds_v1(cfn, resolved)]
        path = base + existing_prefix(data, ["MetadataOptions", "HttpTokens"])
        return [RuleMatch(path, message.replace("{when}", when(scenario)))
                for scenario in one_finding(failing, len(variants))]


