"""Run attributes are YAML that any reader loads back to the same values."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.projections.yamlish import dump, scalar

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["yes", "No", "null", "1.0", "1e3", "2026-01-01", "git:abc*", "a: b", "x=1.00 y=2", "12:30",
                       ".inf", "-", "~", "0x1F", "2f9fd6e3ba91a49b", "1_000", "*alias", "&anchor", "#c", "y"])
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(values)
def test_round_trip(value) -> None:
    assert yaml.safe_load(dump(value)) == value


def test_plain_where_safe() -> None:
    assert scalar("git:3f2a") == "git:3f2a"
    assert scalar("2f9fd6e3ba91a49b") == "2f9fd6e3ba91a49b"
    assert scalar("x=1.00 y=2 z=a") == "x=1.00 y=2 z=a"
    assert scalar("1.0") == '"1.0"' and scalar("yes") == '"yes"' and scalar("a: b") == '"a: b"'
