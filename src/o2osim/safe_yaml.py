"""Reading YAML that someone else may have written, with bounds.

The YAML files of a run folder (Hydra's ``.hydra/config.yaml``, ``overrides.yaml``,
``hydra.yaml``) are read back by ``o2osim-compare`` and the run report, and a run folder
can come from anywhere. YAML anchors and aliases let a small file stand for a huge or an
endless structure: nine anchors of nine aliases each are 9⁹ (387 million) values once
followed ("billion laughs"), and an alias inside its own anchor refers to itself. Merge
keys (``<<: *a``) copy what the alias stands for, so they can blow up while the file is
being read.

:func:`load_yaml` therefore parses a file into YAML's node graph first (libyaml when
PyYAML has it: aliases are shared nodes there, nothing is copied), walks that graph
counting every node as often as an alias reaches it, and refuses the file — before
anything is built from it — when the count passes :data:`MAX_NODES`, when it nests
deeper than :data:`MAX_DEPTH`, when an alias lies inside its own anchor, or when the file
is larger than :data:`MAX_BYTES`. Files that o2osim and Hydra write have no aliases and
a few hundred nodes. Only YAML's safe types are built (no Python objects).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML has it (several times faster), else PyYAML's."""

MAX_BYTES = 5_000_000
"""The largest YAML file read (Hydra's ``config.yaml`` of a run is about 12 kB)."""
MAX_NODES = 200_000
"""The most values a file may stand for, each alias counted as what it refers to."""
MAX_DEPTH = 100
"""The deepest nesting of lists and mappings read."""


class YamlError(ValueError):
    """A YAML file that cannot be read safely; the message is one line."""


def load_yaml(path: str | Path, max_bytes: int = MAX_BYTES, max_nodes: int = MAX_NODES
              ) -> Any:
    """The content of the YAML file ``path`` (None for an empty file).

    Raises :class:`YamlError` (a ``ValueError``) with a one-line reason for a file that
    is not valid YAML or UTF-8, too large, too deeply nested, or whose aliases stand for
    more than ``max_nodes`` values or refer to themselves; ``OSError`` if it cannot be
    read at all.
    """
    path = Path(path)
    with path.open("rb") as fh:
        raw = fh.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise YamlError(f"larger than {max_bytes:,} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlError(f"not UTF-8 text (byte {exc.start})") from None
    return loads_yaml(text, max_nodes)


def loads_yaml(text: str, max_nodes: int = MAX_NODES) -> Any:
    """:func:`load_yaml` for YAML text."""
    loader = _LOADER(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.YAMLError as exc:
            raise YamlError(_reason(exc)) from None
        if node is None:
            return None
        _check(node, max_nodes)
        try:
            return loader.construct_document(node)
        except yaml.YAMLError as exc:
            raise YamlError(_reason(exc)) from None
    except RecursionError:
        raise YamlError(f"nested too deeply (more than {MAX_DEPTH} levels)") from None
    finally:
        loader.dispose()


def _check(root: yaml.Node, max_nodes: int) -> None:
    """Walk the node graph as the values it stands for would be walked, within bounds."""
    count = 0
    on_path: set[int] = set()  # the nodes being walked (an alias to one is a cycle)
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, leaving = stack.pop()
        if leaving:
            on_path.discard(id(node))
            continue
        if id(node) in on_path:
            raise YamlError("an alias refers to the value that contains it (a value "
                            f"without end), line {node.start_mark.line + 1}")
        count += 1
        if count > max_nodes:
            raise YamlError(f"stands for more than {max_nodes:,} values (aliases "
                            "followed); a run's files are far smaller")
        if depth > MAX_DEPTH:
            raise YamlError(f"nested too deeply (more than {MAX_DEPTH} levels)")
        if isinstance(node, yaml.ScalarNode):
            continue
        children: list[yaml.Node]
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        else:
            children = [n for pair in node.value for n in pair]
        on_path.add(id(node))
        stack.append((node, depth, True))
        stack.extend((child, depth + 1, False) for child in reversed(children))


def _reason(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
    return f"not valid YAML: {problem}{where}"
