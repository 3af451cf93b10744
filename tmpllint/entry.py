"""The `tmpllint` console command. `tmpllint explain ID`, `tmpllint rules` and
`tmpllint rules --all` are answered here by the same functions the full command line
calls, without building it (typer's argument handling loads pydantic: about half the
CPU time of these commands, issue 16); anything else, options and `--help` included,
goes to `tmpllint.cli`."""

from __future__ import annotations

import sys


def main() -> None:
    args = sys.argv[1:]
    if args in (["rules"], ["rules", "--all"]) or (
            len(args) == 2 and args[0] == "explain" and not args[1].startswith("-")):
        import typer

        from tmpllint import cli_docs
        from tmpllint.cli_common import ListFormat

        try:
            if args[0] == "explain":
                cli_docs.explain(args[1])
            else:
                cli_docs.rules(ListFormat.text, all_rules=args[1:] == ["--all"])
        except typer.Exit as done:  # raised by cli_common._fail
            sys.exit(done.exit_code)
        sys.exit(0)
    from tmpllint.cli import main as cli_main

    cli_main()
