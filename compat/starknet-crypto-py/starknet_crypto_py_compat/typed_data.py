"""A direct ``TypedData.from_dict`` for the plain typed data that order signing uses.

starknet-py parses every typed-data dict through marshmallow schemas (~0.2 ms, a third of a
Paradex order signature once Pedersen is fast). For the common shape — exactly the keys
types / primaryType / domain (name, version, chainId as str, no revision) / message, and
parameters that are plain {name, type} pairs — the schemas' result is fully determined, so
it is built here directly. Anything else (revision 1, merkletree or enum parameters, extra or
missing keys, non-str values) goes to starknet-py's own ``from_dict``, which parses or
rejects it as before. Equality of the two results is tested.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_TOP_KEYS = frozenset({"types", "primaryType", "domain", "message"})
_DOMAIN_KEYS = frozenset({"name", "version", "chainId"})
_PARAMETER_KEYS = frozenset({"name", "type"})
_SPECIAL_PARAMETER_TYPES = frozenset({"merkletree", "enum"})


def make_fast_from_dict(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``from_dict`` that builds plain typed data directly and defers the rest to `original`."""
    from starknet_py.utils.typed_data import Domain, StandardParameter, TypedData

    def parse_types(types: dict[Any, Any]) -> dict[str, list[Any]] | None:
        parsed: dict[str, list[Any]] = {}
        for type_name, params in types.items():
            if type(type_name) is not str or type(params) is not list:
                return None
            out = []
            for param in params:
                if type(param) is not dict or param.keys() != _PARAMETER_KEYS:
                    return None
                name, kind = param["name"], param["type"]
                if type(name) is not str or type(kind) is not str or kind in _SPECIAL_PARAMETER_TYPES:
                    return None
                out.append(StandardParameter(name=name, type=kind))
            parsed[type_name] = out
        return parsed

    def fast_from_dict(data: Any) -> Any:
        if type(data) is not dict or data.keys() != _TOP_KEYS:
            return original(data)
        types, primary, domain, message = (data["types"], data["primaryType"], data["domain"],
                                           data["message"])
        if (type(types) is not dict or type(primary) is not str or type(domain) is not dict
                or type(message) is not dict or domain.keys() != _DOMAIN_KEYS
                or any(type(domain[key]) is not str for key in _DOMAIN_KEYS)):
            return original(data)
        parsed = parse_types(types)
        if parsed is None:
            return original(data)
        # marshmallow's Dict field hands back a shallow copy of the message: so do we.
        return TypedData(types=parsed, primary_type=primary,
                         domain=Domain(name=domain["name"], version=domain["version"],
                                       chain_id=domain["chainId"]),
                         message=dict(message))

    return fast_from_dict
