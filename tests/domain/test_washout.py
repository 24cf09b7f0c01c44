import dataclasses

from journal.domain.records import LabRec, SupportiveRec
from journal.domain.washout import compute_washouts, supported_labs


def test_days_since_each_drug_class_and_group(hb):
    h = hb.hist(
        regimens=[
            hb.reg(1, "DRd", "2023-01-01", "2023-10-01"),
            hb.reg(2, "Kd", "2023-11-01", "2024-02-15"),
        ]
    )
    w = compute_washouts(h, as_of=hb.d("2024-03-01"))
    assert (
        w.get("daratumumab").days_since
        == (hb.d("2024-03-01").as_date() - hb.d("2023-10-01").as_date()).days
    )
    assert w.get("carfilzomib").days_since == 15
    assert w.get("PI").days_since == 15 and w.get("PI").drugs == ("carfilzomib",)
    assert w.get("anti-CD38").days_since == 152
    assert w.get("any_mab").days_since == 152  # daratumumab is the last antibody
    assert w.get("any_steroid").days_since == 15
    assert w.get("any_anti_myeloma").days_since == 15
    assert "15 days before" in w.get("carfilzomib").trace.explanation


def test_ongoing_drug_shows_ongoing(hb):
    h = hb.hist(regimens=[hb.reg(1, "Rd", "2023-01-01", None)])
    w = compute_washouts(h, as_of=hb.d("2024-03-01"))
    item = w.get("lenalidomide")
    assert item.ongoing and item.days_since is None and item.display() == "ongoing"
    assert w.get("IMiD").ongoing


def test_as_of_before_last_dose_means_ongoing_and_future_drugs_ignored(hb):
    h = hb.hist(
        regimens=[
            hb.reg(1, "Rd", "2023-01-01", "2023-12-01"),
            hb.reg(2, "Kd", "2024-01-01", "2024-02-01"),
        ]
    )
    w = compute_washouts(h, as_of=hb.d("2023-06-01"))
    assert w.get("lenalidomide").ongoing
    assert w.get("carfilzomib") is None


def test_partial_date_gives_range(hb):
    h = hb.hist(regimens=[hb.reg(1, "Rd", "2022-01", "May 2023")])
    item = compute_washouts(h, as_of=hb.d("2023-07-01")).get("lenalidomide")
    assert item.days_range == (31, 61) and item.days_since == 46
    assert "partial date" in item.trace.flags and "(31–61)" in item.display()


def test_supportive_drugs_not_listed_but_steroid_premedication_counts(hb):
    dex = hb.drug("dexamethasone", "2024-01-01", "2024-02-20", role="premedication")
    zol = hb.drug("zoledronic acid", "2024-01-01", "2024-02-25", role="supportive")
    tec = hb.drug("teclistamab", "2024-01-01", "2024-02-10")
    h = hb.hist(regimens=[hb.reg(1, "Tec", "2024-01-01", "2024-02-10", [tec, dex, zol])])
    w = compute_washouts(h, as_of=hb.d("2024-03-01"))
    assert {i.key for i in w.drugs} == {"teclistamab"}
    assert w.get("any_steroid").days_since == 10
    assert w.get("any_mab").days_since == 20


def test_procedures(hb):
    h = hb.hist(
        procedures=[
            hb.proc(1, "auto", "2023-06-01"),
            hb.proc(2, "cart", "2024-01-10"),
            hb.proc(3, "plasmapheresis", "2024-02-25"),
            hb.proc(4, "red-cell transfusion", "2024-02-27"),
            hb.proc(5, "radiotherapy", "2024-01-01", end=hb.d("2024-01-14")),
        ]
    )
    w = compute_washouts(h, as_of=hb.d("2024-03-01"))
    assert w.get("auto_sct").days_since == 274
    assert w.get("car_t").days_since == 51
    assert w.get("plasmapheresis").days_since == 5
    assert w.get("rbc_transfusion").days_since == 3
    assert w.get("radiotherapy").days_since == 47  # counted from the end of the course
    assert w.get("allo_sct") is None


