"""A quicker ``__init__`` for the frozen dataclasses the rules make by the thousand.

A frozen dataclass's generated ``__init__`` sets each field through
``object.__setattr__`` (its own ``__setattr__`` refuses). For the results made many
times per summary (traces, readings, side-effect views) that was about a tenth of the
time of the rules. :func:`direct_init` gives such a class an ``__init__`` with the same
parameters, defaults and order that writes the fields into the instance's ``__dict__``
instead, which is what ``object.__setattr__`` ends up doing for a class without slots.
Everything else (frozen, eq, hash, repr, ``dataclasses.replace``) is the dataclass's own.

:func:`slot_init` does the same for a class with slots (each field stored through its
slot), which the rules' results now use: see there why.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")

_NO_VALUE = object()  # stands for a default that a factory makes at each call


def direct_init(cls: type[T]) -> type[T]:
    """Replace the generated ``__init__`` of the frozen dataclass ``cls`` (see the module).

    Only for the plain case: no ``__post_init__``, no init-only or ``init=False`` fields,
    no slots. Anything else is refused at import, not silently half-handled."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or not params.init:
        raise TypeError(f"{cls.__name__}: direct_init is for frozen dataclasses")
    if "__slots__" in cls.__dict__ or hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: direct_init does not handle slots or __post_init__")
    return _generate(cls, slotted=False)


def _generate(cls: type[T], *, slotted: bool) -> type[T]:
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]  # a dataclass, checked by the callers
    if len(fields) != len(cls.__dataclass_fields__) or any(not f.init for f in fields):  # type: ignore[attr-defined]
        raise TypeError(f"{cls.__name__}: an init of its own needs every field in __init__")
    names = {f.name for f in fields}
    local = "_fields"  # the instance dict's name in __init__, unlike any field's
    while local in names:
        local += "_"
    env: dict[str, object] = {"_NO_VALUE": _NO_VALUE}
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = []
    for f in fields:
        name = f.name
        if f.default is not dataclasses.MISSING:
            env[f"_d_{name}"] = f.default
            param = f"{name}=_d_{name}"
            value = name
        elif f.default_factory is not dataclasses.MISSING:
            env[f"_f_{name}"] = f.default_factory
            param = f"{name}=_NO_VALUE"
            value = f"_f_{name}() if {name} is _NO_VALUE else {name}"
        else:
            param = name
            value = name
        (keyword if f.kw_only else positional).append(param)
        if slotted:
            env[f"_s_{name}"] = cls.__dict__[name].__set__  # the slot's member descriptor
            body.append(f"    _s_{name}(self, {value})")
        else:
            body.append(f"    {local}[{name!r}] = {value}")
    if names & (set(env) | {"self"}):  # a parameter would hide a default or its factory
        raise TypeError(f"{cls.__name__}: an init of its own needs other field names")
    signature = ", ".join(["self", *positional, *(["*", *keyword] if keyword else [])])
    head = "" if slotted else f"    {local} = self.__dict__\n"
    source = f"def __init__({signature}):\n{head}" + "\n".join(body) + "\n"
    exec(source, env)  # built above from the field names alone
    init: Any = env["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    setattr(cls, "__init__", init)  # noqa: B010 - mypy refuses assigning a method
    return cls


def slot_init(cls: type[T]) -> type[T]:
    """Like :func:`direct_init`, for a frozen dataclass with slots: an ``__init__`` with
    the same parameters that stores each field through its slot's own descriptor instead
    of ``object.__setattr__``. Slots over an instance dict: an object of a few fields takes
    half the memory and each field reads three times as fast (an instance dict that
    :func:`direct_init` writes to takes the slower way on every read), which matters for
    the results a long history makes by the ten thousand and reads many times over."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or not params.init:
        raise TypeError(f"{cls.__name__}: slot_init is for frozen dataclasses")
    if "__slots__" not in cls.__dict__ or hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: slot_init needs slots and no __post_init__")
    return _generate(cls, slotted=True)
