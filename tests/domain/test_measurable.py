from hypothesis import given, settings
from hypothesis import strategies as st
from resp_helpers import D, flc, hist, lab, serum, urine

from journal.domain.labs import to_canonical
from journal.domain.measurable import (
    MEASURABLE_VARIANTS,
    get_variant,
    is_measurable,
    marker_series,
    measurable_all_variants,
    measurable_disease,
)

AT = D("2022-01-01")


def test_imwg_serum_measurable_and_threshold_in_trace():
    st = measurable_disease(hist(serum([("2021-12-20", 1.2)])), AT)
    assert st.measurable and st.followed == ("serum",) and st.kind == "serum"
    assert "1.2 g/dL" in st.trace.explanation and st.trace.records


def test_serum_0_7_measurable_only_under_trial_threshold():
    h = hist(serum([("2021-12-20", 0.7)]))
    assert not measurable_disease(h, AT).measurable
    assert measurable_disease(h, AT, variant="serum_0_5").measurable


def test_both_serum_and_urine_followed():
    h = hist(serum([("2021-12-20", 1.5)]) + urine([("2021-12-22", 450)]))
    st = measurable_disease(h, AT)
    assert st.followed == ("serum", "urine") and st.kind == "serum and urine"


def test_urine_only():
    h = hist(serum([("2021-12-20", 0.2)]) + urine([("2021-12-22", 200)]))
    assert measurable_disease(h, AT).followed == ("urine",)


def test_candor_isotype_thresholds():
    iga = hist(serum([("2021-12-20", 0.6)]), heavy="IgA")
    igg = hist(serum([("2021-12-20", 0.6)]), heavy="IgG")
    assert measurable_disease(iga, AT, variant="candor").measurable
    assert not measurable_disease(igg, AT, variant="candor").measurable
    assert measurable_disease(hist(serum([("2021-12-20", 1.0)])), AT, variant="candor").measurable


def test_ecog_acrin_igm():
    igm = hist(serum([("2021-12-20", 0.5)]), heavy="IgM")
    assert measurable_disease(igm, AT, variant="ecog_acrin").measurable
    assert not measurable_disease(igm, AT, variant="imwg").measurable


def test_flc_only_disease():
    h = hist(serum([("2021-12-20", 0.3)]) + flc("2021-12-20", 400, 10), light="kappa")
    st = measurable_disease(h, AT)
    assert st.measurable and st.flc_only and st.followed == ("flc",)
    assert st.parameters["flc"].value == 400
    # IKEMA excludes disease followed only by free light chains.
    assert not measurable_disease(h, AT, variant="ikema").measurable


def test_flc_not_used_when_serum_measurable():
    h = hist(serum([("2021-12-20", 2.0)]) + flc("2021-12-20", 400, 10))
    st = measurable_disease(h, AT)
    assert st.followed == ("serum",) and not st.flc_only
    assert "not used" in st.parameters["flc"].note


def test_flc_needs_abnormal_ratio():
    # Both chains high, ratio normal (1.0): not measurable by FLC.
    h = hist(flc("2021-12-20", 150, 150), heavy="light-chain only", light="unknown")
    assert not measurable_disease(h, AT).measurable


def test_lambda_involved_from_ratio_when_isotype_unknown():
    h = hist(flc("2021-12-20", 8, 300), heavy="light-chain only", light="unknown")
    s = marker_series(h)
    assert s.flc[0].involved_chain == "lambda" and s.flc[0].value == 292
    assert measurable_disease(h, AT).flc_only


def test_bmpc_only_evaluable():
    h = hist([lab("2021-12-01", "bmpc", 45.0)], heavy="non-secretory", light="unknown")
    st = measurable_disease(h, AT)
    assert not st.measurable and st.followed == ("bmpc",) and st.kind == "BMPC only"


def test_nothing_measurable():
    st = measurable_disease(hist(), AT)
    assert not st.measurable and st.followed == () and st.kind == "none"


