"""Implementation behind the starknet_crypto_py drop-in, and the opt-in starknet-py accelerator.

- ``curve``: Stark curve arithmetic (fixed-base comb for k·G, gmpy2 when installed);
- ``rfc6979``: the deterministic nonce exactly as starknet-crypto 0.6 draws it;
- ``ecdsa``: sign / verify / public key with the reference's semantics;
- ``pedersen``: the Pedersen hash (starknet-pathfinder-crypto, or pure Python);
- ``accelerate``: ``accelerate_starknet_py()`` makes starknet-py hash with the fast Pedersen.
"""

from .accelerate import accelerate_starknet_py, is_accelerated, restore_starknet_py
from .backend import describe

__all__ = ["accelerate_starknet_py", "describe", "is_accelerated", "restore_starknet_py"]
