"""What a run's recorded environment and command line may not keep: secrets.

A value is masked when its name looks like a secret's (a marker below, or a
name the user lists in `LEDGER_REDACT=NAME1,NAME2`, globs allowed), and, in
any value, the parts that are secrets by their shape: the password of a URL
(`postgres://user:PASSWORD@host`), `AccountKey=`/`SharedAccessSignature=`
style pairs of a connection string, and a bearer token. Masking happens
before anything is appended: the log is hash-chained, so a secret that
reached it can never be taken out again.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Mapping, Sequence

REDACTED = "<redacted>"
USER_NAMES_VAR = "LEDGER_REDACT"

# Substrings of a name (compared in upper case) that mark its value secret.
# PASS also covers PASSWD, PASSWORD and PASSPHRASE.
SECRET_MARKERS = (
    "PASS", "PASSWD", "PASSWORD", "SECRET", "TOKEN", "KEY", "CREDENTIAL", "DSN", "WEBHOOK", "JWT", "BEARER",
    "AUTH", "CONNECTION_STRING", "SESSION", "COOKIE", "PRIVATE",
)  # fmt: skip

# scheme://user:PASSWORD@host: the password runs to the @ that ends the
# userinfo (a URL must percent-encode any @ inside it)
_URL_PASSWORD = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@]*:)(?P<secret>[^\s@]+)(?=@)")
# Azure (and ADO.NET) connection strings: Key=VALUE pairs separated by `;`
_KEY_PAIR = re.compile(
    r"(?P<head>\b(?:AccountKey|SharedAccessSignature|SharedAccessKey|SharedSecret|Password|Pwd)=)(?P<secret>[^;\s]+)",
    re.IGNORECASE,
)
_BEARER = re.compile(r"(?P<head>\bBearer\s+)(?P<secret>[A-Za-z0-9\-._~+/]+=*)", re.IGNORECASE)
_SHAPES = (_URL_PASSWORD, _KEY_PAIR, _BEARER)


def user_names(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The names (or globs) listed in LEDGER_REDACT, upper-cased."""
    listed = (environ if environ is not None else os.environ).get(USER_NAMES_VAR, "")
    return tuple(n.strip().upper() for n in listed.split(",") if n.strip())


def is_secret_name(name: str, extra: Sequence[str] = ()) -> bool:
    upper = name.upper()
    return any(m in upper for m in SECRET_MARKERS) or any(fnmatch.fnmatchcase(upper, p) for p in extra)


def redact_text(value: str) -> str:
    """`value` with the secrets that show by their shape masked."""
    for shape in _SHAPES:
        value = shape.sub(lambda m: m.group("head") + REDACTED, value)
    return value


def redact_env(env: Mapping[str, str], extra: Sequence[str] | None = None) -> dict[str, str]:
    """The environment as recorded, sorted by name: the values of secret
    names masked whole, the others with their secret parts masked. `extra`:
    more names (default: LEDGER_REDACT's, read from `env` itself)."""
    names = user_names(env) if extra is None else tuple(extra)
    return {k: REDACTED if is_secret_name(k, names) else redact_text(v) for k, v in sorted(env.items())}


def redact_argv(argv: Sequence[str], extra: Sequence[str] = ()) -> tuple[str, ...]:
    """A command line as recorded: secret shapes masked in every argument,
    and the value of an option with a secret name (`--api-key VALUE`,
    `--api-key=VALUE`, `NAME=VALUE`) masked whole. The program is kept."""
    out: list[str] = []
    hide_next = False
    for i, arg in enumerate(argv):
        if hide_next:
            out.append(REDACTED)
            hide_next = False
            continue
        name, sep, _ = arg.partition("=")
        option = name.lstrip("-")
        if i > 0 and sep and option and is_secret_name(option, extra):
            out.append(name + "=" + REDACTED)
        elif i > 0 and arg.startswith("-") and option and is_secret_name(option, extra) and i + 1 < len(argv):
            out.append(arg)
            hide_next = True
        else:
            out.append(redact_text(arg))
    return tuple(out)
