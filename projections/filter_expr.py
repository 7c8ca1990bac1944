"""Guild's run filter expressions (`-F EXPR`), translated to SQL over `runs`.

    loss < 0.5 and op = train
    status in [completed, terminated]
    tags contains red
    not label contains 'smoke test'
    flag:batch is not undefined

A name on the left of a comparison is a run value: an attribute (id, op,
status, label, tags, started...), else the run's flag of that name, else the
last value of its scalar; `attr:`, `flag:` or `scalar:` says which. On the
right, a word is text (quote it when it holds blanks), a number a number,
`undefined` no value. `contains` is a case-insensitive substring test, or a
list membership test on a list (tags). A value the run does not have matches
no comparison, so `not` of one matches.

The result is a SQL condition with `?` placeholders and their values: the
text typed is only ever a parameter, never part of the statement.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ledger.errors import LedgerError


class FilterSyntaxError(LedgerError):
    """A filter expression that cannot be read."""


# -- tokens ----------------------------------------------------------------

_KEYWORDS = {"and", "or", "not", "is", "in", "contains", "true", "false", "undefined"}
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<str>'[^']*'|"[^"]*")
      | (?P<op><>|!=|<=|>=|=|<|>)
      | (?P<punct>[()\[\],])
      | (?P<word>[^\s'"=!<>()\[\],]+)
    )""",
    re.X,
)
_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


@dataclass(frozen=True)
class Token:
    """A piece of a filter expression, at `pos` in the text."""

    kind: str  # str, num, word, op, punct, kw, end
    text: str
    pos: int
    value: Any = None


def tokens(expr: str) -> list[Token]:
    out = []
    pos = 0
    while pos < len(expr):
        if expr[pos:].strip() == "":
            break
        m = _TOKEN.match(expr, pos)
        if m is None or m.lastgroup is None:
            at = len(expr) - len(expr[pos:].lstrip())
            raise _error(expr, at, f"unexpected character {expr[at]!r}")
        start = m.start(m.lastgroup)
        text = m.group(m.lastgroup)
        if m.lastgroup == "str":
            out.append(Token("str", text, start, text[1:-1]))
        elif m.lastgroup == "word" and _NUMBER.match(text):
            number = float(text)
            out.append(Token("num", text, start, int(number) if number.is_integer() and "." not in text else number))
        elif m.lastgroup == "word" and text.lower() in _KEYWORDS:
            out.append(Token("kw", text.lower(), start))
        else:
            out.append(Token(m.lastgroup, text, start, text))
        pos = m.end()
    out.append(Token("end", "", len(expr)))
    return out


def _error(expr: str, pos: int, what: str) -> FilterSyntaxError:
    shown = expr if len(expr) <= 60 else expr[:57] + "..."
    return FilterSyntaxError(
        f"filter {shown!r}: {what} at position {pos + 1}; write e.g. -F \"loss < 0.5 and op = train\""
    )


# -- run values --------------------------------------------------------------

# attribute -> (SQL over the runs row, type)
ATTRIBUTES = {
    "id": ("id", "text"),
    "short_id": ("left(id, 8)", "text"),
    "op": ("op", "text"),
    "operation": ("op", "text"),
    "model": ("CASE WHEN contains(op, ':') THEN split_part(op, ':', 1) ELSE '' END", "text"),
    "status": ("status", "text"),
    "label": ("label", "text"),
    "tags": ("tags", "list"),
    "created": ("created", "time"),
    "started": ("started", "time"),
    "stopped": ("stopped", "time"),
    "exit_status": ("exit_status", "num"),
    "kind": ("kind", "text"),
    "proto": ("proto", "text"),
    "batch": ("batch", "text"),
    "sourcecode_digest": ("sourcecode_digest", "text"),
    "random_seed": ("random_seed", "num"),
    "host": ("host", "text"),
    "user": ('"user"', "text"),
    "pid": ("pid", "num"),
    "deleted": ("deleted", "bool"),
}

# a flag's column and a scalar's last value for the row of `runs` at hand
FLAG_SQL = "(SELECT f.{col} FROM flags f WHERE f.run = runs.id AND f.name = ?)"
SCALAR_SQL = "(SELECT arg_max(s.value, (s.seq, s.ts, s.step)) FROM scalars s WHERE s.run = runs.id AND s.key = ?)"


