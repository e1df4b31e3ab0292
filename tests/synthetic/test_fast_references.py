"""The fast reference routes agree exactly with the plain loops they replace (same numbers, same answers)."""

from __future__ import annotations

import itertools
import random
from fractions import Fraction

import pytest
import sympy as sp

from stages.synthetic.logic import _digit_checker, _digit_clues
from stages.synthetic.numerical import _dice_hits, _euler_exact, _fib_mod, _nth_prime, _pi_hits


def _pi_loop(seed: int, n: int) -> int:
    gen = random.Random(seed)
    return sum(1 for _ in range(n) if gen.random() ** 2 + gen.random() ** 2 <= 1)


def _dice_loop(seed: int, n: int, target: int) -> int:
    gen = random.Random(seed)
    return sum(1 for _ in range(n) if gen.randint(1, 6) + gen.randint(1, 6) >= target)


@pytest.mark.parametrize("n", [1, 2, 7, 1000, 5000])
def test_monte_carlo_matches_the_python_random_loops(n: int) -> None:
    rng = random.Random(n)
    for _ in range(12):
        seed = rng.randint(0, 10**6)
        target = rng.randint(2, 12)
        assert _pi_hits(seed, n) == _pi_loop(seed, n)
        assert _dice_hits(seed, n, target) == _dice_loop(seed, n, target)


def test_fibonacci_mod_matches_sympy() -> None:
    rng = random.Random(0)
    for n in [*range(60), *(rng.randint(60, 10**5) for _ in range(40))]:
        for m in (1, 2, 7, 10, 97, 1000, 10**9 + 7):
            assert _fib_mod(n, m) == int(sp.fibonacci(n) % m)


def test_nth_prime_matches_sympy() -> None:
    rng = random.Random(1)
    for n in [*range(1, 400), *(rng.randint(400, 50_000) for _ in range(30))]:
        assert _nth_prime(n) == int(sp.prime(n))


def _euler_fractions(a: float, c: int, y0: int, h: float, steps: int) -> float:
    fa, fc, fh = Fraction(a), Fraction(c), Fraction(h).limit_denominator(1000)
    y, t = Fraction(y0), Fraction(0)
    for _ in range(steps):
        y = y + fh * (fa * y + fc * t)
        t += fh
    return float(y)


def test_euler_matches_fraction_arithmetic() -> None:
    rng = random.Random(2)
    for _ in range(300):
        a, c, y0 = rng.choice([-2, -1, -0.5, 0.5, 1]), rng.randint(-3, 3), rng.randint(-3, 5)
        h = rng.choice([0.1, 0.05, 0.01])
        steps = round(rng.choice([1, 2, 3]) / h)
        assert _euler_exact(a, c, y0, Fraction(h).limit_denominator(1000), steps) == _euler_fractions(a, c, y0, h, steps)


def test_digit_clues_are_checked_as_written() -> None:
    names = ["h", "t", "u"]
    digits = {"h": 4, "t": 0, "u": 7}
    assert _digit_checker("h + t + u == 11", names)(digits)
    assert _digit_checker("(1*h + 10*t + 100*u) - (100*h + 10*t + u) == 297", names)(digits)
    assert _digit_checker("400 < 100*h + 10*t + u < 408", names)(digits)
    assert not _digit_checker("(100*h + 10*t + u) % 3 == 0", names)(digits)
    assert _digit_checker("h - u == -3", names)(digits)
    with pytest.raises(ValueError, match="unexpected clue"):
        _digit_checker("x == 1", names)


def test_generated_digit_clues_hold_for_their_own_number() -> None:
    rng = random.Random(5)
    for names in (["t", "u"], ["h", "t", "u"]):
        space = [dict(zip(names, ds, strict=True)) for ds in itertools.product(range(10), repeat=len(names)) if ds[0]]
        for _ in range(200):
            truth = rng.choice(space)
            constraint, _text = _digit_clues(rng, truth, names)
            assert _digit_checker(constraint, names)(truth), constraint
