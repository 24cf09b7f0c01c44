"""Measurable disease (IMWG 2016 and the thresholds trials use), and the
disease-marker readings the response rules work from.

A "parameter" is one way of following the disease: ``serum`` (SPEP M-spike,
g/dL), ``urine`` (24-hour urine M-protein, mg/24h), ``flc`` (involved free
light chain and the kappa/lambda ratio; the difference ``dFLC`` is followed)
and ``bmpc`` (bone-marrow plasma cells, "evaluable" only). Which parameters
are followed decides how response is judged (rules doc section 3.1):
serum and urine both when both are measurable; FLC only when neither is;
BMPC only when nothing else is.
"""

from __future__ import annotations

import bisect
import datetime as dt
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from journal.domain.dates import PartialDate, day_text
from journal.domain.frozen import slot_init
from journal.domain.records import History, LabRec, labs_of_test_in_order
from journal.domain.trace import APP_CONVENTION, IMWG_RESPONSE_2016, Source, Trace

# Normal serum kappa/lambda ratio (rules doc 3.1; DREAMM-8, isatuximab SC trial).
RATIO_LOW = 0.26
RATIO_HIGH = 1.65

# How far back a reading may be and still count as "the value before the line
# started" or "the current value". Not from IMWG: an app convention, overridable
# by passing another window.
LOOKBACK_DAYS = 90

_EPS = 1e-9

TRIAL_SOURCE = Source(
    "Trial eligibility thresholds (CARTITUDE-4, MajesTEC-3/-9, DREAMM-8, IKEMA, CANDOR, "
    "ECOG-ACRIN-style text)",
    None,
    "3.1, 6.2",
)

PARAM_LABELS = {
    "serum": "serum M-protein",
    "urine": "24-hour urine M-protein",
    "flc": "free light chains",
    "bmpc": "bone-marrow plasma cells",
}


def ge(a: float, b: float) -> bool:
    """a >= b, robust to unit-conversion rounding (g/L * 0.1 vs g/dL)."""
    return a >= b - _EPS * max(1.0, abs(b))


def gt(a: float, b: float) -> bool:
    return a > b + _EPS * max(1.0, abs(b))


def day(d: PartialDate) -> dt.date:
    return d.as_date()


def fmt(v: float | None, unit: str = "") -> str:
    if v is None:
        return "—"
    text = f"{v:.2f}".rstrip("0").rstrip(".") if abs(v) < 100 else f"{v:.0f}"
    return f"{text} {unit}".strip()


# --------------------------------------------------------------------------- variants
@dataclass(frozen=True)
class MeasurableVariant:
    name: str
    description: str
    serum_threshold: Callable[[str], float]  # heavy chain -> g/dL
    urine_threshold: float = 200.0  # mg/24h
    flc_threshold: float = 100.0  # involved FLC, mg/L
    flc_allowed: bool = True
    source: Source = IMWG_RESPONSE_2016
    unconfirmed: bool = False


def _fixed(v: float) -> Callable[[str], float]:
    return lambda _heavy: v


def _candor(heavy: str) -> float:
    return 0.5 if heavy in ("IgA", "IgD", "IgE") else 1.0


def _ecog_acrin(heavy: str) -> float:
    return 0.5 if heavy in ("IgA", "IgM") else 1.0


