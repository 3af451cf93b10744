"""One secret detector for the whole secrets family (E9301-E9306), and the masking.

It knows three things: which names mean a secret (`dbPassword`, `DB_PASSWORD`,
`apiKey`, `ClientSecret`, word by word), which strings are credentials whatever their
name (AWS access keys, private key blocks, GitHub/Slack/Stripe tokens, basic-auth URLs),
and which values are *not* hardcoded (dynamic references, `NoEcho` parameters without a
default, empty strings, ARNs and parameter-store paths). Every secret it finds is
recorded on the template, so the engine can mask it in every message, cfn-lint's
included; nothing here ever puts a secret into a message unmasked.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

SECRETS_ATTRIBUTE = "_tmpllint_secrets"

SECRET_WORDS = frozenset({"password", "passwd", "pwd", "passphrase", "secret", "token",
                          "credential", "credentials", "apikey", "privatekey"})
SECRET_PAIRS = frozenset({("api", "key"), ("private", "key"), ("secret", "key")})
#: AWS credential names whose last word alone would not say so: `AWS_ACCESS_KEY_ID`
#: ends in a reference word, `AWS_SECRET_ACCESS_KEY` in "access key".
CREDENTIAL_ENDINGS = (("access", "key", "id"), ("secret", "access", "key"))
#: A name ending in one of these refers to a secret; it does not hold one.
REFERENCE_WORDS = frozenset({
    "arn", "arns", "name", "names", "id", "ids", "url", "uri", "path", "param", "parameter",
    "table", "bucket", "length", "type", "header", "field", "prefix", "suffix", "endpoint",
    "version", "region", "ttl", "expiry", "expiration", "expires", "rotation", "policy",
    "file", "location", "ref", "enabled", "required", "policies", "role", "kms", "arnparam",
})

CREDENTIAL_PATTERNS = (
    ("AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")),
    ("private key", re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY(?: BLOCK)?-----")),
    ("GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})")),
    ("Slack token", re.compile(r"\bxox[abpr]-[A-Za-z0-9-]{10,}")),
    ("Stripe live key", re.compile(r"\b[sr]k_live_[A-Za-z0-9]{16,}")),
    ("password in a URL", re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@${}]+:([^/\s@${}\x00]+)@")),
)
#: A 40-character AWS secret access key; only reported beside an access key id.
SECRET_ACCESS_KEY = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
SUB_VARIABLE = re.compile(r"\$\{[^}]*\}")
DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:(?:secretsmanager|ssm-secure):")
#: A dynamic reference to a plain (String) SSM parameter: a name, but not a secure one.
PLAIN_SSM_REFERENCE = re.compile(r"\{\{resolve:ssm:")


def mask(value: Any) -> str:
    """What a message may show of a secret: its first 3 characters, then `****`."""
    return f"{str(value)[:3]}****"


def secret_name(name: Any) -> bool:
    """Whether a name means a secret, word by word: `DB_PASSWORD`, `dbPassword`,
    `apiKey`, `ClientSecret`, `AWS_SECRET_ACCESS_KEY`, `AWS_ACCESS_KEY_ID`; not
    `PasswordLength`, `SecretArn`, `TOKEN_URL`."""
    if not isinstance(name, str):
        return False
    words = [word.lower() for word in _WORD.findall(name)]
    if any(tuple(words[-len(ending):]) == ending for ending in CREDENTIAL_ENDINGS):
        return True
    if not words or words[-1] in REFERENCE_WORDS:
        return False
    tail = words[-2:]
    pairs = set(zip(words[-3:], words[-3:][1:]))
    return any(word in SECRET_WORDS for word in tail) or bool(pairs & SECRET_PAIRS)


def credentials_in(text: str) -> list[tuple[str, str]]:
    """(kind, matched text) for every credential pattern in `text`."""
    found = []
    for kind, pattern in CREDENTIAL_PATTERNS:
        for hit in pattern.finditer(text):
            found.append((kind, hit.group(0)))
    return found


def literal_pieces(value: Any) -> Iterator[str]:
    """The literal text inside a value: a string, the text of a `Fn::Sub` (with its
    `${...}` variables removed), the pieces of a `Fn::Join`, the body of `Fn::Base64`.
    Other functions yield nothing: their value is not in the template."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict) and len(value) == 1:
        (function, argument), = value.items()
        if function == "Fn::Sub":
            text = argument[0] if isinstance(argument, list) and argument else argument
            if isinstance(text, str):
                yield from (piece for piece in SUB_VARIABLE.split(text) if piece)
        elif function == "Fn::Join" and isinstance(argument, list) and len(argument) == 2:
            for item in argument[1] if isinstance(argument[1], list) else []:
                yield from literal_pieces(item)
        elif function == "Fn::Base64":
            yield from literal_pieces(argument)


def is_reference_text(text: str) -> bool:
    """Values that name a secret rather than hold one, or stand in for one
    (`<<Enter your API key>>`, `<password>`)."""
    stripped = text.strip()
    return (not stripped or bool(DYNAMIC_REFERENCE.search(stripped))
            or bool(PLAIN_SSM_REFERENCE.search(stripped))
            or stripped.startswith("arn:") or stripped.lower() in ("true", "false")
            or (stripped.startswith("/") and " " not in stripped)
            or (stripped.startswith("<") and stripped.endswith(">")))


