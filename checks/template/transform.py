"""E9001: the SAM transform is named right."""

from __future__ import annotations

import re

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from tmpllint.checks.base import Documented
from tmpllint.checks.template.common import SAM_TRANSFORM


class SamTransformVersion(Documented, CloudFormationLintRule):
    id = "E9001"
    shortdesc = "The SAM transform is AWS::Serverless-2016-10-31"
    description = (
        "Flags a `Transform` that names an `AWS::Serverless-*` version other than "
        "`AWS::Serverless-2016-10-31`, the only SAM transform CloudFormation knows."
    )
    why = (
        "CloudFormation rejects an unknown transform, so the stack never deploys. The "
        "study notes themselves give the wrong name `AWS::Serverless-2023-01-01`; the "
        "SAM version is a fixed identifier, not a date to update."
    )
    seeds = ("002:1526",)
    source_url = "https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-template-anatomy.html"
    tags = ["template", "sam"]
    example_fail = "Transform: AWS::Serverless-2023-01-01\n"
    example_pass = "Transform: AWS::Serverless-2016-10-31\n"

    _SAM_LIKE = re.compile(r"^aws::serverless", re.I)

    def match(self, cfn) -> list[RuleMatch]:
        transform = cfn.template.get("Transform")
        if isinstance(transform, str):
            entries = [(["Transform"], transform)]
        elif isinstance(transform, list):
            entries = [(["Transform", index], value) for index, value in enumerate(transform)]
        else:
            entries = []
        return [
            RuleMatch(path, f"Transform '{value}' is not a SAM version; use "
                            f"'{SAM_TRANSFORM}' (the only SAM transform).")
            for path, value in entries
            if isinstance(value, str) and self._SAM_LIKE.match(value) and value != SAM_TRANSFORM
        ]