MEASURABLE_VARIANTS: dict[str, MeasurableVariant] = {
    v.name: v
    for v in [
        MeasurableVariant(
            "imwg",
            "IMWG: serum ≥ 1.0 g/dL, urine ≥ 200 mg/24h, or involved FLC ≥ 100 mg/L "
            "with an abnormal ratio",
            _fixed(1.0),
        ),
        MeasurableVariant(
            "serum_0_5",
            "Many relapsed-myeloma trials (CARTITUDE-4, MajesTEC-3/-9, DREAMM-8): serum "
            "≥ 0.5 g/dL, urine ≥ 200 mg/24h, or involved FLC ≥ 100 mg/L with an abnormal ratio",
            _fixed(0.5),
            source=TRIAL_SOURCE,
        ),
        MeasurableVariant(
            "candor",
            "CANDOR: serum IgG ≥ 1.0 g/dL, IgA/IgD/IgE ≥ 0.5 g/dL, urine ≥ 200 mg/24h, "
            "or involved FLC ≥ 100 mg/L with an abnormal ratio",
            _candor,
            source=TRIAL_SOURCE,
        ),
        MeasurableVariant(
            "ecog_acrin",
            "ECOG-ACRIN style: serum ≥ 1.0 g/dL (≥ 0.5 for IgA or IgM), urine ≥ 200 mg/24h, "
            "or involved FLC ≥ 100 mg/L with an abnormal ratio",
            _ecog_acrin,
            source=TRIAL_SOURCE,
        ),
        MeasurableVariant(
            "ikema",
            "IKEMA: serum ≥ 0.5 g/dL or urine ≥ 200 mg/24h; disease followed only by free "
            "light chains does not count",
            _fixed(0.5),
            flc_allowed=False,
            source=TRIAL_SOURCE,
        ),
    ]
}


def get_variant(name: str) -> MeasurableVariant:
    try:
        return MEASURABLE_VARIANTS[name]
    except KeyError:
        known = ", ".join(MEASURABLE_VARIANTS)
        raise ValueError(f"unknown measurable-disease rule {name!r}; use one of {known}") from None


# --------------------------------------------------------------------------- readings
@slot_init
@dataclass(frozen=True, slots=True)
class Reading:
    """One value of one parameter on one day, with the lab rows behind it."""

    parameter: str  # serum | urine | flc | bmpc
    date: dt.date
    value: float  # serum g/dL, urine mg/24h, flc = dFLC mg/L, bmpc %
    refs: tuple[str, ...]
    involved: float | None = None  # flc only: involved FLC, mg/L
    ratio: float | None = None  # flc only
    involved_chain: str | None = None  # flc only: kappa | lambda


@dataclass(frozen=True)
class MarkerSeries:
    """All disease-marker readings of a history, sorted by day (input order never matters)."""

    serum: tuple[Reading, ...] = ()
    urine: tuple[Reading, ...] = ()
    flc: tuple[Reading, ...] = ()
    bmpc: tuple[Reading, ...] = ()
    ratio: tuple[Reading, ...] = ()  # every kappa/lambda ratio, value = ratio
    serum_ife: tuple[tuple[dt.date, str, str], ...] = ()  # (day, "positive"/..., ref)
    urine_ife: tuple[tuple[dt.date, str, str], ...] = ()
    clonality: tuple[tuple[dt.date, str, str], ...] = ()

    def of(self, parameter: str) -> tuple[Reading, ...]:
        return getattr(self, parameter)

    def dates(self) -> list[dt.date]:
        days = {r.date for p in ("serum", "urine", "flc", "bmpc") for r in self.of(p)}
        days |= {d for d, _, _ in self.serum_ife + self.urine_ife}
        return sorted(days)


def _light_chain_at(history: History, when: dt.date | None) -> str:
    return _light_chain_from(_isotypes_in_order(history), history, when)


def _isotypes_in_order(history: History) -> list:
    return sorted(history.isotypes, key=lambda i: (i.date.sort_key(), i.ref))


def _light_chain_from(isotypes: list, history: History, when: dt.date | None) -> str:
    """:func:`_light_chain_at` with the isotypes already in order (sorted once, not for
    every day with free light chains)."""
    chain = "unknown"
    if history.diagnosis is not None:
        chain = history.diagnosis.light_chain
    for iso in isotypes:
        if (when is None or day(iso.date) <= when) and iso.light_chain in ("kappa", "lambda"):
            chain = iso.light_chain
    return chain


def heavy_chain_at(history: History, when: dt.date | None) -> str:
    heavy = history.diagnosis.heavy_chain if history.diagnosis is not None else "unknown"
    for iso in sorted(history.isotypes, key=lambda i: (i.date.sort_key(), i.ref)):
        if when is None or day(iso.date) <= when:
            heavy = iso.heavy_chain
    return heavy


