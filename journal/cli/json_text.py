"""Indented JSON text, exactly as ``json.dumps(obj, indent=N, ensure_ascii=False)`` writes
it, mostly by json's C encoder.

The standard library indents only in its pure-Python encoder (a generator per nesting
level, a yield per piece): about 0.1 s for the summary of a 25-year journal, a tenth of
a whole ``journal summary --json`` process. Its C encoder does everything but the line
breaks. Here Python visits each non-empty container once and encodes it with one C call
whose item separator is the line break and indentation of its depth; a child container
stands in as a mark whose text is then replaced by the child's own. So every scalar is
json's own text (strings, floats, NaN), ``{}`` and ``[]`` stay on one line as json
writes them, and tests compare the result with ``json.dumps`` byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import encode_basestring
from typing import Any

_CONTAINERS = (dict, list, tuple)

#: Flush to ``write`` every this many pieces: one string of the whole summary (24 MB on
#: a 10x journal) would double the peak memory, a write per piece cost a system call each
#: when stdout is unbuffered.
BATCH = 8192


#: Stands in for a child container in its parent's C-encoded text (see _container).
_MARK = "\x00\x01journal-json-child\x01\x00"
_MARK_TEXT = encode_basestring(_MARK)


def _c_encoder(item_separator: str) -> Callable[[Any], list[str]]:
    """json's C encoder with these separators, as json.dumps makes it; called on a
    value it returns the pieces of its text."""
    encoder = json.JSONEncoder(ensure_ascii=False, separators=(item_separator, ": "))
    c_make_encoder = getattr(json.encoder, "c_make_encoder", None)
    if c_make_encoder is None:  # a Python without the C accelerator: json's own way
        return lambda o: [encoder.encode(o)]
    c_encode = c_make_encoder(
        None, encoder.default, encode_basestring, None, ": ", item_separator, False, False, True
    )
    return lambda o: c_encode(o, 0)


class IndentedJSON:
    """``write_to(obj, write)`` writes the text of ``json.dumps(obj, indent=indent,
    ensure_ascii=False)`` through ``write``, in batches; ``text(obj)`` returns it.

    Unlike json, no check for a container inside itself (a summary never holds one):
    that would end in RecursionError, not json's ValueError."""

    def __init__(self, indent: int = 2):
        self._unit = " " * indent
        self._scalar = json.JSONEncoder(ensure_ascii=False).encode
        #: Per depth: the C encoder of a container there (its items one level deeper,
        #: each on its own line), the line break before an item, and before the closing.
        self._levels: list[tuple[Callable[[Any], list[str]], str, str]] = []

    def text(self, obj: Any) -> str:
        out: list[str] = []
        self.write_to(obj, out.append)
        return "".join(out)

    def write_to(self, obj: Any, write: Callable[[str], Any]) -> None:
        if not isinstance(obj, _CONTAINERS):
            write(self._scalar(obj))  # json's own encoding
            return
        if not obj:
            write("{}" if isinstance(obj, dict) else "[]")
            return
        out: list[str] = []

        def flush() -> None:
            write("".join(out))
            out.clear()

        self._container(obj, 0, out, flush)
        flush()

    def _level(self, depth: int) -> tuple[Callable[[Any], list[str]], str, str]:
        while len(self._levels) <= depth:
            d = len(self._levels)
            inner = "\n" + self._unit * (d + 1)
            self._levels.append((_c_encoder("," + inner), inner, "\n" + self._unit * d))
        return self._levels[depth]

    def _container(self, obj: Any, depth: int, out: list[str], flush: Callable[[], None]) -> None:
        """Append the text of ``obj``, a non-empty dict, list or tuple at ``depth``."""
        levels = self._levels
        encode, inner, outer = levels[depth] if depth < len(levels) else self._level(depth)
        is_dict = isinstance(obj, dict)
        values = obj.values() if is_dict else obj
        kids = [v for v in values if isinstance(v, _CONTAINERS) and v]
        if not kids:  # only scalars: one C call, its separators already break the lines
            body = "".join(encode(obj))
            out.append(body[0] + inner + body[1:-1] + outer + body[-1])
            return
        # One C call for this level too, each non-empty child container standing in as
        # _MARK; the children's text then goes where the marks are. A string of the data
        # itself could contain the mark's text (it ends in a quote and control characters,
        # but it is possible): then the count is off and the slow path below is exact.
        if is_dict:
            sub: Any = {k: _MARK if isinstance(v, _CONTAINERS) and v else v for k, v in obj.items()}
        else:
            sub = [_MARK if isinstance(v, _CONTAINERS) and v else v for v in obj]
        body = "".join(encode(sub))
        parts = body.split(_MARK_TEXT)
        if len(parts) != len(kids) + 1:
            self._each(obj, is_dict, depth, inner, outer, out, flush)
            return
        parts[0] = body[0] + inner + parts[0][1:]
        parts[-1] = parts[-1][:-1] + outer + body[-1]
        append, container = out.append, self._container
        append(parts[0])
        for kid, part in zip(kids, parts[1:], strict=True):
            container(kid, depth + 1, out, flush)
            append(part)
        if len(out) >= BATCH:
            flush()

    def _encode(self, obj: Any, depth: int, out: list[str], flush: Callable[[], None]) -> None:
        if not isinstance(obj, _CONTAINERS):
            out.append(self._scalar(obj))  # json's own encoding
        elif not obj:
            out.append("{}" if isinstance(obj, dict) else "[]")
        else:
            self._container(obj, depth, out, flush)

    def _each(self, obj, is_dict, depth, inner, outer, out, flush) -> None:
        """The same text, one item at a time."""
        sep = ("{" if is_dict else "[") + inner
        nxt = "," + inner
        if is_dict:
            for key, value in obj.items():
                out.append(sep + self._key(key) + ": ")
                self._encode(value, depth + 1, out, flush)
                sep = nxt
        else:
            for value in obj:
                out.append(sep)
                self._encode(value, depth + 1, out, flush)
                sep = nxt
        out.append(outer + ("}" if is_dict else "]"))

    def _key(self, key: Any) -> str:
        # json's rules for keys: text as is; numbers, booleans and null as their JSON
        # text, quoted; anything else refused, as json refuses it.
        if isinstance(key, str):
            return encode_basestring(key)
        if isinstance(key, bool | int | float) or key is None:
            return encode_basestring(self._scalar(key))
        raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")
