"""YAML with line numbers: mappings and lists that remember the line of each item, for problems
reported as ``file:line: message``.
"""

from __future__ import annotations

import yaml

from elearn.problems import Problem, nul_problem


class LineDict(dict):
    """A YAML mapping that remembers its own line and each key's line."""

    line = 1
    lines: dict


class LineList(list):
    line = 1
    lines: list

    def __init__(self, *args):
        super().__init__(*args)
        self.lines = []


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps node lines and reports duplicate keys."""

    def __init__(self, stream):
        super().__init__(stream)
        self.duplicates: list[tuple[int, str]] = []


def _construct_mapping(loader: _Loader, node):
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            key = str(key)
        if key in result:
            loader.duplicates.append((key_node.start_mark.line + 1, str(key)))
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node):
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


def load_yaml(text: str, name: str) -> tuple[object, list[Problem]]:
    """Parse YAML keeping lines; (data, problems). Data is None when the YAML is invalid."""
    nul = nul_problem(text, name)
    if nul is not None:
        return None, [nul]
    loader = None
    try:
        loader = _Loader(text)
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else 0
        reason = getattr(exc, "problem", None) or str(exc)
        return None, [Problem(name, line, f"invalid YAML: {reason}")]
    except RecursionError:
        return None, [Problem(name, 0, "invalid YAML: nested too deeply")]
    finally:
        if loader is not None:
            loader.dispose()
    problems = [Problem(name, line, f"duplicate key {key!r}") for line, key in loader.duplicates]
    return data, problems
