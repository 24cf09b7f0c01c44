"""Washout arithmetic: days since the last dose of each drug, class and event.

Trials state washouts in many ways ("within 14 days", "at least 30 days",
counted to screening or to the first study dose), so the app never says
"eligible": it gives the number of days since each event as of a chosen date
and lets the person read it against the protocol (rules doc section 6.2).

Dates can be partial ("May 2022"): the day count then uses the middle of the
span and also gives the shortest and longest possible count.
A drug still being taken shows "ongoing", never a number.

Lab values are flagged as *supported* when a transfusion or growth factor
given shortly before could have raised them (app convention, from trial text
in rules doc 6.1/6.2, marked unconfirmed):

* haemoglobin within 7 days after a red-cell transfusion;
* platelets within 7 days after a platelet transfusion;
* neutrophils (ANC) or white cells within 7 days of filgrastim-type G-CSF, 14 days of
  pegfilgrastim (long-acting);
* any lab whose context was entered as transfusion- or G-CSF-supported.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from journal.domain.catalog import Drug, get_catalog
from journal.domain.dates import PartialDate, day_text_padded
from journal.domain.event_dates import procedure_date_as_of
from journal.domain.records import History, labs_in_order
from journal.domain.trace import APP_CONVENTION, Source, Trace
from journal.domain.vocab import LabContext, ProcedureKind

WASHOUT_SOURCE = Source(
    "Trial washout criteria (DREAMM-8, IKEMA, MajesTEC-1, CAR-T trials)", None, "6.1, 6.2"
)
SUPPORT_SOURCE = Source(
    "Trial laboratory criteria without recent support (CARTITUDE-4, elranatamab MRD trial)",
    None,
    "6.1, 6.2",
)

TRANSFUSION_WINDOW_DAYS = 7
GCSF_WINDOW_DAYS = 7
LONG_ACTING_GCSF_WINDOW_DAYS = 14
LONG_ACTING_GCSF = frozenset({"pegfilgrastim", "lipegfilgrastim", "eflapegrastim"})
PREPARING_ROLES = frozenset({"conditioning", "lymphodepletion", "mobilisation"})
ANTIBODY_MODALITIES = frozenset({"mAb", "ADC", "bispecific"})

PROCEDURE_WASHOUTS: dict[str, ProcedureKind] = {
    "auto_sct": ProcedureKind.AUTO_SCT,
    "allo_sct": ProcedureKind.ALLO_SCT,
    "car_t": ProcedureKind.CAR_T,
    "leukapheresis": ProcedureKind.LEUKAPHERESIS,
    "plasmapheresis": ProcedureKind.PLASMAPHERESIS,
    "rbc_transfusion": ProcedureKind.TRANSFUSION_RBC,
    "platelet_transfusion": ProcedureKind.TRANSFUSION_PLATELETS,
    "radiotherapy": ProcedureKind.RADIOTHERAPY,
}


@dataclass(frozen=True)
class WashoutItem:
    key: str  # drug id, class id, "any_mab", procedure key...
    label: str  # plain words
    kind: str  # drug | class | group | procedure
    last: PartialDate | None  # last dose / event date (None when ongoing or never)
    ongoing: bool
    days_since: int | None
    days_range: tuple[int, int] | None  # shortest, longest possible count (partial dates)
    drugs: tuple[str, ...]  # drug names behind a class or group
    trace: Trace

    def display(self) -> str:
        if self.ongoing:
            return "ongoing"
        if self.days_since is None:
            return "never"
        lo, hi = self.days_range or (self.days_since, self.days_since)
        if lo != hi:
            return f"about {self.days_since} days ({lo}–{hi})"
        return f"{self.days_since} days"

    def to_json(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "kind": self.kind,
            "last": self.last.to_iso() if self.last else None,
            "last_display": self.last.display() if self.last else None,
            "ongoing": self.ongoing,
            "days_since": self.days_since,
            "days_range": list(self.days_range) if self.days_range else None,
            "display": self.display(),
            "drugs": list(self.drugs),
            "computed": True,
            "trace": self.trace.to_json(),
        }


@dataclass(frozen=True)
class SupportedLab:
    lab_ref: str
    test: str
    date: PartialDate
    reason: str
    trace: Trace

    def to_json(self) -> dict:
        return {
            "lab": self.lab_ref,
            "test": self.test,
            "date": self.date.to_iso(),
            "reason": self.reason,
            "computed": True,
            "trace": self.trace.to_json(),
        }


@dataclass(frozen=True)
class Washouts:
    as_of: dt.date
    drugs: tuple[WashoutItem, ...]
    classes: tuple[WashoutItem, ...]
    groups: tuple[WashoutItem, ...]  # any anti-myeloma therapy, any antibody, any steroid
    procedures: tuple[WashoutItem, ...]
    supported_labs: tuple[SupportedLab, ...]

    def get(self, key: str) -> WashoutItem | None:
        for item in self.drugs + self.classes + self.groups + self.procedures:
            if item.key == key:
                return item
        return None

    def is_supported(self, lab_ref: str) -> SupportedLab | None:
        return next((s for s in self.supported_labs if s.lab_ref == lab_ref), None)

    def to_json(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(),
            "drugs": [i.to_json() for i in self.drugs],
            "classes": [i.to_json() for i in self.classes],
            "groups": [i.to_json() for i in self.groups],
            "procedures": [i.to_json() for i in self.procedures],
            "supported_labs": [s.to_json() for s in self.supported_labs],
        }


@dataclass(frozen=True)
class _Dose:
    drug_key: str
    name: str
    drug: Drug | None
    role: str
    start: PartialDate | None
    last: PartialDate | None  # None = ongoing
    ref: str


def _doses(history: History, when: dt.date) -> list[_Dose]:
    cat = get_catalog()
    out = []
    for reg in history.regimens:
        for i, d in enumerate(reg.drugs):
            start = d.start or reg.start
            if start is not None and start.earliest() > when:
                continue  # not yet started on the as-of date
            drug = cat.get(d.drug_id) if d.drug_id else cat.identify(d.name)
            last = d.last_dose
            if last is not None and last.earliest() > when:
                last = None  # still being taken on the as-of date
            out.append(
                _Dose(
                    drug.id if drug else d.name.strip().lower(),
                    drug.generic if drug else d.name,
                    drug,
                    d.role,
                    start,
                    last,
                    d.ref or f"{reg.ref}:drug:{i + 1}",
                )
            )
    return out


def _item(key, label, kind, doses: list[_Dose], when: dt.date, source: Source) -> WashoutItem:
    names = tuple(sorted({d.name for d in doses}))
    refs = tuple(sorted({d.ref for d in doses}))
    ongoing = [d for d in doses if d.last is None]
    if ongoing:
        return WashoutItem(
            key,
            label,
            kind,
            None,
            True,
            None,
            None,
            names,
            Trace(
                f"washout.{kind}",
                f"{label}: still being taken on {day_text_padded(when)} "
                f"({', '.join(sorted({d.name for d in ongoing}))}), so no washout has started.",
                source,
                refs,
            ),
        )
    last = max((d.last for d in doses if d.last), key=lambda p: (p.latest(), p.sort_key()))
    return _dated_item(key, label, kind, last, when, names, refs, source, "last dose")


def _dated_item(key, label, kind, last, when, names, refs, source, what) -> WashoutItem:
    days = (when - last.as_date()).days
    lo, hi = (when - last.latest()).days, (when - last.earliest()).days
    rng = (lo, hi) if lo != hi else None
    span = f" (between {lo} and {hi} days, as the date is {last.display()})" if rng else ""
    return WashoutItem(
        key,
        label,
        kind,
        last,
        False,
        days,
        rng,
        names,
        Trace(
            f"washout.{kind}",
            f"{label}: {what} {last.display()}, {days} days before {day_text_padded(when)}{span}.",
            source,
            refs,
            flags=("partial date",) if rng else (),
        ),
    )


def compute_washouts(history: History, *, as_of: PartialDate | dt.date | None = None) -> Washouts:
    """Days since the last dose of each drug, class, antibody, steroid and procedure."""
    when = (
        dt.date.today()
        if as_of is None
        else (as_of if isinstance(as_of, dt.date) else as_of.as_date())
    )
    doses = _doses(history, when)
    anti = [d for d in doses if d.role == "anti-myeloma" and not (d.drug and d.drug.supportive)]
    # Chemotherapy given to prepare a transplant or CAR-T (conditioning, lymphodepletion,
    # mobilisation) is a dose of that drug and of its class: a trial's "no alkylator within
    # 14 days" counts it, so it has its row. The "any myeloma treatment" group stays
    # anti-myeloma only.
    given = anti + [
        d
        for d in doses
        if d.role in PREPARING_ROLES and d.drug is not None and not d.drug.supportive
    ]

    by_drug: dict[str, list[_Dose]] = {}
    for d in given:
        by_drug.setdefault(d.drug_key, []).append(d)
    drugs = tuple(
        _item(k, v[0].name, "drug", v, when, WASHOUT_SOURCE) for k, v in sorted(by_drug.items())
    )

    by_class: dict[str, list[_Dose]] = {}
    class_labels: dict[str, str] = {}
    for d in given:
        if d.drug is not None:
            by_class.setdefault(d.drug.drug_class, []).append(d)
            class_labels[d.drug.drug_class] = d.drug.class_label
    classes = tuple(
        _item(k, class_labels[k], "class", v, when, WASHOUT_SOURCE)
        for k, v in sorted(by_class.items())
    )

    groups = []
    if anti:
        groups.append(
            _item("any_anti_myeloma", "Any myeloma treatment", "group", anti, when, WASHOUT_SOURCE)
        )
    mabs = [d for d in anti if d.drug and d.drug.modality in ANTIBODY_MODALITIES]
    if mabs:
        groups.append(
            _item(
                "any_mab",
                "Any antibody-based myeloma drug (monoclonal antibody, bispecific or "
                "antibody-drug conjugate)",
                "group",
                mabs,
                when,
                WASHOUT_SOURCE,
            )
        )
    # Steroids count in any role (premedication too): trials exclude recent glucocorticoids.
    steroids = [d for d in doses if d.drug and d.drug.drug_class == "steroid"]
    if steroids:
        groups.append(
            _item(
                "any_steroid",
                "Any steroid (including premedication)",
                "group",
                steroids,
                when,
                WASHOUT_SOURCE,
            )
        )

    procs = []
    for key, kind in PROCEDURE_WASHOUTS.items():
        found = [p for p in history.procedures if p.kind == kind and p.date.earliest() <= when]
        if not found:
            continue
        # One date per event (journal.domain.event_dates): a transplant counts from day 0,
        # a course of sessions from its last day.
        last_p = max(found, key=lambda p: (procedure_date_as_of(p, when).latest(), p.id))
        last = procedure_date_as_of(last_p, when)
        procs.append(
            _dated_item(
                key,
                kind.value,
                "procedure",
                last,
                when,
                (kind.value,),
                tuple(sorted(p.ref for p in found)),
                WASHOUT_SOURCE,
                "last on",
            )
        )

    return Washouts(
        when,
        drugs,
        classes,
        tuple(groups),
        tuple(procs),
        supported_labs(history, as_of=when),
    )


def _gcsf_periods(history: History) -> list[tuple[dt.date, dt.date | None, str, int, str]]:
    """(start, end or None, name, window days, ref) for every G-CSF course."""
    cat = get_catalog()
    out = []

    def window(drug: Drug | None, name: str) -> int:
        key = drug.id if drug else name.lower()
        return LONG_ACTING_GCSF_WINDOW_DAYS if key in LONG_ACTING_GCSF else GCSF_WINDOW_DAYS

    for s in history.supportive:
        drug = cat.get(s.drug_id) if s.drug_id else cat.identify(s.name)
        if drug is None or drug.drug_class != "G-CSF" or s.start is None:
            continue
        out.append(
            (
                s.start.earliest(),
                s.end.latest() if s.end else None,
                drug.generic,
                window(drug, s.name),
                s.ref,
            )
        )
    for reg in history.regimens:
        for i, d in enumerate(reg.drugs):
            drug = cat.get(d.drug_id) if d.drug_id else cat.identify(d.name)
            start = d.start or reg.start
            if drug is None or drug.drug_class != "G-CSF" or start is None:
                continue
            out.append(
                (
                    start.earliest(),
                    d.last_dose.latest() if d.last_dose else None,
                    drug.generic,
                    window(drug, d.name),
                    d.ref or f"{reg.ref}:drug:{i + 1}",
                )
            )
    return out


#: The tests a transfusion (hb, platelets) or a growth factor (anc, wbc) can raise.
_SUPPORTED_TESTS = frozenset({"hb", "platelets", "anc", "wbc"})


def supported_labs(
    history: History, *, as_of: PartialDate | dt.date | None = None
) -> tuple[SupportedLab, ...]:
    """Lab values a transfusion or growth factor shortly before may have raised."""
    when = None if as_of is None else (as_of if isinstance(as_of, dt.date) else as_of.as_date())
    rbc = [p for p in history.procedures if p.kind == ProcedureKind.TRANSFUSION_RBC]
    plt = [p for p in history.procedures if p.kind == ProcedureKind.TRANSFUSION_PLATELETS]
    gcsf = _gcsf_periods(history)
    out = []
    supportable = (LabContext.TRANSFUSION_SUPPORTED, LabContext.GCSF_SUPPORTED)
    for lab in labs_in_order(history.labs):
        if lab.context not in supportable and lab.test not in _SUPPORTED_TESTS:
            continue  # no support can explain it (most labs of a long history)
        d = lab.date.as_date()
        if when is not None and d > when:
            continue
        refs: tuple[str, ...]
        reason, refs, unconf = None, (lab.ref,), True
        if lab.context == LabContext.TRANSFUSION_SUPPORTED:
            reason, unconf = "entered as transfusion-supported", False
        elif lab.context == LabContext.GCSF_SUPPORTED:
            reason, unconf = "entered as G-CSF-supported", False
        elif lab.test == "hb" or lab.test == "platelets":
            for p in rbc if lab.test == "hb" else plt:
                gap = (d - p.date.as_date()).days
                if 0 <= gap <= TRANSFUSION_WINDOW_DAYS:
                    reason = f"{p.kind} on {p.date.display()}, {gap} days before"
                    refs += (p.ref,)
                    break
        elif lab.test in ("anc", "wbc"):
            for start, end, name, win, ref in gcsf:
                if start <= d and (end is None or (d - end).days <= win):
                    since = "ongoing" if end is None else f"last given {day_text_padded(end)}"
                    reason = f"{name} ({since}; counts as support for {win} days)"
                    refs += (ref,)
                    break
        if reason:
            out.append(
                SupportedLab(
                    lab.ref,
                    lab.test,
                    lab.date,
                    reason,
                    Trace(
                        "washout.supported_lab",
                        f"{lab.test} on {lab.date.display()} may be supported: {reason}.",
                        SUPPORT_SOURCE if unconf else APP_CONVENTION,
                        refs,
                        unconfirmed=unconf,
                    ),
                )
            )
    return tuple(out)