def test_old_value_outside_lookback_not_used():
    st = measurable_disease(hist(serum([("2021-05-01", 2.0)])), AT)
    assert not st.measurable and "no serum M-protein" in st.trace.explanation


def test_flc_mg_dl_and_mg_l_identical():
    a = hist(
        [
            lab("2021-12-20", "flc_kappa", to_canonical("flc_kappa", 40.0, "mg/dL")),
            lab("2021-12-20", "flc_lambda", to_canonical("flc_lambda", 1.2, "mg/dL")),
        ]
    )
    b = hist(
        [
            lab("2021-12-20", "flc_kappa", to_canonical("flc_kappa", 400.0, "mg/L")),
            lab("2021-12-20", "flc_lambda", to_canonical("flc_lambda", 12.0, "mg/L")),
        ]
    )
    ja, jb = measurable_disease(a, AT).to_json(), measurable_disease(b, AT).to_json()
    for j in (ja, jb):
        j["trace"]["records"] = []
        for p in j["parameters"].values():
            p["records"] = []
    assert ja == jb and ja["flc_only"]


def test_all_variants_and_unknown_variant_message():
    h = hist(serum([("2021-12-20", 0.7)]))
    res = measurable_all_variants(h, AT)
    assert set(res) == set(MEASURABLE_VARIANTS)
    assert res["serum_0_5"].measurable and not res["imwg"].measurable
    try:
        get_variant("nope")
    except ValueError as e:
        assert "imwg" in str(e)
    else:
        raise AssertionError("expected ValueError")


@settings(max_examples=40, deadline=None)
@given(
    st.floats(min_value=0.0, max_value=5.0, allow_nan=False).map(lambda v: round(v, 2)),
    st.integers(min_value=0, max_value=3000),
)
def test_unit_conversion_never_changes_measurable_status(serum_g_dl, urine_mg):
    def status(s_val, s_unit, u_val, u_unit):
        h = hist(
            [
                lab("2021-12-20", "m_protein", to_canonical("m_protein", s_val, s_unit)),
                lab(
                    "2021-12-20", "urine_m_protein", to_canonical("urine_m_protein", u_val, u_unit)
                ),
            ]
        )
        return {n: (m.measurable, m.followed) for n, m in measurable_all_variants(h, AT).items()}

    a = status(serum_g_dl, "g/dL", urine_mg, "mg/24h")
    assert a == status(serum_g_dl * 10, "g/L", urine_mg / 1000, "g/24h")
    assert a == status(serum_g_dl * 1000, "mg/dL", urine_mg, "mg/24h")


_day = st.sampled_from(["2021-09-01", "2021-10-20", "2021-12-20", "2022-01-01", "2022-02-01"])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(_day, st.sampled_from([0.0, 0.4, 0.5, 0.7, 1.0, 1.6])), max_size=3),
    st.lists(st.tuples(_day, st.sampled_from([0, 150, 200, 450])), max_size=2),
    st.lists(
        st.tuples(_day, st.sampled_from([5.0, 90.0, 150.0, 400.0]), st.sampled_from([8.0, 30.0])),
        max_size=2,
    ),
    st.sampled_from(["IgG", "IgA", "IgM", "IgD", "unknown"]),
    st.sampled_from([30, 90, 365]),
)
def test_is_measurable_agrees_with_the_full_answer(sera, urines, flcs, heavy, lookback):
    # The short answer asked for the other rule variants must be the full one's yes/no,
    # for every variant, threshold, look-back and isotype.
    labs = serum(sera) + urine(urines) + [x for d, k, la in flcs for x in flc(d, k, la)]
    h = hist(labs, heavy=heavy, light="unknown")
    series = marker_series(h)
    for name in MEASURABLE_VARIANTS:
        full = measurable_disease(h, AT, variant=name, lookback_days=lookback, series=series)
        short = is_measurable(h, AT.as_date(), variant=name, lookback_days=lookback, series=series)
        assert short == full.measurable, (name, full.trace.explanation)