def _lab(i, date, test, value, hb, **kw):
    return LabRec(i, hb.d(date), test, value, **kw)


def test_supported_labs_transfusion_and_gcsf(hb):
    h = hb.hist(
        procedures=[
            hb.proc(1, "red-cell transfusion", "2024-02-01"),
            hb.proc(2, "platelet transfusion", "2024-02-01"),
        ],
        supportive=(
            SupportiveRec(
                1, "filgrastim", "filgrastim", start=hb.d("2024-03-01"), end=hb.d("2024-03-03")
            ),
            SupportiveRec(2, "Neulasta", None, start=hb.d("2024-04-01"), end=hb.d("2024-04-01")),
        ),
    )
    labs = (
        _lab(1, "2024-02-05", "hb", 9.0, hb),  # 4 days after RBC: supported
        _lab(2, "2024-02-12", "hb", 8.5, hb),  # 11 days: not
        _lab(3, "2024-02-08", "platelets", 80, hb),  # 7 days: supported
        _lab(4, "2024-02-05", "platelets", 80, hb, context="none"),
        _lab(5, "2024-03-09", "anc", 1.2, hb),  # 6 days after filgrastim: supported
        _lab(6, "2024-03-12", "anc", 1.2, hb),  # 9 days: not
        _lab(7, "2024-04-13", "anc", 1.5, hb),  # 12 days after pegfilgrastim: supported
        _lab(8, "2024-05-01", "hb", 10.0, hb, context="transfusion-supported"),
    )
    h = dataclasses.replace(h, labs=labs)
    refs = {s.lab_ref for s in supported_labs(h)}
    assert refs == {"lab:1", "lab:3", "lab:4", "lab:5", "lab:7", "lab:8"}
    s5 = compute_washouts(h, as_of=hb.d("2024-06-01")).is_supported("lab:5")
    assert "filgrastim" in s5.reason and s5.trace.unconfirmed
    assert (
        "pegfilgrastim"
        in compute_washouts(h, as_of=hb.d("2024-06-01")).is_supported("lab:7").reason
    )


def test_gcsf_in_regimen_counts(hb):
    g = hb.drug("filgrastim", "2024-03-01", "2024-03-05", role="supportive")
    h = hb.hist(
        regimens=[hb.reg(1, "DT-PACE", "2024-03-01", "2024-03-05", ["dexamethasone", g])],
        labs=(_lab(1, "2024-03-10", "anc", 2.0, hb),),
    )
    assert supported_labs(h)[0].lab_ref == "lab:1"


def test_json(hb):
    import json

    h = hb.hist(regimens=[hb.reg(1, "Rd", "2023-01-01", None)])
    json.dumps(compute_washouts(h, as_of=hb.d("2024-01-01")).to_json())


def test_input_order_never_changes_washouts(hb):
    import random

    regs = [
        hb.reg(1, "DRd", "2023-01-01", "2023-10-01"),
        hb.reg(2, "Kd", "2023-11-01", "2024-02-15"),
        hb.reg(3, "Tec", "2024-03-01", None),
    ]
    procs = [
        hb.proc(1, "auto", "2022-06-01"),
        hb.proc(2, "auto", "2022-12-01"),
        hb.proc(3, "red-cell transfusion", "2024-02-27"),
    ]
    labs = tuple(_lab(i, f"2024-03-0{i}", "hb", 9.0 + i / 10, hb) for i in range(1, 6))
    h = hb.hist(regimens=regs, procedures=procs, labs=labs)
    expected = compute_washouts(h, as_of=hb.d("2024-03-10")).to_json()
    rng = random.Random(3)
    for _ in range(4):
        r, p, la = list(regs), list(procs), list(labs)
        rng.shuffle(r), rng.shuffle(p), rng.shuffle(la)
        h2 = hb.hist(regimens=r, procedures=p, labs=tuple(la))
        assert compute_washouts(h2, as_of=hb.d("2024-03-10")).to_json() == expected
    assert expected["procedures"][0]["days_since"] == 465  # the later of two transplants