def _json_secret(text: str) -> str | None | bool:
    """For JSON text (`${...}` variables already replaced by NUL): the first literal
    value under a secret-meaning key, None when there is none, or False when the text
    is not a JSON object (and must be judged as plain text)."""
    import json

    try:
        document = json.loads(text, strict=False)
    except ValueError:
        return False
    if not isinstance(document, dict):
        return False
    for key, value in document.items():
        literal = value.replace("\x00", "") if isinstance(value, str) else ""
        if secret_name(key) and literal.strip() and not is_reference_text(literal):
            return literal
    return None


def hardcoded(cfn, value: Any) -> tuple[str, str] | None:
    """(where, secret text) when `value` puts a secret into the template, else None.

    A literal (or a literal piece of `Sub`/`Join`), or a `Ref` to a parameter whose
    `Default` is a literal, is hardcoded; a dynamic reference, a parameter without a
    default, `GetAtt`, `ImportValue` and the like are not.
    """
    if isinstance(value, dict) and set(value) == {"Ref"} and isinstance(value["Ref"], str):
        from tmpllint.checks.base import parameter

        declared = parameter(cfn, value["Ref"])
        default = declared.get("Default") if declared else None
        if isinstance(default, (str, int)) and not is_reference_text(str(default)):
            return f"the default of parameter {value['Ref']}", str(default)
        return None
    if any(DYNAMIC_REFERENCE.search(piece) for piece in literal_pieces(value)):
        return None
    text = _template_text(value)
    if text is not None:
        found = _json_secret(text)
        if found is not False:  # JSON (a SecretString): only secret-named keys count
            return ("a literal", found) if found else None
    for piece in literal_pieces(value):
        if not is_reference_text(piece):
            return "a literal", piece
    return None


def _template_text(value: Any) -> str | None:
    """A literal, or a `Sub` text with its variables as NUL, for JSON parsing."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) == {"Fn::Sub"}:
        text = value["Fn::Sub"][0] if isinstance(value["Fn::Sub"], list) else value["Fn::Sub"]
        return SUB_VARIABLE.sub("\x00", text) if isinstance(text, str) else None
    return None


def record(cfn, secret: str) -> None:
    """Remember a secret found in this template, for the engine to mask everywhere."""
    found = getattr(cfn, SECRETS_ATTRIBUTE, None)
    if found is None:
        found = set()
        setattr(cfn, SECRETS_ATTRIBUTE, found)
    found.add(secret)


def redact(message: str, secrets) -> str:
    """`message` with every known secret and every credential pattern masked."""
    for secret in sorted(secrets or (), key=len, reverse=True):
        if len(secret) >= 4 and secret in message:
            message = message.replace(secret, mask(secret))
    for _, pattern in CREDENTIAL_PATTERNS:
        message = pattern.sub(lambda hit: mask(hit.group(0)), message)
    return message


# -- assignments in code (E9304: inline function code, UserData) ------------------------
#: `name = "value"`, `name: 'value'`, `"name": "value"`, `name="value"` in any language;
#: the quoted value must end the expression (`"Bearer " + token` is no literal).
_QUOTED_ASSIGNMENT = re.compile(
    r"""(?P<name>[A-Za-z_][A-Za-z0-9_]*)["']?\s*(?:(?<![=!<>:])=(?!=)|:(?![:=]))\s*"""
    r"""(?P<quote>["'])(?P<value>[^"'\n]*)(?P=quote)\s*(?=$|[;,)}\]#\n]|//|\r)""", re.M)
#: A shell assignment, `NAME=value` or `--name=value` (UserData only): no quotes, no `$`.
_SHELL_ASSIGNMENT = re.compile(
    r"""(?:^|(?<=[\s;'"-]))(?P<name>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>[^\s'"$`;|&()\[\]{}\\<>\x00]+)(?=$|[\s;'"|&])""",
    re.M)
#: Values that stand in for a secret rather than hold one.
_TEMPLATED = re.compile(r"[${}\x00%]|^\*+$|^x+$", re.I)


def assignments_in(text: str, shell: bool) -> list[tuple[str, str]]:
    """(name, value) of every assignment of a literal to a secret-named variable in
    `text` (`${...}` template variables already replaced by NUL). Quoted values in any
    language; unquoted `NAME=value` only where `shell` (UserData). Not: a value read from
    a variable, the environment or a template variable, a placeholder, an empty string."""
    found = []
    patterns = (_QUOTED_ASSIGNMENT, _SHELL_ASSIGNMENT) if shell else (_QUOTED_ASSIGNMENT,)
    for pattern in patterns:
        for hit in pattern.finditer(text):
            name, value = hit.group("name"), hit.group("value")
            if secret_name(name) and value.strip() and not _TEMPLATED.search(value) \
                    and not is_reference_text(value) and (name, value) not in found:
                found.append((name, value))
    return found