#: The tests marker_series reads (blood counts and chemistry are most of a history's labs).
_MARKER_TESTS = frozenset(
    {
        "m_protein",
        "urine_m_protein",
        "flc_kappa",
        "flc_lambda",
        "flc_ratio",
        "bmpc",
        "serum_ife",
        "urine_ife",
        "bm_clonality",
    }
)


def marker_series(history: History) -> MarkerSeries:
    """Collect the disease markers from the entered labs, one reading per parameter and day.

    When the same test was entered twice on one day the later-entered row (higher id) wins.
    Free light chains: kappa and lambda of the same day are paired; the involved chain is the
    light chain of the isotype when known, otherwise the one the ratio points to.
    """
    by_test: dict[str, dict[dt.date, LabRec]] = {}
    # Each test's results by (date, id): the later of a day overwrites the earlier.
    for test in _MARKER_TESTS:
        rows = by_test[test] = {}
        for lab in labs_of_test_in_order(history.labs, test):
            if lab.value is not None or lab.text_value is not None:
                rows[lab.date.as_date()] = lab

    def simple(test: str, param: str) -> tuple[Reading, ...]:
        rows = by_test.get(test, {})
        return tuple(
            Reading(param, d, float(r.value), (r.ref,))
            for d, r in sorted(rows.items())
            if r.value is not None
        )

    def qual(test: str) -> tuple[tuple[dt.date, str, str], ...]:
        rows = by_test.get(test, {})
        out = []
        for d, r in sorted(rows.items()):
            text = (r.text_value or "").strip().lower()
            if text:
                out.append((d, text, r.ref))
        return tuple(out)

    kappa = by_test.get("flc_kappa", {})
    lam = by_test.get("flc_lambda", {})
    ratio_rows = by_test.get("flc_ratio", {})
    flc: list[Reading] = []
    ratios: list[Reading] = []
    isotypes = _isotypes_in_order(history)
    for d in sorted(set(kappa) | set(lam) | set(ratio_rows)):
        k, la, rr = kappa.get(d), lam.get(d), ratio_rows.get(d)
        kv = k.value if k is not None else None
        lv = la.value if la is not None else None
        ratio = rr.value if rr is not None and rr.value is not None else None
        refs = tuple([x.ref for x in (k, la, rr) if x is not None])
        if ratio is None and kv is not None and lv:
            ratio = kv / lv
        if ratio is not None:
            ratios.append(Reading("ratio", d, ratio, refs))
        if kv is None or lv is None:
            continue
        chain = _light_chain_from(isotypes, history, d)
        if chain not in ("kappa", "lambda"):
            if ratio is not None and gt(ratio, RATIO_HIGH):
                chain = "kappa"
            elif ratio is not None and ratio < RATIO_LOW:
                chain = "lambda"
            else:
                chain = "kappa" if kv >= lv else "lambda"
        inv, uninv = (kv, lv) if chain == "kappa" else (lv, kv)
        flc.append(Reading("flc", d, inv - uninv, refs, inv, ratio, chain))

    return MarkerSeries(
        serum=simple("m_protein", "serum"),
        urine=simple("urine_m_protein", "urine"),
        flc=tuple(flc),
        bmpc=simple("bmpc", "bmpc"),
        ratio=tuple(ratios),
        serum_ife=qual("serum_ife"),
        urine_ife=qual("urine_ife"),
        clonality=qual("bm_clonality"),
    )


def latest_before(
    readings: Iterable[Reading], when: dt.date, lookback_days: int | None = LOOKBACK_DAYS
) -> Reading | None:
    """The last reading on or before ``when`` (and not older than the look-back window).

    Readings are in date order. A sequence is binary-searched: this is asked for every
    line start and every rule variant, and a scan made long histories quadratic."""
    if isinstance(readings, Sequence):
        i = bisect.bisect_right(readings, when, key=_reading_date)
        if not i:
            return None
        r = readings[i - 1]
        # Older readings are older still, so only the last one can fall in the window.
        if lookback_days is None or (when - r.date).days <= lookback_days:
            return r
        return None
    found = None
    for r in readings:
        if r.date > when:
            break
        if lookback_days is None or (when - r.date).days <= lookback_days:
            found = r
    return found


