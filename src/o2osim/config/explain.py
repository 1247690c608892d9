"""Hydra and OmegaConf errors turned into the one-line :class:`ConfigError` of the CLI:
the field, the value given and what is allowed (:class:`Explainer`)."""

from __future__ import annotations

import re
import typing
from collections.abc import Callable, Iterator

import yaml
from hydra.core.config_loader import ConfigLoader
from hydra.core.override_parser.types import Override
from hydra.errors import HydraException, MissingConfigException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import (
    ConfigAttributeError,
    ConfigKeyError,
    MissingMandatoryValue,
    OmegaConfBaseException,
    ValidationError,
)

from o2osim.config.validate import (
    ConfigError,
    describe_type,
    did_you_mean,
    type_at,
    unknown_key_error,
)

COMPOSITION_ERRORS = (HydraException, OmegaConfBaseException, ConfigError, OSError,
                      yaml.YAMLError, RecursionError)
"""What bad input raises while composing and converting (anything else is a bug: raised):
OSError for a config folder with a file that cannot be read (``--config-dir /etc``),
YAMLError and RecursionError for a preset of one's own that is not YAML or whose YAML
alias contains itself."""


class Explainer:
    """Turn a Hydra / OmegaConf composition error into a one-line :class:`ConfigError`."""

    def __init__(self, loader: ConfigLoader, compose_presets: Callable[[list[str]], DictConfig],
                 overrides: list[Override]) -> None:
        self.loader = loader
        self.compose_presets = compose_presets  # a config of presets alone (for key lists)
        self.overrides = overrides

    def __call__(self, exc: BaseException) -> ConfigError:
        if isinstance(exc, ConfigError):
            return exc
        if isinstance(exc, MissingConfigException):
            return self._missing_preset(exc)
        if isinstance(exc, yaml.YAMLError | RecursionError):
            what = ("refers to itself (a YAML alias inside its own anchor)"
                    if isinstance(exc, RecursionError) else f"is not YAML ({first_line(exc)})")
            chosen = [o.input_line for o in self.overrides
                      if "=" in o.input_line and "." not in o.key_or_group]
            return ConfigError("config files", "a preset " + what,
                               "fix the preset chosen" + (f" ({', '.join(chosen)})"
                                                          if chosen else ""))
        if isinstance(exc, OSError):
            return ConfigError("config files", repr(exc.filename or str(exc)),
                               f"cannot be read ({exc.strerror or exc}); --config-dir must be "
                               "a folder of presets (market/, plan/, ...) that can be read")
        oc = next((e for e in _chain(exc) if isinstance(e, OmegaConfBaseException)
                   and getattr(e, "full_key", None) is not None), None)
        culprit = self._culprit(exc)
        if oc is None:
            path = culprit.key_or_group if culprit else "command line"
            return ConfigError(path, repr(culprit.input_line) if culprit else "",
                               first_line(exc))
        path = str(oc.full_key)
        if isinstance(oc, ConfigAttributeError | ConfigKeyError):
            parent = path.rpartition(".")[0]
            given = culprit.input_line if culprit is not None else None
            return unknown_key_error(path, self._keys_under(parent), given)
        if culprit is not None and culprit.is_delete():
            return ConfigError(path, "cannot be deleted",
                               "every setting of the schema has a value; set it with key=value")
        if isinstance(oc, MissingMandatoryValue):
            return ConfigError(path, "missing", "a value is required")
        if isinstance(oc, ValidationError):
            return self._wrong_type(oc, path, culprit)
        return ConfigError(path, repr(culprit.input_line) if culprit else "?",
                           first_line(oc))

    def _missing_preset(self, exc: MissingConfigException) -> ConfigError:
        missing = exc.missing_cfg_file or ""
        group, _, name = missing.rpartition("/")
        if not group or ".." in group.split("/") or group.startswith("/"):
            return ConfigError("--config-name", repr(missing), "no such config file")
        options = exc.options or self.loader.get_group_options(group)
        presets = [o for o in options if not o.endswith("_schema") and not o.startswith("_")]
        return ConfigError(group, f"{name!r} is not a preset",
                           f"allowed: {', '.join(presets)}{did_you_mean(name, presets)}")

    def _wrong_type(self, oc: ValidationError, path: str, culprit: Override | None
                    ) -> ConfigError:
        if culprit is not None and culprit.key_or_group == path:
            given = given_text(culprit)
        else:
            found = re.search(r"Value '(.*?)' (?:of type|is not)", str(oc.msg))
            given = repr(found.group(1)) if found else "?"
        expected = type_at(path)
        if expected is None and culprit is not None and culprit.is_add():
            entry = _new_dict_entry(culprit.key_or_group)
            if entry is not None:
                return ConfigError(
                    entry, given_text(culprit),
                    f"new entries of {entry.rpartition('.')[0]} cannot be added from the "
                    "command line; add them in a YAML preset under conf/")
        allowed = (f"must be {describe_type(expected)}" if expected is not None
                   else first_line(oc))
        return ConfigError(path, given, allowed)

    def _culprit(self, exc: BaseException) -> Override | None:
        """The override Hydra names ("Error merging override k=v", "Could not override 'k'")."""
        first = str(exc).partition("\n")[0]
        return next((o for o in self.overrides if first.endswith(f" {o.input_line}")
                     or f"'{o.key_or_group}'" in first), None)

    def _keys_under(self, parent: str) -> list[str]:
        """Keys of ``parent`` in the config composed from the chosen presets alone."""
        known = set(self.loader.list_groups(""))
        groups = [o.input_line for o in self.overrides if o.key_or_group in known
                  or "/" in o.key_or_group]  # a preset (group/subgroup=choice)
        try:
            base = self.compose_presets(groups)
        except COMPOSITION_ERRORS:
            base = None
        node = base if not parent else OmegaConf.select(base, parent) if base else None
        if isinstance(node, DictConfig):
            keys = [str(k) for k in node.keys()]
            return [k for k in keys if k != "hydra"] if not parent else keys
        tp = type_at(parent)
        return list(typing.get_type_hints(tp)) if isinstance(tp, type) else []


def given_text(o: Override) -> str:
    """The value of an override as typed (quoted, unless the user quoted it)."""
    text = o.input_line.partition("=")[2]
    return text if text[:1] in ("'", '"') else repr(text)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: BaseException | None = exc
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


def first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "msg", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _new_dict_entry(key: str) -> str | None:
    """``plan.channels.tv`` for ``plan.channels.tv.budget_cny``: the first key below a dict."""
    parts = key.split(".")
    for i in range(1, len(parts)):
        if typing.get_origin(type_at(".".join(parts[:i]))) is dict:
            return ".".join(parts[: i + 1])
    return None
