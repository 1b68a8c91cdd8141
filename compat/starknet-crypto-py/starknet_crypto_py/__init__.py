"""Pure-Python drop-in for starknet-crypto-py 0.2 (whose Rust wheels stop at CPython 3.10).

Same module name and functions; results are bit-for-bit those of the Rust library, proven
by vectors generated from it (tests/compat/test_starknet_crypto.py). Implementation:
starknet_crypto_py_compat.
"""

from .lib import *  # noqa: F403  (the original re-exports lib the same way)
