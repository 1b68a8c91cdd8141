"""Opt-in: make starknet-py's typed-data hashing fast, with identical results.

starknet-py 0.30 hashes through crypto-cpp-py's ctypes binding (~0.2-0.3 ms per Pedersen on
this machine; a Paradex order message takes 18) and parses typed data through marshmallow
(~0.2 ms). ``accelerate_starknet_py()``:
- replaces ``starknet_py.hash.utils.pedersen_hash`` and ``compute_hash_on_elements`` — and
  every name already bound to them by ``from … import`` in loaded starknet_py modules — with
  versions over starknet-pathfinder-crypto (hash chains memoised: they are pure functions);
- replaces ``TypedData.from_dict`` with a direct builder for plain typed data (see
  typed_data.py), deferring every other shape to the original.
Results are identical: tests/compat/test_starknet_crypto_paradex.py proves it on the
reference vectors and on paradex-py signatures made by the Rust original. Invalid inputs
still raise.

Nothing changes until it is called; ``restore_starknet_py()`` undoes it.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

from . import backend
from .typed_data import make_fast_from_dict

_NAMES = ("pedersen_hash", "compute_hash_on_elements")
# (owner, attribute, original) for every replacement made, to restore them.
_PATCHED: list[tuple[object, str, Any]] = []


def fast_pedersen_hash(left: int, right: int) -> int:
    """starknet-py's ``pedersen_hash(left, right)`` over the fast Pedersen."""
    return backend.pedersen(left, right)


def fast_compute_hash_on_elements(data: Sequence[int]) -> int:
    """h(h(h(h(0, data[0]), data[1]), ...), data[n-1]), n) — starknet-py's hash chain.

    Memoised: signing messages repeats whole chains (a typed-data domain separator is the
    same for every order of an account), and the chain is a pure function of its input."""
    key = tuple(data)
    try:
        return _chain_cached(key)
    except TypeError:  # an unhashable element: compute (and fail) as starknet-py would
        return _chain(key)


def _chain(data: tuple[int, ...]) -> int:
    pedersen = backend.pedersen
    acc = 0
    for item in data:
        acc = pedersen(acc, item)
    return pedersen(acc, len(data))


_chain_cached = functools.lru_cache(maxsize=4096)(_chain)


def accelerate_starknet_py() -> bool:
    """Swap the implementations in; returns False (and changes nothing) when starknet-py is
    absent or this process has no fast Pedersen. Calling it again is harmless."""
    if backend.PEDERSEN_BACKEND != "starknet-pathfinder-crypto":
        return False
    try:
        import starknet_py.hash.hash_method  # noqa: F401  (binds the names to patch)
        import starknet_py.hash.utils as utils
        from starknet_py.utils.typed_data import TypedData
    except ImportError:
        return False
    if _PATCHED:
        return True
    replacements: dict[str, Callable[..., int]] = {
        "pedersen_hash": fast_pedersen_hash,
        "compute_hash_on_elements": fast_compute_hash_on_elements,
    }
    originals = {name: getattr(utils, name) for name in _NAMES}
    for module in _starknet_modules():
        for name in _NAMES:
            if getattr(module, name, None) is originals[name]:
                _PATCHED.append((module, name, originals[name]))
                setattr(module, name, replacements[name])
    original_from_dict = TypedData.__dict__["from_dict"]  # the staticmethod object itself
    _PATCHED.append((TypedData, "from_dict", original_from_dict))
    TypedData.from_dict = staticmethod(make_fast_from_dict(original_from_dict.__func__))
    return True


def restore_starknet_py() -> None:
    """Put starknet-py's own implementations back (a starknet_py module first imported while
    accelerated keeps the fast names it bound: they compute the same results)."""
    while _PATCHED:
        module, name, original = _PATCHED.pop()
        setattr(module, name, original)


def is_accelerated() -> bool:
    return bool(_PATCHED)


def _starknet_modules() -> list[ModuleType]:
    return [m for name, m in list(sys.modules.items())
            if isinstance(m, ModuleType) and (name == "starknet_py" or name.startswith("starknet_py."))]