_reading_date: Callable[[Reading], dt.date] = operator.attrgetter("date")  # in C: a search key


def ratio_abnormal(ratio: float | None) -> bool | None:
    if ratio is None:
        return None
    return ratio < RATIO_LOW or gt(ratio, RATIO_HIGH)


# --------------------------------------------------------------------------- measurable
@slot_init
@dataclass(frozen=True, slots=True)
class ParameterStatus:
    parameter: str
    value: float | None
    date: dt.date | None
    threshold: float | None
    measurable: bool
    refs: tuple[str, ...] = ()
    note: str = ""

    def to_json(self) -> dict:
        return {
            "parameter": self.parameter,
            "value": None if self.value is None else round(self.value, 6),
            "date": self.date.isoformat() if self.date else None,
            "threshold": self.threshold,
            "measurable": self.measurable,
            "records": list(self.refs),
            "note": self.note,
        }


@slot_init
@dataclass(frozen=True, slots=True)
class MeasurableStatus:
    variant: str
    at: dt.date
    heavy_chain: str
    parameters: dict[str, ParameterStatus]
    followed: tuple[str, ...]  # parameters that drive response, in rule order
    kind: str  # "serum and urine" | "serum" | "urine" | "FLC only" | "BMPC only" | "none"
    measurable: bool
    flc_only: bool
    trace: Trace
    baseline: dict[str, Reading] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "variant": self.variant,
            "as_of": self.at.isoformat(),
            "heavy_chain": self.heavy_chain,
            "measurable": self.measurable,
            "kind": self.kind,
            "flc_only": self.flc_only,
            "followed": list(self.followed),
            "parameters": {k: v.to_json() for k, v in self.parameters.items()},
            "computed": True,
            "overridden": bool(self.trace.overridden_by),
            "trace": self.trace.to_json(),
        }


def measurable_disease(
    history: History,
    at: PartialDate | dt.date,
    *,
    variant: str = "imwg",
    lookback_days: int = LOOKBACK_DAYS,
    series: MarkerSeries | None = None,
) -> MeasurableStatus:
    """Is the disease measurable at ``at`` (the last readings on or before it), and by what?

    Uses the last value of each parameter on or before ``at`` within ``lookback_days``.
    """
    rule = get_variant(variant)
    when = at if isinstance(at, dt.date) else day(at)
    series = series or marker_series(history)
    heavy = heavy_chain_at(history, when)
    serum = latest_before(series.serum, when, lookback_days)
    urine = latest_before(series.urine, when, lookback_days)
    flc = latest_before(series.flc, when, lookback_days)
    bmpc = latest_before(series.bmpc, when, None)
    serum_t = rule.serum_threshold(heavy)

    params: dict[str, ParameterStatus] = {}
    params["serum"] = ParameterStatus(
        "serum",
        serum.value if serum else None,
        serum.date if serum else None,
        serum_t,
        bool(serum and ge(serum.value, serum_t)),
        serum.refs if serum else (),
    )
    params["urine"] = ParameterStatus(
        "urine",
        urine.value if urine else None,
        urine.date if urine else None,
        rule.urine_threshold,
        bool(urine and ge(urine.value, rule.urine_threshold)),
        urine.refs if urine else (),
    )
    sp_measurable = params["serum"].measurable or params["urine"].measurable
    flc_meas = bool(
        flc
        and flc.involved is not None
        and ge(flc.involved, rule.flc_threshold)
        and ratio_abnormal(flc.ratio)
    )
    note = ""
    if flc is not None:
        note = (
            f"involved {flc.involved_chain} {fmt(flc.involved, 'mg/L')}, "
            f"ratio {fmt(flc.ratio)}, dFLC {fmt(flc.value, 'mg/L')}"
        )
        if not rule.flc_allowed:
            note += "; this rule does not accept disease followed by free light chains only"
        elif sp_measurable:
            note += "; not used because serum or urine is measurable"
    params["flc"] = ParameterStatus(
        "flc",
        flc.involved if flc else None,
        flc.date if flc else None,
        rule.flc_threshold,
        flc_meas and rule.flc_allowed and not sp_measurable,
        flc.refs if flc else (),
        note,
    )
    params["bmpc"] = ParameterStatus(
        "bmpc",
        bmpc.value if bmpc else None,
        bmpc.date if bmpc else None,
        30.0,
        False,
        bmpc.refs if bmpc else (),
        "evaluable only; ≥ 30% lets a ≥ 50% fall count as partial response",
    )

    followed: tuple[str, ...]
    if sp_measurable:
        followed = tuple(p for p in ("serum", "urine") if params[p].measurable)
        kind = "serum and urine" if len(followed) == 2 else followed[0]
    elif params["flc"].measurable:
        followed, kind = ("flc",), "FLC only"
    elif bmpc is not None:
        followed, kind = ("bmpc",), "BMPC only"
    else:
        followed, kind = (), "none"
    measurable = sp_measurable or params["flc"].measurable
    baseline = {
        p: r
        for p, r in (("serum", serum), ("urine", urine), ("flc", flc), ("bmpc", bmpc))
        if r is not None
    }

    parts = []
    for p in ("serum", "urine"):
        st = params[p]
        unit = "g/dL" if p == "serum" else "mg/24h"
        if st.value is None or st.date is None:  # a value always comes with its date
            parts.append(f"no {PARAM_LABELS[p]} in the {lookback_days} days before")
        else:
            verdict = "at or above" if st.measurable else "below"
            parts.append(
                f"{PARAM_LABELS[p]} {fmt(st.value, unit)} on {day_text(st.date)} "
                f"({verdict} the {fmt(st.threshold, unit)} threshold)"
            )
    if flc is not None:
        parts.append("free light chains: " + note)
    if measurable:
        head = f"Measurable disease by {rule.name} rule ({kind})"
    elif followed == ("bmpc",):
        head = "Not measurable; only bone-marrow plasma cells can be followed"
    else:
        head = "Not measurable by the " + rule.name + " rule"
    trace = Trace(
        rule=f"measurable.{rule.name}",
        explanation=f"{head}: " + "; ".join(parts) + ".",
        source=rule.source,
        records=tuple(ref for st in params.values() for ref in st.refs),
        unconfirmed=rule.unconfirmed,
    )
    return MeasurableStatus(
        rule.name,
        when,
        heavy,
        params,
        followed,
        kind,
        measurable,
        followed == ("flc",),
        trace,
        baseline,
    )


