"""Batch trial generation: grids, --max-trials sampling, random search, printing."""

import pytest

from ledger.errors import FlagError
from ledger.executor import trials
from ledger.executor.values import Range, Values


def test_grid_is_the_cartesian_product_with_the_first_name_varying_slowest():
    flags = {"y": Values((3, 4)), "x": Values((1, 2)), "z": "a"}
    assert trials.grid(flags) == [
        {"x": 1, "y": 3, "z": "a"},
        {"x": 1, "y": 4, "z": "a"},
        {"x": 2, "y": 3, "z": "a"},
        {"x": 2, "y": 4, "z": "a"},
    ]


def test_grid_keeps_the_order_values_were_given_in():
    flags = {"y": Values((5, 4, 6)), "x": Values((2, 1))}
    assert [(t["x"], t["y"]) for t in trials.grid(flags)] == [
        (2, 5), (2, 4), (2, 6), (1, 5), (1, 4), (1, 6),
    ]


def test_grid_size_is_the_product_of_the_value_counts():
    flags = {
        "a": Values((1, 2)),
        "b": Values(("p", "q", "r")),
        "c": Values((True, False)),
        "d": 0.5,
    }
    grid = trials.grid(flags)
    assert len(grid) == 12
    assert len({tuple(sorted(t.items())) for t in grid}) == 12
    assert all(t["d"] == 0.5 for t in grid)


def test_grid_without_values_is_one_trial_of_the_scalars():
    assert trials.grid({"x": 1.0, "y": 2}) == [{"x": 1.0, "y": 2}]


def test_a_range_in_a_grid_is_drawn_per_trial_reproducibly():
    flags = {"x": Range(1, 1000), "y": Values((1, 2)), "z": Values((3, 4))}
    first = trials.grid(flags, seed=43)
    assert first == trials.grid(flags, seed=43)
    xs = [t["x"] for t in first]
    assert len(xs) == 4 and all(isinstance(x, int) and 1 <= x <= 1000 for x in xs)
    assert len(set(xs)) > 1
    assert [(t["y"], t["z"]) for t in first] == [(1, 3), (1, 4), (2, 3), (2, 4)]
    assert [t["x"] for t in trials.grid(flags, seed=44)] != xs


def test_sample_is_reproducible_for_a_seed_and_keeps_grid_order():
    grid = trials.grid({"x": Values((1, 2, 3)), "y": Values((1, 2, 3)), "z": Values((1, 2, 3))})
    picked = trials.sample(grid, 4, seed=1)
    assert picked == trials.sample(grid, 4, seed=1)
    assert len(picked) == 4
    positions = [grid.index(t) for t in picked]
    assert positions == sorted(positions)
    assert any(trials.sample(grid, 4, seed=s) != picked for s in range(2, 6))


def test_sample_with_more_trials_than_the_grid_returns_the_whole_grid():
    grid = trials.grid({"x": Values((1, 2))})
    assert trials.sample(grid, 5, seed=0) == grid


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_sample_refuses_a_max_trials_below_one(bad):
    with pytest.raises(FlagError, match="--max-trials"):
        trials.sample([{"x": 1}], bad, seed=0)


def test_random_trials_lie_inside_their_spaces():
    flags = {
        "lr": Range(1e-4, 1.0, "loguniform"),
        "x": Range(-1.0, 1.0),
        "n": Range(1, 10),
        "opt": Values(("adam", "sgd")),
        "fixed": "keep",
    }
    drawn = trials.random_trials(flags, 200, seed=7)
    assert len(drawn) == 200
    for t in drawn:
        assert 1e-4 <= t["lr"] <= 1.0 and isinstance(t["lr"], float)
        assert -1.0 <= t["x"] <= 1.0 and isinstance(t["x"], float)
        assert 1 <= t["n"] <= 10 and type(t["n"]) is int
        assert t["opt"] in ("adam", "sgd")
        assert t["fixed"] == "keep"
    assert {t["n"] for t in drawn} == set(range(1, 11))
    assert {t["opt"] for t in drawn} == {"adam", "sgd"}


