"""A workflow config, checked before any job: every refusal's first line names the key and says the fix.

The files are read with a YAML loader that refuses a key given twice (the
last would silently win); the merged config is validated against the JSON
schema (``workflow/schemas/config.schema.yaml``), whose defaults it fills
in; then every number must be finite (JSON Schema's bounds let NaN through).
"""

import math
from pathlib import Path

import yaml


class ConfigError(ValueError):
    """A config the study cannot be planned from; the message starts with the key (or file) at fault."""


class UniqueKeyLoader(yaml.SafeLoader):
    """``yaml.safe_load`` that refuses a mapping holding one key twice."""

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise ConfigError(
                    f"{key}: given twice in one mapping of {key_node.start_mark.name} (lines {seen[key] + 1} and "
                    f"{key_node.start_mark.line + 1}); YAML keeps only the last: keep one"
                )
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep)


def read_config(path: str | Path) -> dict:
    """A config file, with duplicate keys refused (:class:`UniqueKeyLoader`)."""
    with open(path) as f:
        return yaml.load(f, Loader=UniqueKeyLoader) or {}


def dotted(path) -> str:
    return ".".join(map(str, path)) or "the config"


def validate(config: dict, schema_path: str | Path) -> dict:
    """``config`` checked against the schema, its defaults filled in (as Snakemake's ``validate`` does), and
    every number finite; a :class:`ConfigError` naming the first key at fault."""
    import jsonschema  # the workflow's dependency (csrae[workflow])
    from jsonschema import validators

    schema = yaml.safe_load(Path(schema_path).read_text())
    base = jsonschema.Draft202012Validator

    def set_defaults(validator, properties, instance, schema):
        for name, subschema in properties.items():
            if isinstance(instance, dict) and "default" in subschema:
                instance.setdefault(name, subschema["default"])
        yield from base.VALIDATORS["properties"](validator, properties, instance, schema)

    validator = validators.extend(base, {"properties": set_defaults})(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(config))
    if error is not None:
        raise ConfigError(f"{dotted(error.absolute_path)}: {error.message} (config/README.md lists every key)")
    check_finite(config)
    return config


def check_finite(value, path=()) -> None:
    """A :class:`ConfigError` at the first number that is NaN or infinite."""
    if isinstance(value, dict):
        for key, item in value.items():
            check_finite(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_finite(item, (*path, index))
    elif isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{dotted(path)}: {value} is not a finite number")