class _Value:
    """One run value as SQL: views of it as a number, as text, as a list,
    and whether the run has it at all. Each view is (sql, params)."""

    def __init__(self, name: str, known: Mapping[str, tuple[bool, bool]] | None) -> None:
        prefix, colon, rest = name.partition(":")
        self.where, self.name = (prefix.lower(), rest) if colon and prefix.lower() in ("attr", "flag", "scalar") else (
            "", name
        )
        # whether some run has a flag, a scalar of this name: a lookup no run can answer is left out
        self.is_flag, self.is_scalar = (True, True) if known is None else known.get(self.name, (False, False))
        if self.where:
            self.is_flag, self.is_scalar = self.where == "flag", self.where == "scalar"
        if self.where == "attr" and self.name not in ATTRIBUTES:
            attributes = ", ".join(sorted(ATTRIBUTES))
            raise FilterSyntaxError(f"no run attribute {self.name!r}; attributes are: {attributes}")
        if self.where in ("", "attr") and self.name in ATTRIBUTES:
            self.attr: tuple[str, str] | None = ATTRIBUTES[self.name]
        else:
            self.attr = None

    def _flag(self, col: str) -> tuple[str, list]:
        return FLAG_SQL.format(col=col), [self.name]

    def _either(self, flag_col: str, scalar: tuple[str, list]) -> tuple[str, list]:
        """The flag when the run has it, else the scalar (or only one of them)."""
        if not self.is_scalar:
            return self._flag(flag_col) if self.is_flag else ("NULL", [])
        if not self.is_flag:
            return scalar
        has, has_params = self.defined_flag()
        flag, flag_params = self._flag(flag_col)
        return f"CASE WHEN {has} THEN {flag} ELSE {scalar[0]} END", has_params + flag_params + scalar[1]

    def defined_flag(self) -> tuple[str, list]:
        return "EXISTS (SELECT 1 FROM flags f WHERE f.run = runs.id AND f.name = ? AND f.value_type <> 'null')", [
            self.name
        ]

    def number(self) -> tuple[str, list]:
        if self.attr:
            sql, kind = self.attr
            return (sql, []) if kind == "num" else (f"TRY_CAST({sql} AS DOUBLE)", [])
        return self._either("value_num", (SCALAR_SQL, [self.name]))

    def text(self) -> tuple[str, list]:
        if self.attr:
            return f"CAST({self.attr[0]} AS VARCHAR)", []
        return self._either("value_text", (f"CAST({SCALAR_SQL} AS VARCHAR)", [self.name]))

    def defined(self) -> tuple[str, list]:
        if self.attr:
            sql, kind = self.attr
            return (f"len({sql}) > 0", []) if kind == "list" else (f"{sql} IS NOT NULL", [])
        parts = ([self.defined_flag()] if self.is_flag else []) + (
            [(f"{SCALAR_SQL} IS NOT NULL", [self.name])] if self.is_scalar else []
        )
        if not parts:
            return "false", []
        return "(" + " OR ".join(p[0] for p in parts) + ")", [v for p in parts for v in p[1]]

    def items(self) -> tuple[str, list] | None:
        """The value as a list of text, when it is one (tags, a list flag)."""
        if self.attr:
            return (self.attr[0], []) if self.attr[1] == "list" else None
        if not self.is_flag:
            return None
        return (
            "(SELECT CASE WHEN f.value_type = 'list' THEN json_extract_string(f.value, '$[*]') END"
            " FROM flags f WHERE f.run = runs.id AND f.name = ?)",
            [self.name],
        )

    def compare(self, op: str, target: Token) -> tuple[str, list]:
        """value OP target, false when the run has no such value."""
        if target.kind == "kw" and target.text == "undefined":
            sql, params = self.defined()
            return (f"NOT ({sql})", params) if op == "=" else (sql, params)
        if target.kind == "kw":  # true / false
            if self.attr and self.attr[1] == "bool":
                return f"{self.attr[0]} {op} ?", [target.text == "true"]
            text, params = self.text()
            return f"lower({text}) {op} ?", params + [target.text]
        if target.kind == "num":
            sql, params = self.number()
            return f"{sql} {op} ?", params + [float(target.value)]
        if self.attr and self.attr[1] == "time":
            return f"{self.attr[0]} {op} TRY_CAST(? AS TIMESTAMPTZ)", [target.value]
        text, params = self.text()
        return f"{text} {op} ?", params + [target.value]

    def contains(self, target: Token | list[Token]) -> tuple[str, list]:
        items = self.items()
        if isinstance(target, list):
            wanted = [str(t.value) for t in target]
            if items is None:
                return "false", []
            return f"list_has_all({items[0]}, ?::VARCHAR[])", items[1] + [wanted]
        text, params = self.text()
        substring = (f"contains(lower({text}), lower(?))", params + [str(target.value)])
        if items is None:
            return substring
        return (
            f"coalesce(list_contains({items[0]}, ?), {substring[0]})",
            items[1] + [str(target.value)] + substring[1],
        )


# -- parser ------------------------------------------------------------------

