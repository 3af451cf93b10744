"""E9304's detector for literal secrets assigned in inline code and UserData."""

from __future__ import annotations

import pytest

from tmpllint.checks.secretscan import assignments_in


@pytest.mark.parametrize(("text", "shell", "found"), [
    ('password = "hunter2"', False, [("password", "hunter2")]),
    ("conn = connect(host='h', password='Tdojo123')", False, [("password", "Tdojo123")]),
    ('const apiKey = "k-1234";', False, [("apiKey", "k-1234")]),
    ('{"password": "pw1"}', False, [("password", "pw1")]),
    ("DB_PASSWORD=hunter2", True, [("DB_PASSWORD", "hunter2")]),
    ("export API_KEY=abc123", True, [("API_KEY", "abc123")]),
    ("mysql --password=hunter2 -e x", True, [("password", "hunter2")]),
    ('echo "DB_PASSWORD=hunter2" >> /etc/env', True, [("DB_PASSWORD", "hunter2")]),
    ("$password = 'P@ss'", True, [("password", "P@ss")]),
    # not literals: variables, environment, commands, template variables, placeholders
    ("password= Tdojo12345678)", False, []),  # unquoted in code: a variable
    ("DB_PASSWORD=hunter2", False, []),  # unquoted assignments count in UserData only
    ('password = os.environ["DB_PASSWORD"]', False, []),
    ("DB_PASSWORD=$(aws secretsmanager get-secret-value)", True, []),
    ('export DB_PASSWORD="${DbPassword}"', True, []),
    ("export DB_PASSWORD=\x00", True, []),  # a Sub variable
    ('token = "Bearer " + t', False, []),
    ('if password == "x":', False, []),
    ('password = ""', False, []),
    ('password: "<your password>"', False, []),
    ("password='%s' % pw", False, []),
    ("password = getpass()", False, []),
    ('apiKey: process.env.API_KEY,', False, []),
    # names that only refer to a secret
    ('secret_name = "prod/db"', False, []),
    ("PASSWORD_LENGTH=16", True, []),
    ('TOKEN_URL="https://x"', True, []),
])
def test_assignments(text, shell, found):
    assert assignments_in(text, shell) == found
