"""The two templates and deploy.sh agree: each stack is given every parameter its template
declares and nothing else, the second stack takes outputs the first one declares, and both
sites run the same inline code (the function tests run the primary's copy)."""

import re

from conftest import ROOT, inline_code

SITES = ("primary", "recovery")
SCRIPT = (ROOT / "deploy.sh").read_text(encoding="utf-8")
DEPLOYS = re.findall(r"^aws cloudformation deploy \\\n(.*?)(?:\n\n|\Z)", SCRIPT, re.S | re.M)


def _template(site):
    return (ROOT / site / "template.yaml").read_text(encoding="utf-8")


def _section(text, name):
    block = re.search(rf"^{name}:\n((?:[ #].*\n|\n)*)", text, re.M)
    return block.group(1) if block else ""


def _site(deploy):
    return re.search(r"--template-file (\w+)/template\.yaml", deploy).group(1)


def test_each_stack_is_given_exactly_the_parameters_its_template_declares():
    assert sorted(_site(deploy) for deploy in DEPLOYS) == sorted(SITES)
    for deploy in DEPLOYS:
        declared = re.findall(r"^  (\w+):", _section(_template(_site(deploy)), "Parameters"), re.M)
        assert sorted(re.findall(r'^ +"(\w+)=', deploy, re.M)) == sorted(declared), _site(deploy)


def test_the_second_stack_takes_outputs_the_first_declares():
    first = _site(DEPLOYS[0])
    outputs = set(re.findall(r"^  (\w+):", _section(_template(first), "Outputs"), re.M))
    taken = re.findall(r'\$\(output "\$(\w+)_REGION" "\$STACK_NAME-(\w+)" (\w+)\)', SCRIPT)
    assert taken
    for region, stack, name in taken:
        assert region.lower() == stack == first and name in outputs, name


def test_both_sites_run_the_same_inline_code():
    names = re.findall(r"^  (\w+):\n    Type: AWS::Lambda::Function$", _template("primary"), re.M)
    assert names == re.findall(r"^  (\w+):\n    Type: AWS::Lambda::Function$", _template("recovery"), re.M)
    for name in names:
        assert inline_code(name, "primary/template.yaml") == inline_code(name, "recovery/template.yaml")
