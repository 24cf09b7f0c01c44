"""Every place of an exchange file a mutation test may change: the top-level keys, each
table and a table name that does not exist, each row, and each field of a row plus a
field that does not exist. Shared by the schema and quick-row tests."""

from __future__ import annotations


def mutation_places(data: dict) -> list[tuple]:
    out: list[tuple] = [("format",), ("version",), ("records",), ("exported_at",), ("extra",)]
    for key, rows in data["records"].items():
        out.append(("records", key))
        out.append(("records", f"{key}_x"))
        for i, row in enumerate(rows):
            out.append(("records", key, i))
            out.extend(("records", key, i, f) for f in [*row, "unknown_field"])
    return out