_OPS = {"=": "=", "!=": "<>", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


class _Parser:
    def __init__(self, expr: str, known: Mapping[str, tuple[bool, bool]] | None = None) -> None:
        self.expr = expr
        self.known = known
        self.names: list[str] = []  # the flags and scalars it may name
        self.toks = tokens(expr)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def take(self) -> Token:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def at(self, kind: str, text: str | None = None) -> bool:
        return self.tok.kind == kind and (text is None or self.tok.text == text)

    def unexpected(self) -> FilterSyntaxError:
        if self.tok.kind == "end":
            return _error(self.expr, self.tok.pos, "unexpected end")
        return _error(self.expr, self.tok.pos, f"unexpected {self.tok.text!r}")

    def parse(self) -> tuple[str, list]:
        if self.at("end"):
            raise _error(self.expr, 0, "empty expression")
        out = self.disjunction()
        if not self.at("end"):
            raise self.unexpected()
        return out

    def disjunction(self) -> tuple[str, list]:
        return self._chain("or", self.conjunction)

    def conjunction(self) -> tuple[str, list]:
        return self._chain("and", self.negation)

    def _chain(self, word: str, part) -> tuple[str, list]:
        sql, params = part()
        while self.at("kw", word):
            self.take()
            more, more_params = part()
            sql, params = f"({sql} {word.upper()} {more})", params + more_params
        return sql, params

    def negation(self) -> tuple[str, list]:
        if self.at("kw", "not"):
            self.take()
            sql, params = self.negation()
            return f"(NOT {sql})", params
        return self.test()

    def test(self) -> tuple[str, list]:
        if self.at("punct", "("):
            self.take()
            out = self.disjunction()
            if not self.at("punct", ")"):
                raise self.unexpected()
            self.take()
            return out
        if self.at("word"):
            name = self.take()
            if self.at("op") or self.at("kw", "is") or self.at("kw", "in") or self.at("kw", "contains") or (
                self.at("kw", "not") and self.toks[self.i + 1].text in ("in", "contains")
            ):
                value = _Value(name.text, self.known)
                if not value.attr:
                    self.names.append(value.name)
                return self.comparison(value)
            return "?", [bool(name.text)]
        if self.at("num") or self.at("str") or self.at("kw", "true") or self.at("kw", "false"):
            tok = self.take()
            if self.at("op") or self.at("kw", "is") or self.at("kw", "in") or self.at("kw", "contains"):
                raise self.unexpected()  # a literal is compared with, never compared
            truth = tok.text == "true" if tok.kind == "kw" else bool(tok.value)
            return "?", [truth]
        if self.at("punct", "["):
            return "?", [bool(self.list())]
        raise self.unexpected()

    def comparison(self, value: _Value) -> tuple[str, list]:
        negated = False
        if self.at("op"):
            op = _OPS[self.take().text]
            sql, params = value.compare("=" if op == "<>" else op, self.scalar())
            negated = op == "<>"
        elif self.at("kw", "is"):
            self.take()
            negated = self.at("kw", "not") and bool(self.take())
            sql, params = value.compare("=", self.scalar())
        else:
            negated = self.at("kw", "not") and bool(self.take())
            if self.take().text == "in":
                choices = self.list()
                parts = [value.compare("=", choice) for choice in choices] or [("false", [])]
                sql = "(" + " OR ".join(p[0] for p in parts) + ")"
                params = [v for p in parts for v in p[1]]
            else:
                sql, params = value.contains(self.list() if self.at("punct", "[") else self.scalar())
        held = f"coalesce({sql}, false)"
        return (f"(NOT {held})", params) if negated else (held, params)

    def scalar(self) -> Token:
        if self.at("str") or self.at("num") or self.at("word"):
            return self.take()
        if self.at("kw") and self.tok.text in ("true", "false", "undefined"):
            return self.take()
        raise self.unexpected()

    def list(self) -> list[Token]:
        if not (self.at("punct", "[") or self.at("punct", "(")):
            raise self.unexpected()
        close = "]" if self.take().text == "[" else ")"
        items: list[Token] = []
        while not self.at("punct", close):
            if items:
                if not self.at("punct", ","):
                    raise self.unexpected()
                self.take()
            items.append(self.scalar())
        self.take()
        return items


def names(expr: str) -> list[str]:
    """The names an expression reads as flags or scalars; FilterSyntaxError
    when it cannot be read."""
    parser = _Parser(expr)
    parser.parse()
    return parser.names


def to_sql(expr: str, known: Mapping[str, tuple[bool, bool]] | None = None) -> tuple[str, list]:
    """The SQL condition over a row of `runs` for a filter expression, and
    its parameters; FilterSyntaxError when it cannot be read. `known` says
    for each name whether any run has a flag, a scalar of that name (both
    are looked up when None)."""
    return _Parser(expr, known).parse()
