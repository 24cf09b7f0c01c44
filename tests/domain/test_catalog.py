import json

import pytest

from journal.domain.catalog import (
    ANTI_MYELOMA_CLASSES,
    CatalogError,
    get_catalog,
    load_catalog,
    normalise,
)
from journal.resources import resource_path

SECTION_41 = [
    "bortezomib",
    "carfilzomib",
    "ixazomib",
    "thalidomide",
    "lenalidomide",
    "pomalidomide",
    "iberdomide",
    "mezigdomide",
    "daratumumab",
    "isatuximab",
    "elotuzumab",
    "selinexor",
    "venetoclax",
    "sonrotoclax",
    "panobinostat",
    "melphalan-flufenamide",
    "melphalan",
    "cyclophosphamide",
    "bendamustine",
    "doxorubicin",
    "pegylated-liposomal-doxorubicin",
    "cisplatin",
    "etoposide",
    "dexamethasone",
    "prednisone",
    "methylprednisolone",
    "belantamab-mafodotin",
    "idecabtagene-vicleucel",
    "ciltacabtagene-autoleucel",
    "anitocabtagene-autoleucel",
    "arlocabtagene-autoleucel",
    "equecabtagene-autoleucel",
    "zevorcabtagene-autoleucel",
    "teclistamab",
    "elranatamab",
    "linvoseltamab",
    "talquetamab",
    "etentamig",
    "cevostamab",
    "pembrolizumab",
    "nivolumab",
    "fludarabine",
]
SECTION_42 = [
    "VRd",
    "RVd",
    "KRd",
    "DRd",
    "D-VRd",
    "Isa-VRd",
    "DVd",
    "DKd",
    "DPd",
    "IsaPd",
    "IsaKd",
    "KPd",
    "PVd",
    "EPd",
    "ERd",
    "IRd",
    "Kd",
    "Vd",
    "Rd",
    "Pd",
    "VCd",
    "CyBorD",
    "VTd",
    "D-VTd",
    "VMP",
    "D-VMP",
    "MPT",
    "Sd",
    "SVd",
    "SPd",
    "SKd",
    "SDd",
    "Ven-d",
    "VenVd",
    "BVd",
    "BPd",
    "IberDd",
    "MeziKd",
    "MeziVd",
    "Tec",
    "Tec-Dara",
    "Elra",
    "Linvo",
    "Tal",
    "Tal-DP",
    "Tal-D",
    "Tec-Tal",
    "DT-PACE",
    "VDT-PACE",
    "HDM/ASCT",
    "Cilta-cel",
    "Ide-cel",
    "D-KRd",
    "Isa-KRd",
    "VRd-lite",
    "Xd",
    "XVd",
    "KdD",
    "Tal-Tec",
]


def test_every_section_41_drug_is_present_and_anti_myeloma():
    cat = get_catalog()
    for drug_id in SECTION_41:
        d = cat.drug(drug_id)
        assert not d.supportive, drug_id
        assert d.drug_class in ANTI_MYELOMA_CLASSES
        assert d.plain.endswith("."), drug_id


def test_every_category_of_the_patient_literature_is_covered():
    cats = {d.category for d in get_catalog().drugs}
    for c in [
        "chemotherapy",
        "immunomodulator",
        "CELMoD",
        "monoclonal antibody",
        "nuclear export inhibitor",
        "proteasome inhibitor",
        "steroid",
        "antibody-drug conjugate",
        "BCL2 inhibitor",
        "MCL1 inhibitor",
        "CAR-T",
        "bispecific T-cell engager",
        "checkpoint inhibitor",
        "HDAC inhibitor",
    ]:
        assert c in cats, c


def test_targets_and_modalities():
    cat = get_catalog()
    assert cat.drug("teclistamab").target == "BCMA"
    assert cat.drug("talquetamab").target == "GPRC5D"
    assert cat.drug("cevostamab").target == "FcRH5"
    assert cat.drug("daratumumab").target == "CD38"
    assert cat.drug("elotuzumab").target == "SLAMF7"
    assert cat.drug("belantamab-mafodotin").modality == "ADC"
    assert cat.drug("ciltacabtagene-autoleucel").modality == "CAR-T"
    assert cat.drug("melphalan-flufenamide").modality == "peptide-drug conjugate"
    assert cat.drug("linvoseltamab").routes == ("IV",)


@pytest.mark.parametrize(
    "name",
    [
        "zoledronic acid",
        "Zometa",
        "denosumab",
        "Xgeva",
        "aciclovir",
        "valacyclovir",
        "filgrastim",
        "pegfilgrastim",
        "IVIG",
        "enoxaparin",
        "apixaban",
        "aspirin",
        "ondansetron",
        "tocilizumab",
        "anakinra",
        "plerixafor",
        "levetiracetam",
        "trimethoprim-sulfamethoxazole",
    ],
)
def test_supportive_agents_are_marked(name):
    d = get_catalog().identify(name)
    assert d is not None, name
    assert d.supportive


@pytest.mark.parametrize("abbrev", SECTION_42)
def test_every_section_42_regimen_resolves(abbrev):
    cat = get_catalog()
    tpl = cat.regimen(abbrev)
    assert tpl is not None, abbrev
    for drug_id in tpl.drug_ids:
        assert not cat.drug(drug_id).supportive


