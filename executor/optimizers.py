"""Sequential optimizers (scikit-optimize) and the `random` optimizer:
proposing the next trial (their names and flags: optimizer_specs).

Guild's optimizers are the model: the same INFO lines before each trial. Each
proposal is computed from scratch from the trials done so far: `propose` is a
pure function of (flags, prior results, seed, trial number), so a batch
replayed from its proto with the same seed proposes the same points.

skopt, sklearn and numpy are imported inside the functions that use them;
`ledger run` of a plain operation never pays for them.
"""

from __future__ import annotations

import functools
import math
import warnings
from typing import Any, Mapping

from ledger.errors import FlagError
from ledger.executor import trials
from ledger.executor.optimizer_specs import OptimizerSpec, option
from ledger.executor.values import Range, Values


def dimensions(flags: Mapping[str, Any]) -> tuple[list[str], list]:
    """Names of the searched flags (sorted) and their skopt dimensions.

    A `Range` becomes `Integer` (both bounds whole numbers) or `Real`, with a
    log-uniform prior for `loguniform`; a `Values` becomes `Categorical`.
    """
    from skopt.space import Categorical, Integer, Real

    names, dims = [], []
    for name in sorted(flags):
        space = flags[name]
        if isinstance(space, Range):
            _check_range(name, space)
            prior = "log-uniform" if space.dist == "loguniform" else "uniform"
            if space.is_int:
                dims.append(Integer(space.low, space.high, prior=prior, name=name))
            else:
                dims.append(Real(float(space.low), float(space.high), prior=prior, name=name))
        elif isinstance(space, Values):
            if not space.values:
                raise FlagError(f"flag '{name}' has an empty list of values: give at least one")
            dims.append(Categorical(list(space.values), name=name))
        else:
            continue
        names.append(name)
    if not names:
        trials.require_search_space(dict(flags))
    return names, dims


def propose(
    spec: OptimizerSpec,
    opt_flags: Mapping[str, Any],
    flags: Mapping[str, Any],
    prior: list[tuple[dict, float]],
    seed: int,
    n_done: int,
    max_trials: int | None = None,
) -> tuple[dict[str, Any], str]:
    """The flags of the next trial and the INFO line to print before it.

    `prior` holds (flags, objective to minimise) of earlier trials; the
    caller negates maximised objectives and leaves out trials that logged
    none. `n_done` is how many trials this batch has run. While it is below
    random-starts (capped at `max_trials`), or there is nothing to learn
    from, the point is random; otherwise the surrogate model proposes it.
    The first trial takes a range's initial value (`[a:b:initial]`) if any.
    The `random` optimizer returns an empty message (Guild prints none).
    """
    if spec.estimator is None:
        trials.require_search_space(dict(flags))
        return trials.random_trial(dict(flags), seed, n_done), ""
    names, dims = dimensions(flags)
    random_starts = option(spec, opt_flags, "random-starts")
    if max_trials is not None:
        random_starts = min(random_starts, max_trials)
    points, values = _usable_prior(prior, names, dims)
    with warnings.catch_warnings():
        _silence_skopt_warnings()
        rng = _random_state(seed, n_done)
        if n_done < random_starts:
            message = f"Random start for optimization ({n_done + 1} of {random_starts})"
            x = _random_point(dims, rng)
        elif not points:
            why = "missing previous trials" if not prior else "no previous trial is in the space"
            message = f"Random start for optimization ({why})"
            x = _random_point(dims, rng)
        else:
            message = f"Found {len(prior)} previous trial(s) for use in optimization"
            x = _suggest(spec, opt_flags, dims, points, values, rng)
    searched = dict(zip(names, x))
    if n_done == 0:
        # A range written [low:high:initial] starts the search at `initial`.
        initials = {n: getattr(flags[n], "initial", None) for n in names}
        searched.update({n: v for n, v in initials.items() if v is not None})
    proposed = {
        name: _native(searched[name], flags[name]) if name in searched else flags[name]
        for name in sorted(flags)
    }
    return proposed, message


def _check_range(name: str, space: Range) -> None:
    if not space.low < space.high:
        raise FlagError(
            f"flag '{name}' range [{space.low}:{space.high}] is empty: "
            "write it as [LOW:HIGH] with LOW < HIGH"
        )
    if space.dist == "loguniform" and space.low <= 0:
        raise FlagError(
            f"flag '{name}' is loguniform[{space.low}:{space.high}]: its bounds must be above 0"
        )


# -- skopt ----------------------------------------------------------------


def _silence_skopt_warnings() -> None:
    # Proposing a point already tried, and GP hyperparameters at their
    # bounds, are routine in small batches; the user can do nothing about
    # either, so the warnings would only be noise between trials.
    warnings.filterwarnings("ignore", message="The objective has been evaluated at this point")
    from sklearn.exceptions import ConvergenceWarning

    warnings.filterwarnings("ignore", category=ConvergenceWarning)