def test_loguniform_spreads_draws_evenly_over_orders_of_magnitude():
    drawn = [t["lr"] for t in trials.random_trials({"lr": Range(1e-4, 1.0, "loguniform")}, 400, 3)]
    below_a_hundredth = sum(v < 1e-2 for v in drawn) / len(drawn)
    # Half the log scale lies below 1e-2; a uniform draw would put 1% there.
    assert 0.4 < below_a_hundredth < 0.6


def test_loguniform_int_range_gives_ints_within_bounds():
    drawn = [t["n"] for t in trials.random_trials({"n": Range(1, 1000, "loguniform")}, 300, 5)]
    assert all(type(n) is int and 1 <= n <= 1000 for n in drawn)
    assert sum(n < 32 for n in drawn) > 100


def test_random_trials_are_reproducible_and_prefix_stable():
    flags = {"x": Range(-1.0, 1.0), "c": Values(("a", "b", "c"))}
    five = trials.random_trials(flags, 5, seed=11)
    assert five == trials.random_trials(flags, 5, seed=11)
    assert trials.random_trials(flags, 3, seed=11) == five[:3]
    assert trials.random_trials(flags, 5, seed=12) != five


def test_a_reversed_range_is_a_flag_error():
    with pytest.raises(FlagError, match="reversed"):
        trials.random_trials({"x": Range(2.0, 1.0)}, 1, seed=0)


def test_has_range_and_has_values():
    assert trials.has_range({"x": Range(0.0, 1.0), "y": 1})
    assert not trials.has_range({"x": Values((1, 2)), "y": 1})
    assert trials.has_values({"x": Values((1, 2))})
    assert not trials.has_values({"x": Range(0.0, 1.0), "y": "a"})


def test_format_trial_lists_flags_by_name_as_typed():
    assert trials.format_trial({"z": "a", "y": 2, "x": 1.0, "b": True}) == "b=yes, x=1.0, y=2, z=a"


def test_print_table_matches_guilds_layout():
    grid = trials.grid({"x": Values((1, 2)), "y": Values((3, 4)), "z": Values((5, 6))})
    assert trials.print_table(grid) == "\n".join(
        [
            "#  x  y  z",
            "1  1  3  5",
            "2  1  3  6",
            "3  1  4  5",
            "4  1  4  6",
            "5  2  3  5",
            "6  2  3  6",
            "7  2  4  5",
            "8  2  4  6",
        ]
    )


def test_print_table_widens_columns_to_their_longest_cell():
    grid = trials.grid({"x": Values((1, 2, 3)), "y": Values((1, 2, 3)), "z": Values((1, 2, 3))})
    lines = trials.print_table(grid).splitlines()
    assert lines[:2] == ["#   x  y  z", "1   1  1  1"]
    assert lines[10] == "10  2  1  1"
    assert lines[-1] == "27  3  3  3"
    table = trials.print_table([{"x": 99, "y": 2, "z": None}, {"x": 99, "y": 4, "z": 1.5}])
    assert table.splitlines() == ["#  x   y  z", "1  99  2  null", "2  99  4  1.5"]


def test_the_first_random_trial_starts_at_a_ranges_initial_value():
    flags = {"x": Range(-1.0, 1.0, initial=0), "n": Range(1, 9, initial=4)}
    first, *rest = trials.random_trials(flags, 4, seed=2)
    assert first == {"n": 4, "x": 0.0} and type(first["x"]) is float
    assert all(t["x"] != 0.0 for t in rest)


def test_random_search_needs_a_space_to_search():
    with pytest.raises(FlagError, match=r"batch \(x=1.0, y=2\) do not contain any search"):
        trials.random_trials({"x": 1.0, "y": 2}, 3, seed=0)
