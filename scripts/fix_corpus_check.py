"""Check `tmpllint fix` on a COPY of a template corpus (never the original folder).

    python scripts/fix_corpus_check.py CORPUS_COPY [--unsafe] [--limit N]

For every template: lint, fix (in place, in the copy), lint again, and check that
1. every finding the fix reported as fixed is gone,
2. no finding appears that the original did not have (by rule, resource, message),
3. the fixed file still parses and its data (comments aside) differs from the original
   only at, above or below a path a fix named,
4. a second fix changes nothing,
5. every comment of the original is still there.
Prints counts and the first problems of each kind.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path


def _data(text: str):
    from cfnlint.decode.decode import decode_str

    template, matches = decode_str(text)
    return None if matches else _plain(template)


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _differences(old, new, path=()):
    if isinstance(old, dict) and isinstance(new, dict):
        for key in set(old) | set(new):
            if key not in old or key not in new:
                yield path + (key,)
            else:
                yield from _differences(old[key], new[key], path + (key,))
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for index, (a, b) in enumerate(zip(old, new)):
            yield from _differences(a, b, path + (index,))
    elif isinstance(old, list) and isinstance(new, list) and len(new) > len(old) and new[:len(old)] == old:
        for index in range(len(old), len(new)):
            yield path + (index,)
    elif old != new:
        yield path


def _related(a, b) -> bool:
    n = min(len(a), len(b))
    return tuple(map(str, a[:n])) == tuple(map(str, b[:n]))


_COMMENT = re.compile(r"(?:^|\s)(#.*)$")


def _comments(text: str) -> Counter:
    return Counter(m.group(1).rstrip() for line in text.splitlines() if (m := _COMMENT.search(line)))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--unsafe", action="store_true")
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    if "/work/shared" in str(Path(args.folder).resolve()):
        sys.exit("refusing to write into the shared corpus: copy it first")

    from tmpllint.discovery import discover
    from tmpllint.fix.apply import FixEngine, fix_file, write_atomic

    engine = FixEngine()
    files = discover([args.folder], exclude=[])
    if args.limit:
        files = files[:args.limit]
    counts = Counter()
    problems: dict[str, list[str]] = {}
    fixed_rules = Counter()

    def problem(kind, text):
        counts[kind] += 1
        problems.setdefault(kind, []).append(text)

    for path in files:
        try:
            outcome = fix_file(engine, path, unsafe=args.unsafe)
        except Exception as err:  # noqa: BLE001 - a crash is a finding of this script
            problem("crash", f"{path}: {type(err).__name__}: {err}")
            continue
        if outcome.result is None or outcome.result.status == "skipped":
            continue
        counts["templates"] += 1
        if outcome.error:
            problem("fix error", f"{path}: {outcome.error}")
        if not outcome.changed:
            continue
        counts["changed files"] += 1
        original_text = outcome.original
        before, _ = engine.lint_text(path, original_text.lstrip("\ufeff"))
        write_atomic(path, outcome.text)
        after, _ = engine.lint_text(path, outcome.text.lstrip("\ufeff"))
        keys_before = {(f.rule, f.resource, f.message) for f in before.findings}
        keys_after = {(f.rule, f.resource, f.message) for f in after.findings}
        for plan in outcome.fixed:
            counts["fixed findings"] += 1
            fixed_rules[plan.finding.rule] += 1
        for f in after.findings:
            if f.fingerprint in {p.finding.fingerprint for p in outcome.fixed}:
                problem("fixed finding still there", f"{path}:{f.line} {f.rule}")
        for key in keys_after - keys_before:
            problem("new finding", f"{path}: {key[0]} [{key[1]}] {key[2][:100]}")
        old_data, new_data = _data(original_text.lstrip("\ufeff")), _data(outcome.text.lstrip("\ufeff"))
        if new_data is None:
            problem("does not parse", path)
        else:
            allowed = [p for plan in outcome.applied for p in plan.paths]
            for where in _differences(old_data, new_data):
                if not any(_related(where, ok) for ok in allowed):
                    problem("data changed outside a fix", f"{path}: {'/'.join(map(str, where))}")
        lost = _comments(original_text) - _comments(outcome.text)
        if lost:
            problem("comment lost", f"{path}: {list(lost)[:3]}")
        again = fix_file(engine, path, unsafe=args.unsafe)
        if again.changed:
            problem("second fix changed something", path)
    for kind, value in sorted(counts.items()):
        print(f"{kind}: {value}")
    print("fixed by rule:", dict(sorted(fixed_rules.items())))
    for kind, texts in problems.items():
        print(f"\n{kind} ({len(texts)}):")
        for text in texts[:10]:
            print("  " + text)
    bad = sum(len(v) for k, v in problems.items())
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