def _random_state(seed: int, n_done: int) -> Any:
    import numpy as np

    # One stream per (seed, trial number): the trial's proposal does not
    # depend on how many proposals were made before in this process.
    entropy = [int(seed) % 2**64, n_done]
    return np.random.RandomState(np.random.SeedSequence(entropy).generate_state(1))


def _random_point(dims: list, rng: Any) -> list:
    from skopt.space import Space

    return Space(dims).rvs(n_samples=1, random_state=rng)[0]


def _usable_prior(
    prior: list[tuple[dict, float]], names: list[str], dims: list
) -> tuple[list[list], list[float]]:
    """Prior points inside the current space with a finite objective.

    A proto's batch may have searched a wider space, or a flag may be new;
    such points cannot be told to skopt and are left out.
    """
    points, values = [], []
    for trial_flags, objective in prior:
        if not isinstance(objective, (int, float)) or not math.isfinite(objective):
            continue
        if any(name not in trial_flags for name in names):
            continue
        point = [_as_dim_value(trial_flags[n], d) for n, d in zip(names, dims)]
        if all(p is not None and p in d for p, d in zip(point, dims)):
            points.append(point)
            values.append(float(objective))
    return points, values


def _as_dim_value(value: Any, dim: Any) -> Any:
    from skopt.space import Categorical, Integer

    if isinstance(dim, Categorical):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(dim, Integer):
        return int(value) if float(value).is_integer() else None
    return float(value)


def _suggest(
    spec: OptimizerSpec,
    opt_flags: Mapping[str, Any],
    dims: list,
    points: list,
    values: list,
    rng: Any,
) -> list:
    from skopt import Optimizer
    from threadpoolctl import threadpool_limits

    optimizer = Optimizer(
        dims,
        base_estimator=_estimator(spec, opt_flags, dims, rng),
        n_initial_points=0,
        acq_func=option(spec, opt_flags, "acq-func") or spec.acq_func,
        # Trees have no gradients: skopt's forest/gbrt_minimize sample too.
        acq_optimizer="auto" if spec.estimator == "GP" else "sampling",
        acq_func_kwargs={name: option(spec, opt_flags, name) for name in ("kappa", "xi")},
        random_state=rng,
    )
    # The matrices are tiny (one row per trial): BLAS threads cost more in
    # start-up and contention with the running trials than they save.
    with threadpool_limits(limits=1):
        optimizer.tell(points, values)
        return optimizer.ask()


def _estimator(spec: OptimizerSpec, opt_flags: Mapping[str, Any], dims: list, rng: Any) -> Any:
    import numpy as np
    from skopt.utils import cook_estimator, normalize_dimensions

    estimator_seed = rng.randint(0, np.iinfo(np.int32).max)
    if spec.estimator == "GP":
        return cook_estimator(
            "GP",
            space=normalize_dimensions(dims),
            random_state=estimator_seed,
            noise=option(spec, opt_flags, "noise"),
        )
    if spec.estimator == "GBRT":
        cooked = cook_estimator("GBRT", random_state=estimator_seed)
        return _gbrt_class()(**cooked.get_params(deep=False))
    return cook_estimator(spec.estimator, random_state=estimator_seed)


@functools.cache
def _gbrt_class() -> type:
    """skopt 0.10's GBRT surrogate, made usable with current sklearn/numpy.

    skopt declares it with its mixins in an order sklearn >= 1.6 no longer
    recognises as a regressor, and its predict() calls `np.in1d`, removed in
    numpy 2.4. The subclass restores both; it is harmless where they work.
    """
    from skopt.learning import GradientBoostingQuantileRegressor

    class PatchedGBRT(GradientBoostingQuantileRegressor):
        def __sklearn_tags__(self):
            tags = super().__sklearn_tags__()
            tags.estimator_type = "regressor"
            return tags

        def predict(self, X, return_std=False, return_quantiles=False):
            import numpy as np

            by_quantile = dict(zip(self.quantiles, self.regressors_))
            if return_quantiles:
                return np.asarray([r.predict(X) for r in self.regressors_]).T
            mean = by_quantile[0.5].predict(X)
            if not return_std:
                return mean
            # The 16% and 84% quantiles lie one standard deviation either
            # side of the median for a normal distribution.
            return mean, (by_quantile[0.84].predict(X) - by_quantile[0.16].predict(X)) / 2.0

    return PatchedGBRT


def _native(value: Any, space: Any) -> Any:
    """A proposed value as the flag's own Python type (no numpy scalars)."""
    if isinstance(space, Values):
        # Hand back the user's own object (1 stays int, "a" stays str).
        for choice in space.values:
            if type(choice) is type(_py(value)) and choice == value:
                return choice
        for choice in space.values:
            if choice == value:
                return choice
        return _py(value)
    if space.is_int:
        return int(value)
    return float(value)


def _py(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value
