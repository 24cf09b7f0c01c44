"""Plain-language explanations of the medical words the app shows, kept in one place.

Every tooltip, the "What do these words mean?" window and the Overview use
:func:`explain`, so a word is explained the same way everywhere. One sentence
each, written for a person who is not a doctor.
"""

from __future__ import annotations

GLOSSARY: dict[str, str] = {
    "M-spike": "The amount of the abnormal myeloma protein in the blood, measured by "
    "electrophoresis (SPEP); falling means the treatment works.",
    "M-protein": "The abnormal antibody made by myeloma cells; its amount in blood or urine "
    "shows how active the myeloma is.",
    "FLC": "Free light chains: small pieces of antibody (kappa and lambda) in the blood; "
    "myeloma often makes too much of one kind.",
    "FLC ratio": "Kappa divided by lambda free light chains; far from normal (0.26-1.65) "
    "suggests active myeloma.",
    "dFLC": "The difference between the involved and the uninvolved free light chain.",
    "immunofixation": "A sensitive test that shows whether any myeloma protein is left, even "
    "when too little to measure.",
    "sCR": "Stringent complete response: complete response plus a normal light-chain ratio "
    "and no myeloma cells seen in the marrow.",
    "CR": "Complete response: no myeloma protein found by the sensitive tests and under 5% "
    "plasma cells in the bone marrow.",
    "VGPR": "Very good partial response: the myeloma protein fell by at least 90%.",
    "PR": "Partial response: the myeloma protein fell by at least half.",
    "MR": "Minimal response: the myeloma protein fell by a quarter to a half.",
    "SD": "Stable disease: neither better nor worse enough to count as a response or progression.",
    "PD": "Progressive disease: the myeloma grew again by an agreed amount.",
    "MRD": "Minimal residual disease: a very sensitive marrow test for a few myeloma cells "
    "left among a hundred thousand or a million cells.",
    "refractory": "The myeloma did not respond to a drug, or grew while on it or within "
    "60 days of the last dose.",
    "exposed": "The person has had at least one dose of the drug or drug class.",
    "triple-class refractory": "Refractory to at least one drug of each of the three main "
    "classes: immunomodulatory drug, proteasome inhibitor and anti-CD38 antibody.",
    "line of therapy": "One planned course of treatment, which may include several regimens "
    "and a transplant; a new line starts when the plan changes because of progression or "
    "side effects.",
    "regimen": "A combination of drugs given together on a schedule, often named by "
    "initials such as VRd.",
    "relapse": "The myeloma coming back after a response.",
    "progression": "The myeloma growing again, by the agreed IMWG measure.",
    "ECOG": "A 0-4 score of how much the illness limits daily life; 0 is fully active, "
    "4 is in bed all day.",
    "CTCAE": "The common scale doctors use to grade side effects from 1 (mild) to 5 (death).",
    "grade": "How severe a side effect is, from 1 (mild) to 4 (life-threatening).",
    "ASCT": "Autologous stem-cell transplant: high-dose chemotherapy followed by the "
    "person's own stored stem cells.",
    "CAR-T": "A treatment made from the person's own T cells, changed in a laboratory to "
    "attack myeloma cells.",
    "bispecific": "An antibody that holds a T cell and a myeloma cell together so the "
    "T cell can kill it.",
    "CRS": "Cytokine release syndrome: fever and low blood pressure when the immune "
    "system is strongly switched on, common after CAR-T or bispecifics.",
    "ICANS": "Confusion or other nerve effects after CAR-T or bispecific antibodies.",
    "washout": "The time since the last dose of a drug; trials often require a minimum "
    "gap before starting.",
    "maintenance": "Lower-intensity treatment given for a long time to keep a response.",
    "induction": "The first, more intensive treatment meant to bring the myeloma down.",
    "ISS": "International Staging System: stage I to III from beta-2 microglobulin and "
    "albumin at diagnosis.",
    "R-ISS": "Revised ISS: adds high-risk genetic changes and LDH to the ISS.",
    "B2M": "Beta-2 microglobulin: a blood protein that is higher when there is more "
    "myeloma or weaker kidneys.",
    "ANC": "Absolute neutrophil count: the infection-fighting white cells.",
    "override": "Your correction of something the app computed; it is shown as a "
    "correction everywhere, including exports.",
    "partial date": "A date you remember only roughly, such as '2019' or 'about spring "
    "2019'; the app keeps it as you wrote it.",
    "expanded access": "Getting an unapproved drug outside a clinical trial, by special "
    "permission.",
}

_LOWER = {k.lower(): k for k in GLOSSARY}


def explain(term: str) -> str:
    """The one-sentence explanation of ``term`` (case-insensitive), or ``""``."""
    key = _LOWER.get((term or "").strip().lower())
    return GLOSSARY[key] if key else ""


def tip(label: str, *terms: str) -> str:
    """Tooltip text: ``label`` followed by the explanation of each glossary term."""
    parts = [label] if label else []
    parts += [f"{t}: {explain(t)}" for t in terms if explain(t)]
    return "\n".join(parts)


def glossary_html() -> str:
    rows = "".join(
        f"<dt><b>{term}</b></dt><dd>{text}</dd>"
        for term, text in sorted(GLOSSARY.items(), key=lambda kv: kv[0].lower())
    )
    return f"<dl>{rows}</dl>"
