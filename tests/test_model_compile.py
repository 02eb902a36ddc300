"""core.model_compile: generated segment models give the models' own answers, bit for bit."""

from __future__ import annotations

import math
import random

from core import model_compile
from core.segments import CentroidModel, PropensityModel

SPECIAL = [0.0, -0.0, 1e-300, -1e300, 1e300, math.nan, math.inf, -math.inf]


def _centroid_model(rng: random.Random, d: int, k: int) -> CentroidModel:
    return CentroidModel(
        id="m",
        features=(),
        mean=tuple(rng.uniform(-5, 5) for _ in range(d)),
        scale=tuple(rng.uniform(0.01, 3) for _ in range(d)),
        centroids=tuple(tuple(rng.gauss(0, 2) for _ in range(d)) for _ in range(k)),
        names=tuple(f"c{i}" for i in range(k)),
    )


def _inputs(rng: random.Random, d: int) -> list[float]:
    return [rng.choice(SPECIAL) if rng.random() < 0.05 else rng.uniform(-20, 20) for _ in range(d)]


def test_nearest_matches_the_model_on_random_models_and_inputs() -> None:
    rng = random.Random(5)
    for _ in range(200):
        d, k = rng.randint(1, 14), rng.randint(1, 12)
        model = _centroid_model(rng, d, k)
        positions = rng.sample(range(d + 3), d)  # the model's features inside a longer vector
        run = model_compile.nearest_function(
            model.mean, model.scale, model.centroids, model.names, positions
        )
        assert run is not None
        for _ in range(20):
            values = _inputs(rng, d + 3)
            assert run(values) == model.nearest([values[p] for p in positions])


def test_ties_go_to_the_first_centroid_as_in_the_model() -> None:
    model = CentroidModel("m", (), (0.0, 0.0), (1.0, 1.0), ((1.0, 0.0), (-1.0, 0.0)), ("a", "b"))
    run = model_compile.nearest_function(
        model.mean, model.scale, model.centroids, model.names, (0, 1)
    )
    assert run is not None
    assert run([0.0, 5.0]) == model.nearest([0.0, 5.0]) == "a"
    assert run([-0.5, 0.0]) == "b"


def test_score_matches_the_model_bit_for_bit() -> None:
    rng = random.Random(9)
    for _ in range(200):
        d = rng.randint(0, 14)
        model = PropensityModel(
            id="p",
            features=(),
            coef=tuple(rng.uniform(-3, 3) for _ in range(d)),
            intercept=rng.uniform(-2, 2),
            threshold=0.5,
        )
        positions = list(range(d))
        rng.shuffle(positions)
        run = model_compile.score_function(model.coef, model.intercept, positions)
        assert run is not None
        for _ in range(20):
            values = _inputs(rng, d)
            got, want = run(values), model.score([values[p] for p in positions])
            assert got == want or (math.isnan(got) and math.isnan(want))


def test_non_finite_constants_keep_the_models_own_loop() -> None:
    assert model_compile.score_function((1.0, math.inf), 0.0, (0, 1)) is None
    assert model_compile.score_function((1.0,), math.nan, (0,)) is None
    assert model_compile.nearest_function((0.0,), (1.0,), ((math.inf,),), ("a",), (0,)) is None
    assert model_compile.nearest_function((0.0,), (1.0,), ((1.0,),), (), (0,)) is None