def is_measurable(
    history: History,
    at: dt.date,
    *,
    variant: str,
    lookback_days: int = LOOKBACK_DAYS,
    series: MarkerSeries,
) -> bool:
    """``measurable_disease(...).measurable``, without the parameters and the explanation
    (asked for every other rule variant at each line with nothing followed, where only
    the yes/no is used). tests/domain/test_measurable.py compares the two."""
    rule = get_variant(variant)
    serum = latest_before(series.serum, at, lookback_days)
    if serum is not None and ge(serum.value, rule.serum_threshold(heavy_chain_at(history, at))):
        return True
    urine = latest_before(series.urine, at, lookback_days)
    if urine is not None and ge(urine.value, rule.urine_threshold):
        return True
    flc = latest_before(series.flc, at, lookback_days)
    return bool(
        rule.flc_allowed
        and flc
        and flc.involved is not None
        and ge(flc.involved, rule.flc_threshold)
        and ratio_abnormal(flc.ratio)
    )


def measurable_all_variants(
    history: History, at: PartialDate | dt.date, *, series: MarkerSeries | None = None
) -> dict[str, MeasurableStatus]:
    series = series or marker_series(history)
    return {
        name: measurable_disease(history, at, variant=name, series=series)
        for name in MEASURABLE_VARIANTS
    }


__all__ = [
    "APP_CONVENTION",
    "LOOKBACK_DAYS",
    "MEASURABLE_VARIANTS",
    "RATIO_HIGH",
    "RATIO_LOW",
    "MarkerSeries",
    "MeasurableStatus",
    "MeasurableVariant",
    "ParameterStatus",
    "Reading",
    "get_variant",
    "heavy_chain_at",
    "is_measurable",
    "latest_before",
    "marker_series",
    "measurable_all_variants",
    "measurable_disease",
]
