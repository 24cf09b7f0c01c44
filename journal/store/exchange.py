"""The open exchange format: a whole journal as one documented, versioned JSON file.

Described for people in ``docs/exchange-format.md``; described for programs by
the JSON Schema ``resources/schema/journal-exchange.schema.json``, which is
generated from the tables by :func:`build_schema` (a test keeps the two equal).

Export is deterministic: tables in a fixed order, rows by id, fields in column
order, so export -> import -> export gives the same bytes (``exported_at``
aside, which the caller may fix). Import goes into an EMPTY journal, checks
everything first (JSON Schema, then :mod:`journal.store.validation` row by row,
then references between rows) and writes in one transaction: on any error
nothing is written and every problem is listed by its JSON path, e.g.
``records.regimens[3].end: ...``. A real export passes one quick pass instead
(:func:`_clean_file`, :func:`journal.store.validation.row_checker`), which may only
say "nothing wrong"; any doubt sends the file through the full checks, so the
problems listed are the same either way.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeGuard, cast

from sqlalchemy import Boolean, Float, Integer, bindparam, select, update
from sqlalchemy.exc import CompileError, DBAPIError, SQLAlchemyError, StatementError

import journal
from journal.domain.labs import KNOWN_UNITS, LAB_TESTS
from journal.errors import disk_full, is_disk_full
from journal.fileio import write_atomic
from journal.resources import resource_path
from journal.store import models as m
from journal.store.validation import (
    DATE_FIELDS,
    ENUM_FIELDS,
    MAX_INT,
    MAX_NUMBER,
    MIN_INT,
    RANGES,
    RecordError,
    RowValues,
    row_checker,
    shown,
    text_limit,
    validate,
)

FORMAT = "treatment-journal"
#: 2 added mrd_results and health_history (MRD tests, screening answers; new optional
#: fields) and trial_studies and trial_answers (registry records and the person's answers).
#: Version-1 files are still read: they are version-2 content without those lists.
VERSION = 2
READABLE_VERSIONS = (1, 2)
SCHEMA_PATH = resource_path("schema", "journal-exchange.schema.json")
SCHEMA_ID = "https://treatment-journal.invalid/schema/journal-exchange-v2.schema.json"

#: Table -> key under "records" in the file (plural, readable, stable).
EXCHANGE_NAMES: dict[type[m.TableModel], str] = {
    m.Person: "person",
    m.Diagnosis: "diagnosis",
    m.IsotypeObservation: "isotypes",
    m.DiseaseFeature: "disease_features",
    m.CytogeneticResult: "cytogenetics",
    m.Regimen: "regimens",
    m.RegimenDrug: "regimen_drugs",
    m.DoseChange: "dose_changes",
    m.Procedure: "procedures",
    m.Response: "responses",
    m.Progression: "progressions",
    m.SideEffect: "side_effects",
    m.SideEffectDrug: "side_effect_drugs",
    m.LabResult: "lab_results",
    m.Ecog: "ecog",
    m.SupportiveCare: "supportive_care",
    m.MrdResult: "mrd_results",
    m.HealthHistory: "health_history",
    m.Note: "notes",
    m.Question: "questions",
    m.Override: "overrides",
    m.TrialStudy: "trial_studies",
    m.TrialAnswer: "trial_answers",
}
_BY_KEY = {v: k for k, v in EXCHANGE_NAMES.items()}

#: Tables that hold one row in any journal (the app reads the first only).
SINGLE_ROW_TABLES: frozenset[type[m.TableModel]] = frozenset({m.Person, m.Diagnosis})

DATE_PATTERN = r"^[~<>]?[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?|-(SP|SU|AU|WI))?$"


class ExchangeError(ValueError):
    """The file cannot be imported; ``errors`` lists every problem, nothing was written."""

    def __init__(self, errors: list[str] | str):
        self.errors = [errors] if isinstance(errors, str) else list(errors)
        shown = self.errors[:20]
        more = len(self.errors) - len(shown)
        text = "\n".join(shown) + (f"\n... and {more} more problems" if more > 0 else "")
        super().__init__(text)


class JournalNotEmptyError(ExchangeError):
    """The target journal already holds records; import only fills an empty one."""


# -- schema ----------------------------------------------------------------------------


def _column_schema(cls: type[m.TableModel], col) -> dict[str, Any]:
    # Every field is bounded by its kind first (so a table added later is too):
    # 64-bit integers, finite numbers of a real-world size, text of a set length.
    if isinstance(col.type, Boolean):
        s: dict[str, Any] = {"type": "boolean"}
    elif isinstance(col.type, Integer):
        s = {"type": "integer", "minimum": MIN_INT, "maximum": MAX_INT}
    elif isinstance(col.type, Float):
        s = {"type": "number", "minimum": -MAX_NUMBER, "maximum": MAX_NUMBER}
    else:
        s = {"type": "string", "maxLength": text_limit(col)}
    if col.name in DATE_FIELDS.get(cls, ()):
        s["pattern"] = DATE_PATTERN
        s["description"] = "partial date: 2019, 2019-05, 2019-05-14, 2019-SP; prefix ~ < >"
    enum = ENUM_FIELDS.get(cls, {}).get(col.name)
    if enum is not None:
        s["enum"] = [v.value for v in enum]
    if cls is m.LabResult and col.name == "test":
        s["enum"] = sorted(LAB_TESTS)
    if cls is m.LabResult and col.name == "unit":
        s["enum"] = sorted(KNOWN_UNITS)
    if cls is m.SideEffect and col.name == "grade":
        s["minimum"], s["maximum"] = 1, 5
    lo, hi, _hint = RANGES.get(cls, {}).get(col.name, (None, None, ""))
    if lo is not None:
        s["minimum"] = lo
    if hi is not None:
        s["maximum"] = hi
    if col.foreign_keys:
        target = next(iter(col.foreign_keys)).column.table
        s["description"] = f"id of a row in records.{EXCHANGE_NAMES[_class_of(target.name)]}"
    if col.nullable and col.name != "id":
        s["type"] = [s["type"], "null"]
        if "enum" in s:
            s["enum"] = [*s["enum"], None]
    return s


def _class_of(table_name: str) -> type[m.TableModel]:
    return next(c for c in m.RECORD_TABLES if c.__tablename__ == table_name)


def _required(col) -> bool:
    return col.name == "id" or (
        not col.nullable and col.default is None and col.server_default is None
    )


def build_schema() -> dict[str, Any]:
    """The JSON Schema of the current format version, built from the tables."""
    tables = {}
    for cls in m.RECORD_TABLES:
        cols = list(cls.__table__.columns)
        tables[EXCHANGE_NAMES[cls]] = {
            "type": "array",
            **({"maxItems": 1} if cls in SINGLE_ROW_TABLES else {}),
            "items": {
                "type": "object",
                "properties": {c.name: _column_schema(cls, c) for c in cols},
                "required": [c.name for c in cols if _required(c)],
                "additionalProperties": False,
            },
        }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Treatment Journal exchange file",
        "description": "A whole treatment journal. See docs/exchange-format.md.",
        "type": "object",
        "properties": {
            "format": {"const": FORMAT},
            "version": {"enum": list(READABLE_VERSIONS)},
            "exported_at": {"type": "string", "maxLength": 100},
            "app_version": {"type": "string", "maxLength": 100},
            "records": {
                "type": "object",
                "properties": tables,
                "additionalProperties": False,
            },
        },
        "required": ["format", "version", "records"],
        "additionalProperties": False,
    }


def load_schema() -> dict[str, Any]:
    """The schema file shipped in resources/ (falls back to building it)."""
    try:
        return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    except OSError:
        return build_schema()


@functools.cache
def _validator():
    import jsonschema  # imported when first needed: it is slow to import

    return jsonschema.Draft202012Validator(load_schema())


#: Draft-07 means the same as draft 2020-12 for every keyword the schema uses
#: (a test checks the list); fastjsonschema compiles draft-07, not 2020-12.
FAST_SCHEMA_KEYWORDS = frozenset(
    {"$schema", "$id", "title", "description", "type", "properties", "required",
     "additionalProperties", "items", "maxItems", "const", "enum", "minimum", "maximum",
     "maxLength", "pattern"}
)  # fmt: skip


def fast_schema() -> dict[str, Any]:
    """The shipped schema as fastjsonschema compiles it: declared draft-07, and each
    ``const`` written as a one-value ``enum`` (the same rule; fastjsonschema's
    ``const`` fails to compile without detailed exceptions)."""

    def convert(node: Any, names: bool = False) -> Any:
        # ``names``: a "properties" map, whose keys are field names, not keywords.
        if isinstance(node, dict):
            out = {k: convert(v, not names and k == "properties") for k, v in node.items()}
            if not names and "const" in out:
                out["enum"] = [out.pop("const")]
            return out
        if isinstance(node, list):
            return [convert(v) for v in node]
        return node

    schema = convert(load_schema())
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    return schema


@functools.cache
def _fast_validator() -> Callable[[Any], Any]:
    # Compiled once per process, when the first file is checked: a quarter second
    # that commands which never import do not pay.
    import fastjsonschema

    return fastjsonschema.compile(
        fast_schema(), use_default=False, use_formats=False, detailed_exceptions=False
    )


def schema_valid(data: Any) -> bool:
    """True if ``data`` meets the schema, by the compiled validator (many times quicker
    than ``jsonschema``, which is kept for the messages of a file that does not)."""
    try:
        _fast_validator()(data)
    except Exception:  # its refusal, or anything odd: the full check decides and explains
        return False
    return True


def schema_text() -> str:
    return json.dumps(build_schema(), indent=2, ensure_ascii=False) + "\n"


# -- export ----------------------------------------------------------------------------


def export_journal(store, *, exported_at: str | None = None) -> dict[str, Any]:
    """The whole journal as a dict in the exchange format (every RECORD_TABLES row)."""
    records: dict[str, list[dict[str, Any]]] = {}
    with store.engine.connect() as conn:
        for cls in m.RECORD_TABLES:
            tb = cls.__table__
            cols = [c.name for c in tb.columns]
            numbers = [c.name for c in tb.columns if isinstance(c.type, Float)]
            rows = conn.execute(select(tb).order_by(tb.c.id)).mappings()
            out = [{c: r[c] for c in cols} for r in rows]
            for row in out:
                # A dose typed as 25 comes back as 25, not 25.0 (SQLite's REAL
                # returns floats): whole numbers stay whole through every round trip.
                for c in numbers:
                    v = row[c]
                    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
                        row[c] = int(v)
            records[EXCHANGE_NAMES[cls]] = out
    if exported_at is None:
        exported_at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": exported_at,
        "app_version": journal.__version__,
        "records": records,
    }


def dumps(data: dict[str, Any]) -> str:
    """Canonical text: same data, same bytes."""
    return json.dumps(data, indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def write_export(store, path: Path | str) -> Path:
    return write_atomic(path, dumps(export_journal(store)))


# -- reading and checking --------------------------------------------------------------


def loads(text: str) -> dict[str, Any]:
    """Parse exchange-file text; malformed JSON gives a plain message with line/column."""
    try:
        data = json.loads(text)
    except RecursionError:  # junk such as {"a":{"a":{... nested 100,000 deep
        raise ExchangeError(
            "The file is nested far too deeply to be a Treatment Journal export; "
            "it is not an exchange file. Export the journal again."
        ) from None
    except json.JSONDecodeError as e:
        at_end = e.pos >= len(text.rstrip()) or e.msg.startswith("Unterminated string")
        if text.strip() and at_end:
            raise ExchangeError(
                f"The file is not valid JSON (line {e.lineno}, column {e.colno}: {e.msg}): "
                "it ends before its content is complete, so it was probably cut short, for "
                "example by a copy or download that did not finish. Export the journal again."
            ) from None
        raise ExchangeError(
            f"The file is not valid JSON (line {e.lineno}, column {e.colno}: {e.msg}). "
            "It may be damaged or not an exchange file; export it again."
        ) from None
    except ValueError:  # Python reads no integer of more than 4,300 digits
        raise ExchangeError(
            "The file holds a number thousands of digits long, which no field of a journal "
            "can hold; it is not a Treatment Journal export. Export the journal again."
        ) from None
    if not isinstance(data, dict):
        raise ExchangeError(
            "The file is JSON but not a Treatment Journal export (it should start with '{')."
        )
    return data


#: Far beyond any real journal (a 25-year synthetic journal exports to a few MB): a
#: bigger file is refused before it is read into memory.
MAX_IMPORT_BYTES = 256 * 1024 * 1024


def read_file(path: Path | str) -> dict[str, Any]:
    path = Path(path)
    try:
        if path.is_dir():
            raise ExchangeError(f"{path} is a folder. Give the exchange file (.json) itself.")
        size = path.stat().st_size
        if size > MAX_IMPORT_BYTES:
            raise ExchangeError(
                f"The file is {size / 2**20:,.0f} MB, far larger than any journal export "
                f"(at most {MAX_IMPORT_BYTES // 2**20} MB), so it was not read. "
                "Check that you chose the right file."
            )
        raw = path.read_bytes()
    except OSError as e:
        if isinstance(e, PermissionError):
            raise ExchangeError(
                f"You do not have permission to read {path}. Check the file's permissions."
            ) from None
        if isinstance(e, FileNotFoundError):
            raise ExchangeError(f"There is no file at {path}. Check the name.") from None
        raise ExchangeError(f"Cannot read {path}: {e.strerror}.") from None
    if raw.startswith(b"SQLite format 3\x00"):
        raise ExchangeError(
            f"{path} is a journal (database) file, not an exchange file. Import reads the "
            ".json file that 'journal export' writes; a journal file can be opened as it is."
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ExchangeError("The file is not UTF-8 text, so it is not an exchange file.") from None
    return loads(text)


def json_path(parts: Iterable[Any]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


#: JSON Schema type names in words a person reading the message knows.
_JSON_TYPE_WORDS = {
    "string": 'text in quotes (like "VRd")',
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list in [ ]",
    "object": "a group of fields in { }",
    "null": "null (empty)",
}


#: No message line is longer than this, whatever the file holds.
MAX_MESSAGE = 300


def _cut(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."


def _schema_message(err) -> tuple[list[Any], str]:
    path, msg = _schema_message_full(err)
    return path, _cut(msg)


def _schema_message_full(err) -> tuple[list[Any], str]:
    path = list(err.absolute_path)
    v, inst = err.validator, err.instance
    if v == "required":
        missing = [p for p in err.validator_value if isinstance(inst, dict) and p not in inst]
        if len(missing) == 1:
            return [*path, missing[0]], "this field is missing; add it"
        return path, f"the fields {', '.join(missing)} are missing; add them"
    if v == "additionalProperties":
        allowed = set(err.schema.get("properties", {}))
        extra = sorted(k for k in inst if k not in allowed) if isinstance(inst, dict) else []
        names = ", ".join(shown(k, 30, quote=repr) for k in extra[:3]) + (
            ", ..." if len(extra) > 3 else ""
        )
        return path, f"unknown field(s) {names}; remove or rename them"
    if v == "type":
        want = err.validator_value
        wants: list[str] = want if isinstance(want, list) else [want]
        words = " or ".join(_JSON_TYPE_WORDS.get(w, w) for w in wants)
        return path, f"should be {words}, not {shown(inst)}; change the value"
    if v == "enum":
        choices = [x for x in err.validator_value if x is not None]
        listed = ", ".join(map(str, choices[:10])) + (", ..." if len(choices) > 10 else "")
        return path, f"{shown(inst)} is not an allowed value; use one of: {listed}"
    if v == "pattern":
        return path, (
            f"{shown(inst)} is not a date in the stored form "
            "(2019, 2019-05, 2019-05-14, 2019-SP; optional ~ < > in front)"
        )
    if v in ("minimum", "maximum"):
        word = "below the lowest" if v == "minimum" else "above the highest"
        return path, f"{shown(inst)} is {word} allowed value ({shown(err.validator_value)})"
    if v == "maxLength":
        return path, (
            f"the text is {len(inst):,} characters long; this field holds at most "
            f"{err.validator_value:,}. Shorten it"
        )
    if v == "maxItems":
        return path, (
            f"holds {len(inst):,} rows, but a journal has only one; keep one and remove the others"
        )
    if v == "const":
        return path, f"must be {shown(err.validator_value)}, not {shown(inst)}"
    return path, f"{shown(inst)} is not acceptable here ({v})"


Progress = Callable[[int, int, str], None]  # (done, total, text), like TaskControl.report


def _noop(_done: int, _total: int, _text: str) -> None:
    pass


def check_exchange(data: Any, progress: Progress | None = None) -> list[str]:
    """Every problem in ``data`` as ``path: message`` (empty list = importable).

    ``progress(done, total, text)`` is told of each pass (out of 4, the 4th
    being the import's write), so a window can show how far it got.
    """
    progress = progress or _noop
    if not isinstance(data, dict):
        return ["(top level): not a Treatment Journal export (expected a JSON object)"]
    fmt, ver = data.get("format"), data.get("version")
    if fmt != FORMAT:
        return [
            f"format: this is not a Treatment Journal export (format is {shown(fmt)}, "
            f"expected {json.dumps(FORMAT)})"
        ]
    if not isinstance(ver, int) or isinstance(ver, bool):
        return [f"version: {shown(ver)} is not a format version number"]
    if ver > VERSION:
        return [
            f"version: the file uses format version {shown(ver)}, made by a newer Treatment "
            f"Journal; this version reads up to {VERSION}. Update the app to import it."
        ]
    if ver not in READABLE_VERSIONS:
        return [f"version: {shown(ver)} is not a known format version"]
    if ver < VERSION:
        # An older file is checked as the current version: it only lacks newer lists.
        data = {**data, "version": VERSION}

    progress(0, 4, "Checking the file's structure")
    errors: list[tuple[str, str]] = []
    bad_rows: set[tuple[str, int]] = set()
    # The same flaw in many rows of one table (a list of 10,000 numbers given as
    # "procedures") is listed once, with a count, not 10,000 times.
    listed_of_kind: dict[tuple, list[int]] = {}
    alike: dict[int, int] = {}
    today = dt.date.today()  # once, not once per row
    # Every real export meets the schema and every row rule: one quick pass says so,
    # and both checks below, which name each problem, are skipped.
    clean = _clean_file(data, today)
    # A file that meets the schema skips the slow walk that names each problem; one
    # that does not gets exactly the messages it always got.
    for err in () if clean or schema_valid(data) else _validator().iter_errors(data):
        path, msg = _schema_message(err)
        if any(p == json_path(path) for p, _ in errors[-3:]):
            continue  # one problem per field is enough (too long AND not a date...)
        if len(path) >= 3 and path[0] == "records":
            bad_rows.add((path[1], path[2]))
            listed = listed_of_kind.setdefault((path[1], tuple(path[3:]), err.validator), [])
            if len(listed) == 3:  # three show the pattern; the rest are counted
                alike[listed[-1]] += 1
                continue
            listed.append(len(errors))
            alike[len(errors)] = 0
        errors.append((json_path(path), msg))
    for i, more in alike.items():
        if more:
            p, msg = errors[i]
            errors[i] = (p, f"{msg} (and the same in {more:,} more rows of {p.split('[')[0][8:]})")
    records = data.get("records")
    if not isinstance(records, dict):
        return [f"{p}: {msg}" for p, msg in errors]

    ids: dict[type[m.TableModel], dict[int | float, dict]] = {}
    # Ids of every row in the file, the flawed ones too: a regimen with a bad date is
    # reported once, not again at every drug and procedure that points to it.
    present: dict[type[m.TableModel], set] = {}
    # Tables whose rows cannot be told apart ("regimens" is not a list, or a row's id
    # is not a number): a link into them may be right, so it is not reported again.
    unusable: set[type[m.TableModel]] = set()
    for key, rows in records.items():
        cls = _BY_KEY.get(key)
        if cls is not None and not isinstance(rows, list):
            unusable.add(cls)
        if cls is None or not isinstance(rows, list):
            continue
        if clean:
            # Every row is a group of fields with a whole-number id (the quick pass
            # said so); only an id used twice needs the walk below, for its message.
            seen: dict[int | float, dict] = {row["id"]: row for row in rows}
            if len(seen) == len(rows):
                present[cls], ids[cls] = set(seen), seen
                continue
        seen = {}
        present[cls] = set()
        for i, row in enumerate(rows):
            if not isinstance(row, dict):
                unusable.add(cls)
                continue
            rid = row.get("id")
            if (type(rid) is not int or not MIN_INT <= rid <= MAX_INT) and not _is_id(rid):
                unusable.add(cls)
                continue
            present[cls].add(rid)
            if (key, i) in bad_rows:
                continue
            if rid in seen:
                errors.append((f"records.{key}[{i}].id", f"id {rid} is used twice in {key}"))
            seen[rid] = row
        ids[cls] = seen

    # Field rules the schema cannot say (dates in order, units per test, grades per scale).
    progress(1, 4, "Checking each record")
    dangling: dict[type[m.TableModel], list[tuple[str, str]]] = {}
    regimens = ids.get(m.Regimen, {})
    for key, rows in records.items():
        cls = _BY_KEY.get(key)
        if cls is None or not isinstance(rows, list):
            continue
        # Most rows pass the quick check; validate runs only on the others, for its
        # messages (see validation.row_checker).
        quick = row_checker(cls, today, rows=len(rows))
        is_drug = cls is m.RegimenDrug
        # (field, ids it may point to); None: the target's ids cannot be told apart.
        links = [
            (name, target, None if target in unusable else present.get(target, set()))
            for name, target in _links(cls)
        ]
        if clean and all(
            targets is None or {row.get(name) for row in rows} <= targets | {None}
            for name, _target, targets in links
        ):
            continue  # every row passed the rules already, and points where it may
        for i, row in enumerate(rows):
            if not isinstance(row, dict) or (bad_rows and (key, i) in bad_rows):
                continue
            preg = regimens.get(_id_or_none(row.get("regimen_id"))) if is_drug else None
            if not clean and not quick(row, preg):
                parent = m.Regimen(**preg) if preg else None
                try:
                    validate(RowValues(cls, row), parent=parent, today=today)
                except RecordError as e:
                    for fe in e.errors:
                        errors.append((f"records.{key}[{i}].{fe.field}", _cut(fe.message)))
            for name, target, targets in links:
                ref = row.get(name)
                if ref is None or targets is None:
                    continue
                if type(ref) is int and ref in targets:
                    continue  # the usual case, without the full id test
                if not _is_id(ref):
                    continue
                if ref not in targets:
                    dangling.setdefault(target, []).append(
                        (
                            f"records.{key}[{i}].{name}",
                            f"points to {EXCHANGE_NAMES[target]} id {ref}, which is not in "
                            "the file; fix the id or add that record",
                        )
                    )
    # A table lost from the file leaves every row pointing into it dangling (hundreds in
    # a long journal): three show the pattern, a count says how many more.
    for target, found in dangling.items():
        errors += found[:3]
        if len(found) > 3:
            p, msg = errors[-1]
            errors[-1] = (
                p,
                f"{msg} (and {len(found) - 3:,} more rows point to "
                f"{EXCHANGE_NAMES[target]} that are not in the file)",
            )
    if not errors:
        errors += _cycles(ids)
    return [f"{p}: {msg}" for p, msg in errors]


_TOP_TEXT = ("exported_at", "app_version")


def _clean_file(data: dict[str, Any], today: dt.date) -> bool:
    """True only if ``data`` meets the schema and every row passes ``validate``: the
    top level here, each row by ``validation.row_checker``, which demands what the
    schema demands of a row (tests check both never pass what the full checks refuse).
    False says nothing: the full checks decide and name the problems."""
    if data.keys() - {"format", "version", "records", *_TOP_TEXT}:
        return False
    if data.get("format") != FORMAT or type(data.get("version")) is not int:
        return False
    if data["version"] not in READABLE_VERSIONS:
        return False
    for key in _TOP_TEXT:
        v = data.get(key, "")
        if type(v) is not str or len(v) > 100:
            return False
    records = data.get("records")
    if type(records) is not dict or records.keys() - _BY_KEY.keys():
        return False
    if any(type(rows) is not list for rows in records.values()):
        return False
    # A drug is checked against its regimen: the last row of that id, as the full
    # check reads it (two rows of one id are refused there anyway).
    regimens = {
        r["id"]: r
        for r in records.get("regimens", ())
        if type(r) is dict and type(r.get("id")) is int
    }
    for key, rows in records.items():
        cls = _BY_KEY[key]
        if cls in SINGLE_ROW_TABLES and len(rows) > 1:
            return False
        if not rows:
            continue
        ok = row_checker(cls, today, rows=len(rows))
        if cls is m.RegimenDrug:
            for row in rows:
                if type(row) is not dict:
                    return False
                if not ok(row, regimens.get(_id_or_none(row.get("regimen_id")))):
                    return False
        elif not all(type(row) is dict and ok(row, None) for row in rows):
            return False
    return True


@functools.cache
def _links(cls: type[m.TableModel]) -> tuple[tuple[str, type[m.TableModel]], ...]:
    """(field, table it points to) of each foreign key of ``cls``, in column order."""
    return tuple(
        (col.name, _class_of(fk.column.table.name))
        for col in cls.__table__.columns
        for fk in col.foreign_keys
    )


def _is_id(value: Any) -> TypeGuard[int | float]:
    # What the schema already demands of an id; checked again here because this pass
    # also looks at rows the schema refused, and a list is not even hashable.
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and (isinstance(value, int) or value.is_integer())
        and MIN_INT <= value <= MAX_INT
    )


def _id_or_none(value: Any) -> Any:
    return value if _is_id(value) else None


def _cycles(ids: dict[type[m.TableModel], dict[int | float, dict]]) -> list[tuple[str, str]]:
    """Rows of a table that point, through their own table, back to themselves (a
    regimen part of a programme that is part of it): the timeline would loop."""
    found = []
    for cls, rows in ids.items():
        key = EXCHANGE_NAMES[cls]
        index: dict = {}
        for col in cls.__table__.columns:
            if not any(fk.column.table is cls.__table__ for fk in col.foreign_keys):
                continue
            index = index or {rid: i for i, rid in enumerate(rows)}
            reported: set = set()
            for rid in rows:
                chain, at = [rid], rows[rid].get(col.name)
                while _is_id(at) and at in rows and at not in chain:
                    chain.append(at)
                    at = rows[at].get(col.name)
                if not _is_id(at) or at not in chain:
                    continue
                loop = chain[chain.index(at) :]
                if reported.intersection(loop):  # the same circle, reached from outside
                    continue
                reported.update(loop)
                first = min(loop, key=lambda r: index[r])
                found.append(
                    (
                        f"records.{key}[{index[first]}].{col.name}",
                        f"ids {' -> '.join(map(str, [*loop, loop[0]]))} point to each other in "
                        "a circle; one of them must point to none",
                    )
                )
    return found


# -- import ----------------------------------------------------------------------------


@functools.cache
def _insert_plan(cls: type[m.TableModel]):
    """(INSERT text, column names, static defaults, default factories) of a table,
    worked out once: a bulk load writes thousands of rows of the same few tables."""
    tb = cls.__table__
    names = tuple(c.name for c in tb.columns)
    columns = ", ".join(f'"{n}"' for n in names)
    sql = f'INSERT INTO "{tb.name}" ({columns}) VALUES ({", ".join("?" * len(names))})'
    static: dict[str, Any] = {}
    factories: list[tuple[str, Callable[[], Any]]] = []
    for name in names:
        f = cls.model_fields[name]
        if f.default_factory is not None:
            # No table's factory takes the validated data (pydantic's other form).
            factories.append((name, cast(Callable[[], Any], f.default_factory)))
        else:
            static[name] = None if f.is_required() else f.default
    return sql, names, static, tuple(factories)


def insert_rows(conn, rows: Mapping[type[m.TableModel], Sequence[Mapping[str, Any]]]) -> None:
    """Bulk inserts (plain tuples per table, 20 rows a statement: ``_insert_tuples``),
    parents first, on an open transaction.

    Missing fields get the model defaults (``created_at``, ``sex="unknown"``...); a
    field that is no column is refused, as Core's insert refuses it. The bulk path
    for import, the demo and synthetic journals: one ORM object per row, or even
    Core's per-row parameter handling, is many times slower. The values go to the
    driver as they are, which is what Core does for these column types too (bools,
    numbers, text); a whole number given as 6.0 is stored as the integer 6 by SQLite
    itself (INTEGER affinity converts a lossless REAL), as the export tests check.
    """
    for cls in m.RECORD_TABLES:
        items = rows.get(cls)
        if not items:
            continue
        _sql, names, static, factories = _insert_plan(cls)
        pick = operator.itemgetter(*names)
        n, known = len(names), frozenset(names)
        if all(map(n.__eq__, map(len, items))):
            # An export's rows give every field and no other: one pass in C.
            try:
                whole = list(map(pick, items))
            except KeyError:  # a field left out, another in its place: row by row
                pass
            else:
                _insert_tuples(conn, cls, whole)
                continue
        batch = []
        for r in items:
            if len(r) == n:  # every field given (an export's rows): no defaults needed
                try:
                    batch.append(pick(r))
                    continue
                except KeyError:
                    pass
            extra = [k for k in r if k not in known]
            if extra:
                raise CompileError(
                    f"Unconsumed column names: {', '.join(map(str, extra))} "
                    f"(table {cls.__tablename__})"
                )
            row = {**static, **r}
            for name, make in factories:
                if name not in r:
                    row[name] = make()
            batch.append(pick(row))
        _insert_tuples(conn, cls, batch)


#: Rows per INSERT statement of a bulk load: one statement of 20 rows takes about an
#: eighth less time than 20 steps of a one-row statement (the driver's work per step,
#: not SQLite's, is most of a bulk insert; the 25-year file's rows: 35 -> 30 ms);
#: 40 rows gain nothing more, 100 lose some of it.
ROWS_PER_STATEMENT = 20
#: Host parameters one statement may hold in any SQLite (999 before 3.32).
MAX_PARAMETERS = 999


@functools.cache
def _chunk_sql(cls: type[m.TableModel], rows: int) -> str:
    """The INSERT of ``rows`` rows at once into the table of ``cls``."""
    sql, names, _static, _factories = _insert_plan(cls)
    one = "(" + ", ".join("?" * len(names)) + ")"
    return sql.rpartition(" VALUES ")[0] + " VALUES " + ", ".join([one] * rows)


def _insert_tuples(conn, cls: type[m.TableModel], tuples: Sequence[tuple]) -> None:
    """Insert ``tuples`` (values in column order) into the table of ``cls``: whole
    chunks as multi-row statements, the rest with one ``executemany``, straight on
    the driver's cursor (per statement, SQLAlchemy's own bookkeeping would cost more
    than it saves). A driver error comes out as SQLAlchemy's, as from any statement."""
    sql, names, _static, _factories = _insert_plan(cls)
    n = len(names)
    k = max(1, min(ROWS_PER_STATEMENT, MAX_PARAMETERS // n))
    whole = len(tuples) - len(tuples) % k if k > 1 else 0
    cursor = conn.connection.cursor()
    statement = sql
    try:
        if whole:
            statement = _chunk_sql(cls, k)
            flat = tuple(itertools.chain.from_iterable(tuples[:whole]))
            step = k * n
            for i in range(0, len(flat), step):
                cursor.execute(statement, flat[i : i + step])
        if whole < len(tuples):
            statement = sql
            cursor.executemany(sql, tuples[whole:])
    except conn.dialect.loaded_dbapi.Error as e:
        # Never the values: they are the person's data, and a message may be logged.
        raise DBAPIError.instance(
            statement, None, e, conn.dialect.loaded_dbapi.Error, hide_parameters=True
        ) from e
    finally:
        cursor.close()


def _is_empty(conn) -> bool:
    # One statement, not one per table: it runs on every import.
    held = " OR ".join(f'EXISTS (SELECT 1 FROM "{cls.__tablename__}")' for cls in m.RECORD_TABLES)
    return not conn.exec_driver_sql(f"SELECT {held}").scalar()


def import_journal(
    store, data: dict[str, Any], progress: Progress | None = None, *, new_file: bool = False
) -> dict[str, int]:
    """Load an exchange dict into an EMPTY journal, all or nothing; returns rows per table.

    ``new_file``: the journal is being built under a temporary name and is made
    visible only after it is closed and synced (services.files), so the import's own
    COMMIT need not wait for the disk.

    Raises :class:`ExchangeError` listing every problem; then nothing is written.
    (The services layer wraps this to tell open views; see ``actions.import_exchange``.)
    """
    progress = progress or _noop
    problems = check_exchange(data, progress)
    if problems:
        raise ExchangeError(problems)
    progress(2, 4, "Writing the records")
    records = data["records"]
    rows: dict[type[m.TableModel], list[dict]] = {}
    later: list[tuple[type[m.TableModel], str, list[dict]]] = []
    for cls in m.RECORD_TABLES:
        # The file's rows as they are (6.0 in a whole-number field is stored as 6 by
        # SQLite; see insert_rows), copied only where a field must wait.
        items = records.get(EXCHANGE_NAMES[cls], [])
        # A row may point to a later row of its own table (a regimen planned as
        # part of one with a higher id): insert those links after all the rows.
        for col in cls.__table__.columns:
            if any(fk.column.table is cls.__table__ for fk in col.foreign_keys):
                links = [
                    {"_id": r["id"], "_v": r.get(col.name)}
                    for r in items
                    if r.get(col.name) is not None
                ]
                items = [{**r, col.name: None} for r in items]
                later.append((cls, col.name, links))
        rows[cls] = items
    try:
        _write_import(store, rows, later, new_file)
    except SQLAlchemyError as e:  # also the COMMIT itself; rolled back: nothing was written
        if is_disk_full(e):
            raise disk_full("the import", "Nothing was written to the journal.", store.path) from e
        # Only a statement's error carries the driver's own (``orig``); any other
        # SQLAlchemyError is named itself.
        cause = (e.orig if isinstance(e, StatementError) else None) or e
        raise ExchangeError(
            f"The import failed and nothing was written ({type(cause).__name__}: "
            f"{_cut(str(cause))})."
        ) from e
    except ExchangeError:
        raise
    except (ValueError, TypeError, OverflowError) as e:
        # The checks above should have named the field; if a value still slipped
        # through, the transaction was rolled back and the person gets one sentence.
        raise ExchangeError(
            f"The import failed and nothing was written: a value in the file cannot be "
            f"stored ({type(e).__name__}). Check the file, or export the journal again."
        ) from e
    progress(4, 4, "Done")
    return {EXCHANGE_NAMES[c]: len(v) for c, v in rows.items()}


def _write_import(store, rows, later, new_file: bool = False) -> None:
    with store.engine.connect() as conn:
        # Every reference was checked against the file's own ids (check_exchange) and
        # the journal is empty, so SQLite's lookup per written row only repeats that
        # work (about a third of the write); one foreign_key_check before COMMIT still
        # vouches for every link. The pragma works only outside a transaction.
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        # Likewise the CHECK constraints: SQLite runs each one per row (a unit list is
        # rebuilt for every lab result), half of the write; one query per table checks
        # every row against the same rules, read from the tables themselves, before
        # COMMIT (see _bulk_checks). If a table's rules cannot be read, they stay on.
        checks = _bulk_checks(conn)
        if checks is not None:
            conn.exec_driver_sql("PRAGMA ignore_check_constraints=ON")
        if new_file:
            # Nobody can see this file until it is closed, synced and renamed into
            # place (services.files._build_then_move), and closing it commits its
            # seal with a full sync: a crash before that leaves only a temporary file
            # that the next attempt removes. So this COMMIT need not fsync the log.
            conn.exec_driver_sql("PRAGMA synchronous=OFF")
        conn.commit()
        try:
            with conn.begin():
                _write_rows(conn, rows, later, checks)
        finally:
            try:
                conn.exec_driver_sql("PRAGMA ignore_check_constraints=OFF")
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.exec_driver_sql("PRAGMA synchronous=FULL")  # as db._pragmas sets it
                conn.commit()
            except SQLAlchemyError:
                conn.invalidate()  # never back in the pool without its checks


def _write_rows(conn, rows, later, checks: dict[str, tuple[tuple[str, str], ...]] | None) -> None:
    # Begun here, not by the driver: Python's sqlite3 begins only before an INSERT,
    # and the indexes dropped below must come back if anything fails.
    conn.exec_driver_sql("BEGIN IMMEDIATE")
    if not _is_empty(conn):
        raise JournalNotEmptyError(
            "This journal already holds data, and importing would mix two histories. "
            "Import into a new journal file instead (journal import FILE.json NEW.sqlite)."
        )
    # An index is built from the sorted rows at the end in a fraction of the time
    # it takes to keep it up to date row by row; the same CREATE text goes back, so
    # the schema (and the content seal, which hashes it) is the one the file had.
    indexes = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL ORDER BY name"
    ).fetchall()
    for name, _sql in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    insert_rows(conn, rows)
    for cls, col, links in later:
        if links:
            tb = cls.__table__
            conn.execute(
                update(tb).where(tb.c.id == bindparam("_id")).values({col: bindparam("_v")}),
                links,
            )
    for _name, sql in indexes:
        conn.exec_driver_sql(sql)
    if checks is not None:
        broken = _first_broken_check(conn, checks)
        if broken is not None:  # rolled back: nothing written
            # What SQLite itself says of such a row, as when the rules run per row.
            raise ExchangeError(
                "The import failed and nothing was written (IntegrityError: CHECK "
                f"constraint failed: {_cut(broken)})."
            )
    dangling = conn.exec_driver_sql("PRAGMA foreign_key_check").first()
    if dangling is not None:  # rolled back: nothing written
        raise ExchangeError(
            f"The import failed and nothing was written: a record of {dangling[0]} points to "
            "a record that is not in the file. Check the file, or export the journal again."
        )


# -- the tables' own CHECK rules, read from their SQL -------------------------------------


#: One token of SQL text: quoted text or name (a doubled quote inside is the quote
#: itself), the start of a comment, a bare word, or any other character.
_SQL_TOKEN = re.compile(
    r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]|--|/\*|[\w$]+|\S""", re.ASCII
)


def _unreadable(token: str) -> bool:
    # a comment, or a quote never closed (the token is the quote character alone)
    return token in ("--", "/*") or (len(token) == 1 and token in "'\"`[")


@functools.lru_cache(maxsize=256)
def table_checks(sql: str) -> tuple[tuple[str, str], ...] | None:
    """(name, expression) of every CHECK in a ``CREATE TABLE`` text, in order (an
    unnamed one is named by where it starts); None if the text holds something this
    reader does not follow (a comment, an unclosed quote), so no rule is missed."""
    out: list[tuple[str, str]] = []
    tokens = _SQL_TOKEN.finditer(sql)
    before: list[str] = []  # the two tokens before, for "CONSTRAINT <name> CHECK"
    for t in tokens:
        tok = t.group()
        if _unreadable(tok):
            return None
        if tok.upper() != "CHECK":
            before = [*before[-1:], tok]
            continue
        opening = next(tokens, None)
        if opening is None or opening.group() != "(":
            return None
        depth = 1
        for t2 in tokens:
            tok2 = t2.group()
            if _unreadable(tok2):
                return None
            depth += {"(": 1, ")": -1}.get(tok2, 0)
            if depth == 0:
                break
        else:
            return None  # never closed
        expr = sql[opening.end() : t2.start()]
        named = len(before) == 2 and before[0].upper() == "CONSTRAINT"
        name = before[1] if named else f"CHECK at {opening.end()}"
        if named and name[0] in '"`[':
            name = name[1:-1]
        out.append((name, expr))
        before = []
    return tuple(out)


def _bulk_checks(conn) -> dict[str, tuple[tuple[str, str], ...]] | None:
    """Table -> its CHECK rules, as the file declares them; None if any table's SQL
    cannot be read with certainty (its rules then stay on for every row)."""
    found: dict[str, tuple[tuple[str, str], ...]] = {}
    for name, sql in conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type='table' AND sql IS NOT NULL"
    ):
        checks = table_checks(sql)
        if checks is None:
            return None
        if checks:
            found[name] = checks
    return found


def _first_broken_check(conn, checks: dict[str, tuple[tuple[str, str], ...]]) -> str | None:
    """The name of a CHECK that some row breaks, else None. A row breaks a CHECK
    when its expression is false (NULL passes), which is when NOT (it) is true."""
    for table, rules in checks.items():
        anywhere = " OR ".join(f"NOT ({expr})" for _name, expr in rules)
        if conn.exec_driver_sql(f'SELECT 1 FROM "{table}" WHERE {anywhere} LIMIT 1').first():
            for name, expr in rules:
                if conn.exec_driver_sql(
                    f'SELECT 1 FROM "{table}" WHERE NOT ({expr}) LIMIT 1'
                ).first():
                    return name
    return None