def test_regimen_components():
    cat = get_catalog()
    assert cat.regimen("RVd").drug_ids == ("bortezomib", "lenalidomide", "dexamethasone")
    assert set(cat.regimen("CyBorD").drug_ids) == {
        "bortezomib",
        "cyclophosphamide",
        "dexamethasone",
    }
    assert set(cat.regimen("IsaKd").drug_ids) == {"isatuximab", "carfilzomib", "dexamethasone"}
    assert set(cat.regimen("VMP").drug_ids) == {"bortezomib", "melphalan", "prednisone"}
    assert set(cat.regimen("Tec-Dara").drug_ids) == {"teclistamab", "daratumumab"}
    assert cat.regimen("nonsense") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Revlimid", "lenalidomide"),
        ("lenalidomid", "lenalidomide"),
        ("LENALIDOMIDE", "lenalidomide"),
        ("Revlimid 25 mg", "lenalidomide"),
        ("Imnovid", "pomalidomide"),
        ("CC-4047", "pomalidomide"),
        ("Darzalex Faspro", "daratumumab"),
        ("daratumomab", "daratumumab"),
        ("PS-341", "bortezomib"),
        ("Velcade", "bortezomib"),
        ("cilta-cel", "ciltacabtagene-autoleucel"),
        ("Abecma", "idecabtagene-vicleucel"),
        ("melflufen", "melphalan-flufenamide"),
        ("Xpovio", "selinexor"),
        ("Dexa", "dexamethasone"),
        ("Zoledronsäure", "zoledronic-acid"),
    ],
)
def test_identify(text, expected):
    d = get_catalog().identify(text)
    assert d is not None and d.id == expected


def test_identify_unknown_is_none():
    cat = get_catalog()
    assert cat.identify("chamomile tea") is None
    assert cat.identify("") is None


def test_search_case_accent_insensitive_prefix_first():
    cat = get_catalog()
    assert normalise("Dára-VRd") == "daravrd"
    res = cat.search("DARA")
    assert res[0].kind == "drug" and res[0].id == "daratumumab"
    assert any(m.kind == "regimen" and m.id == "D-VRd" for m in cat.search("dara", limit=20))
    res = cat.search("rvd")
    assert res[0].id == "VRd" and res[0].matched_on == "RVd"
    assert cat.search("kyprolis")[0].id == "carfilzomib"
    assert cat.search("JNJ-64007957")[0].id == "teclistamab"
    # substring after prefix: "mab" matches no name at the start
    res = cat.search("zomib", limit=20)
    assert {m.id for m in res} >= {"bortezomib", "carfilzomib", "ixazomib"}
    assert cat.search("") == []
    assert len(cat.search("a", limit=3)) == 3


def _write(tmp_path, drugs=None, regimens=None):
    base_d = json.loads(resource_path("catalog", "drugs.json").read_text())
    base_r = json.loads(resource_path("catalog", "regimens.json").read_text())
    if drugs is not None:
        base_d["drugs"] = drugs(base_d["drugs"])
    if regimens is not None:
        base_r["regimens"] = regimens(base_r["regimens"])
    dp, rp = tmp_path / "drugs.json", tmp_path / "regimens.json"
    dp.write_text(json.dumps(base_d))
    rp.write_text(json.dumps(base_r))
    return dp, rp


def test_shipped_files_load(tmp_path):
    dp, rp = _write(tmp_path)
    cat = load_catalog(dp, rp)
    assert len(cat.drugs) == len(get_catalog().drugs)


def test_duplicate_id_is_named(tmp_path):
    dp, rp = _write(tmp_path, drugs=lambda ds: [*ds, dict(ds[0])])
    with pytest.raises(CatalogError, match=r"drugs.json.*bortezomib.*duplicate id"):
        load_catalog(dp, rp)


def test_unknown_class_is_named(tmp_path):
    def bad(ds):
        ds[1]["drug_class"] = "proteasome thing"
        return ds

    dp, rp = _write(tmp_path, drugs=bad)
    with pytest.raises(CatalogError, match=r"carfilzomib.*unknown class"):
        load_catalog(dp, rp)


def test_unknown_regimen_component_is_named(tmp_path):
    def bad(rs):
        rs[0]["drug_ids"] = ["bortezomib", "lenalidomde"]
        return rs

    dp, rp = _write(tmp_path, regimens=bad)
    with pytest.raises(CatalogError, match=r"regimens.json.*VRd.*lenalidomde"):
        load_catalog(dp, rp)


def test_malformed_json_is_named(tmp_path):
    dp, rp = _write(tmp_path)
    dp.write_text("{not json")
    with pytest.raises(CatalogError, match=r"drugs\.json"):
        load_catalog(dp, rp)


def test_missing_field_is_named(tmp_path):
    def bad(ds):
        del ds[2]["plain"]
        return ds

    dp, rp = _write(tmp_path, drugs=bad)
    with pytest.raises(CatalogError, match=r"ixazomib.*'plain'"):
        load_catalog(dp, rp)


def test_identify_refuses_an_ambiguous_misspelling():
    cat = get_catalog()
    # halfway between two CAR-T products: better no answer than the wrong one
    assert cat.identify("anltacabtagene autoleucel") is None
    assert cat.identify("ciltacabtagene autoleucell").id == "ciltacabtagene-autoleucel"
    assert cat.identify("belantamab mafodotine").id == "belantamab-mafodotin"
