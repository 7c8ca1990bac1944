"""Replaying a proto is a pure function: tested without a disk."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.events import Event, FlagSet, SourceFile
from ledger.executor.opdef import FlagDef, OpDef
from ledger.executor.plan import Flag, RunSpec, Source, run_events
from ledger.executor.replay import Overrides, read_proto, replay

ECHO = OpDef(
    name="echo",
    main="echo",
    flags={
        "x": FlagDef("x", 1.0, "float"),
        "y": FlagDef("y", 2, "int"),
        "z": FlagDef("z", "a", "string"),
    },
    label="x=${x|%.2f} y=${y} z=${z}",
)
CTX = {"host": "h", "user": "u", "platform": "p"}
FILES = (SourceFile("echo.py", "a" * 64, 10), SourceFile("guild.yml", "b" * 64, 20))


def appended(spec: RunSpec, first_seq: int = 1) -> list[Event]:
    """The events `spec` plans, as the store would hand them back."""
    out = []
    for i, ev in enumerate(run_events(spec)):
        seq = first_seq + i
        out.append(Event(seq=seq, id=f"id{seq}", ts="2026-01-01T00:00:00.000000Z", run=ev.run, type=ev.type,
                         v=ev.data.V, data=ev.data, cause=ev.cause, tx=first_seq, txn=0, prev="", hash=""))
    return out


def proto_spec(x: float = 1.0, y: int = 2, z: str = "a", seed: int = 7) -> RunSpec:
    return RunSpec(
        run_id="p" * 32,
        op="echo",
        opdef=ECHO,
        project="/proj",
        flags={"x": Flag(x, "default"), "y": Flag(y, "default"), "z": Flag(z, "default")},
        label=f"x={x:.2f} y={y} z={z}",
        label_template=ECHO.label,
        source=Source(FILES, "d" * 32),
        random_seed=seed,
        **CTX,
    )


def comparable(events):
    """Planned events, up to ids and times: what replay must reproduce."""
    return [(e.run, e.type, e.data, e.cause) for e in events]


def test_no_overrides_keeps_op_flags_source_and_seed() -> None:
    proto = read_proto(appended(proto_spec()))
    spec = replay(proto, Overrides(), "n" * 32, CTX)
    assert spec.opdef.name == "echo" and spec.op == "echo"
    assert spec.flag_values == {"x": 1.0, "y": 2, "z": "a"}
    assert {f.origin for f in spec.flags.values()} == {"proto"}
    assert spec.source.files == FILES and spec.source.digest == "d" * 32
    assert spec.source.origin == "proto" and spec.source.from_run == "p" * 32
    assert spec.random_seed == 7
    assert spec.proto == "p" * 32 and spec.label == "x=1.00 y=2 z=a"


def test_each_flag_names_the_proto_event_it_replays() -> None:
    events = appended(proto_spec())
    seqs = {e.data.name: e.seq for e in events if isinstance(e.data, FlagSet)}
    spec = replay(read_proto(events), Overrides(args={"x": "2"}), "n" * 32, CTX)
    new = {e.data.name: e for e in run_events(spec) if isinstance(e.data, FlagSet)}
    assert new["x"].data.origin == "user" and new["x"].data.value == 2.0 and new["x"].cause is None
    assert new["y"].data.origin == "proto" and new["y"].cause == seqs["y"]
    assert new["z"].data.origin == "proto" and new["z"].cause == seqs["z"]
    created = run_events(spec)[0]
    assert created.cause == events[0].seq  # RunCreated points at the proto's RunCreated


def test_overrides_of_label_seed_and_source() -> None:
    other = Source((SourceFile("echo.py", "c" * 64, 11),), "e" * 32)
    over = Overrides(label="mine", random_seed=99, source=other)
    spec = replay(read_proto(appended(proto_spec())), over, "n" * 32, CTX)
    assert spec.label == "mine" and spec.random_seed == 99 and spec.source == other


def test_another_operation_keeps_the_flags_it_shares() -> None:
    script = OpDef(name="echo.py", main="echo.py", flags={"x": FlagDef("x", 1.0, "float"), "w": FlagDef("w", 0, "int")})
    spec = replay(read_proto(appended(proto_spec(x=3.0))), Overrides(opdef=script), "n" * 32, CTX)
    assert spec.op == "echo.py"
    assert spec.flag_values == {"x": 3.0, "w": 0}
    assert spec.flags["x"].origin == "proto" and spec.flags["w"].origin == "default"
    assert spec.label == "x=3.00 y= z="  # the proto's label template carries over


flag_text = st.sampled_from(["x", "y", "z"]).flatmap(
    lambda name: st.tuples(
        st.just(name),
        {"x": st.floats(-1e6, 1e6, allow_nan=False).map(repr),
         "y": st.integers(-10**6, 10**6).map(str),
         "z": st.text("abcxyz", min_size=1, max_size=5)}[name],
    )
)


@settings(max_examples=60, deadline=None)
@given(
    x=st.floats(-100, 100, allow_nan=False),
    y=st.integers(-100, 100),
    seed=st.integers(0, 2**32 - 1),
    overrides=st.dictionaries(st.sampled_from(["x", "y", "z"]), st.none(), max_size=3).flatmap(
        lambda names: st.tuples(*[flag_text.filter(lambda t, n=n: t[0] == n) for n in names]) if names else st.just(())
    ),
    label=st.none() | st.text("abc-", max_size=6),
)
def test_replay_is_deterministic(x, y, seed, overrides, label) -> None:
    events = appended(proto_spec(x=x, y=y, seed=seed))
    over = Overrides(args=dict(overrides), label=label)
    first = replay(read_proto(events), over, "n" * 32, CTX)
    second = replay(read_proto(events), over, "n" * 32, CTX)
    assert comparable(run_events(first)) == comparable(run_events(second))
    given_names = dict(overrides)
    for name, flag in first.flags.items():
        assert flag.origin == ("user" if name in given_names else "proto")
