"""Configuration loading: YAML files with ``${VAR}`` substitution from the environment.

``load_config(path, Model)`` reads YAML, substitutes ``${VAR}`` / ``${VAR:-default}`` in every
string (a missing variable without a default is an error naming it — never an empty string
that silently disables a limit), and validates the result with a pydantic model. Errors are
:class:`ConfigError` with the file and the failing fields, never the values (they may be
secrets).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

__all__ = ["ConfigError", "substitute_env", "load_yaml", "load_config", "read_env_file"]

M = TypeVar("M", bound=BaseModel)
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class ConfigError(ValueError):
    """A configuration file or value is malformed."""


def substitute_env(value: Any, env: Mapping[str, str] | None = None) -> Any:
    """Recursively replace ``${VAR}`` and ``${VAR:-default}`` in strings."""
    env = os.environ if env is None else env
    if isinstance(value, str):
        def repl(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            if name in env:
                return env[name]
            if default is not None:
                return default
            raise ConfigError(f"environment variable {name} is not set (referenced as ${{{name}}})")
        return _VAR.sub(repl, value)
    if isinstance(value, Mapping):
        return {k: substitute_env(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute_env(v, env) for v in value]
    return value


def load_yaml(path: str | Path, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config {file}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{file}: invalid YAML{where}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{file}: top level must be a mapping, got {type(data).__name__}")
    result: dict[str, Any] = substitute_env(data, env)
    return result


def load_config(path: str | Path, model: type[M], env: Mapping[str, str] | None = None) -> M:
    data = load_yaml(path, env)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}" for err in exc.errors())
        raise ConfigError(f"{path}: {problems}") from None


def read_env_file(path: str | Path) -> dict[str, str]:
    """Parse a ``.env`` file: ``KEY=VALUE`` lines, ``#`` comments, optional quotes, ``export``."""
    values: dict[str, str] = {}
    file = Path(path)
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read env file {file}: {exc.strerror}") from None
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").strip()
        if "=" not in line:
            raise ConfigError(f"{file}:{number}: expected KEY=VALUE")
        key, _, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise ConfigError(f"{file}:{number}: invalid variable name")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[key] = value
    return values
