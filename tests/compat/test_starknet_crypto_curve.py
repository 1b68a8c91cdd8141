"""Internals of the drop-in: curve constants, scalar multiplication paths, square roots."""

from __future__ import annotations

import random

import pytest

curve = pytest.importorskip("starknet_crypto_py_compat.curve")
pedersen = pytest.importorskip("starknet_crypto_py_compat.pedersen")
rfc6979 = pytest.importorskip("starknet_crypto_py_compat.rfc6979")


def test_generator_and_pedersen_points_lie_on_the_curve() -> None:
    assert curve.is_on_curve((curve.GX, curve.GY))
    for point in pedersen.PEDERSEN_POINTS:
        assert curve.is_on_curve(point)
    assert not curve.is_on_curve((curve.GX, curve.GY + 1))


@pytest.mark.parametrize("use_gmpy", [False, True])
def test_fixed_base_comb_agrees_with_double_and_add(use_gmpy: bool) -> None:
    try:
        ar = curve.Arith(use_gmpy=use_gmpy)
    except ImportError:
        pytest.skip("gmpy2 not installed")
    rng = random.Random(3)
    scalars = [1, 2, 255, 256, 2**248, curve.N - 1, curve.N - 2]
    scalars += [rng.randrange(1, curve.N) for _ in range(8)]
    for k in scalars:
        comb = curve.mul_g(ar, k)
        ladder = curve.mul_point(ar, ar.g, k)
        assert comb is not None and ladder is not None
        assert (int(comb[0]), int(comb[1])) == (int(ladder[0]), int(ladder[1]))
        assert curve.is_on_curve(comb)
    assert curve.mul_g(ar, 0) is None
    # N·G is the identity: (N−1)·G and G share x and have opposite y.
    minus_g = curve.mul_g(ar, curve.N - 1)
    assert minus_g is not None and int(minus_g[0]) == curve.GX and int(minus_g[1]) == curve.P - curve.GY


def test_square_roots_and_non_residues() -> None:
    rng = random.Random(4)
    residues = non_residues = 0
    for _ in range(120):
        a = rng.randrange(1, curve.P)
        root = curve.sqrt_mod_p(a)
        if pow(a, (curve.P - 1) // 2, curve.P) == 1:
            assert root is not None and root * root % curve.P == a
            residues += 1
        else:
            assert root is None
            non_residues += 1
    assert residues and non_residues
    assert curve.sqrt_mod_p(0) == 0


def test_nonce_is_in_range_and_depends_on_every_input() -> None:
    base = rfc6979.generate_k(5, 7, 32)
    assert 0 < base < curve.N
    assert len({base, rfc6979.generate_k(6, 7, 32), rfc6979.generate_k(5, 8, 32),
                rfc6979.generate_k(5, 7, 33)}) == 4
    # seed 0 adds no bytes: it is the same as no extra entropy, unlike seed 1
    assert rfc6979.generate_k(5, 7, 0) != rfc6979.generate_k(5, 7, 1)


def test_describe_names_the_backends() -> None:
    backend = pytest.importorskip("starknet_crypto_py_compat.backend")
    info = backend.describe()
    assert info["arithmetic"] in {"gmpy2", "int"}
    assert info["pedersen"] in {"starknet-pathfinder-crypto", "pure-python"}
