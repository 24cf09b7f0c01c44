"""Reading saved study records: every accepted shape, every field optional, and a plain
sentence (never a traceback) for anything else."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from trial_helpers import study, text_of

from journal.trials.record import (
    MAX_RECORD_BYTES,
    RecordError,
    age_years,
    read_record_bytes,
    read_record_zip,
    record_from_study,
    zip_member_for,
)


def full_study(nct="NCT04181827"):
    s = study(text_of("NCT03318861"), nct, title="A CAR-T study", min_age="18 Years")
    s["protocolSection"]["statusModule"] = {
        "overallStatus": "RECRUITING",
        "lastUpdatePostDateStruct": {"date": "2026-08-14", "type": "ACTUAL"},
        "expandedAccessInfo": {"hasExpandedAccess": False},
    }
    s["protocolSection"]["designModule"] = {
        "studyType": "INTERVENTIONAL",
        "phases": ["PHASE1", "PHASE2"],
    }
    s["derivedSection"] = {"miscInfoModule": {"versionHolder": "2026-08-15"}}
    s["hasResults"] = False
    s["somethingNew"] = {"ignored": True}
    return s


def test_one_study_object_keeps_fields_and_raw():
    (rec,) = read_record_bytes(json.dumps(full_study()).encode())
    assert rec.nct_id == "NCT04181827"
    assert rec.title == "A CAR-T study"
    assert rec.status_label == "Recruiting"
    assert rec.phase_label == "phase 1 / phase 2"
    assert rec.last_update == "2026-08-14" and rec.version_holder == "2026-08-15"
    assert rec.criteria.startswith("Eligibility Criteria: Key Inclusion Criteria:")
    assert rec.url == "https://clinicaltrials.gov/study/NCT04181827"
    assert rec.raw["somethingNew"] == {"ignored": True}  # kept as downloaded
    assert not rec.expanded_access


def test_search_page_and_array_give_every_study():
    page = {"studies": [full_study("NCT00000001"), full_study("NCT00000002")], "nextPageToken": "x"}
    assert [r.nct_id for r in read_record_bytes(json.dumps(page).encode())] == [
        "NCT00000001",
        "NCT00000002",
    ]
    arr = [full_study("NCT00000003")]
    assert [r.nct_id for r in read_record_bytes(json.dumps(arr).encode())] == ["NCT00000003"]


def test_every_module_is_optional():
    bare = {"protocolSection": {"identificationModule": {"nctId": "NCT12345678"}}}
    (rec,) = read_record_bytes(json.dumps(bare).encode())
    assert rec.criteria is None and rec.title == "NCT12345678" and rec.phases == ()
    assert rec.status_label is None and rec.minimum_age is None
    # an eligibilityModule with only sex and stdAges, as a real field-restricted page has
    only_sex = {
        "protocolSection": {
            "identificationModule": {"nctId": "NCT12345678"},
            "eligibilityModule": {"sex": "ALL", "stdAges": ["ADULT"]},
        }
    }
    (rec,) = read_record_bytes(json.dumps(only_sex).encode())
    assert rec.criteria is None and rec.sex == "ALL"


def test_expanded_access_is_recognised_both_ways():
    ea = study(None, "NCT00000009", designModule={"studyType": "EXPANDED_ACCESS"})
    assert record_from_study(ea).expanded_access
    flag = study(
        None, "NCT00000010", statusModule={"expandedAccessInfo": {"hasExpandedAccess": True}}
    )
    assert record_from_study(flag).expanded_access


@pytest.mark.parametrize(
    "data, words",
    [
        (b"this is not json", "not valid JSON"),
        (
            b'{"protocolSection": {"identificationModule": {"nctId": "NCT0001"}}}',
            "no valid NCT number",
        ),
        (b'{"hello": "world"}', "not a ClinicalTrials.gov study record"),
        (b'{"studies": []}', "holds no studies"),
        (
            b'{"studies": [{"protocolSection": {"identificationModule": {"nctId": "NCT00000001"}}}, 3]}',
            "Item 2",
        ),
        (b"[1, 2, 3]", "Item 1"),
        (b"\xff\xfe\x00garbage", "not a text file"),
        (b'<?xml version="1.0"?><html></html>', "not a ClinicalTrials.gov clinical_study"),
        (b'{"protocolSection": {"identificationModule": {"nctId": "NCT00000001"', "not valid JSON"),
    ],
)
def test_malformed_files_get_one_plain_sentence(data, words):
    with pytest.raises(RecordError) as e:
        read_record_bytes(data, "saved.json")
    assert words in str(e.value)
    assert "Traceback" not in str(e.value)


def test_huge_file_is_refused_before_parsing():
    with pytest.raises(RecordError, match="larger than any single study record"):
        read_record_bytes(b" " * (MAX_RECORD_BYTES + 1), "big.json")


def test_too_many_studies_in_a_page():
    page = {"studies": [full_study(f"NCT{i:08d}") for i in range(1001)]}
    with pytest.raises(RecordError, match="1001 studies"):
        read_record_bytes(json.dumps(page).encode())


def _zip(members: dict[str, bytes]) -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    buf.seek(0)
    return buf


def test_bulk_zip_reads_only_the_named_study():
    members = {
        zip_member_for(f"NCT0000{i:04d}"): json.dumps(full_study(f"NCT0000{i:04d}")).encode()
        for i in range(1, 40)
    }
    members["99/NCT00000099.json"] = b"not even json"  # never read
    rec = read_record_zip(_zip(members), "NCT00000017", "ctg-studies.json.zip")
    assert rec.nct_id == "NCT00000017"
    assert zip_member_for("NCT00000017") == "17/NCT00000017.json"


def test_zip_with_many_studies_and_no_nct_asks_for_one():
    members = {f"{i:02d}/NCT000000{i:02d}.json": b"{}" for i in range(1, 6)}
    with pytest.raises(RecordError, match=r"holds 5 studies\. Name the one"):
        read_record_zip(_zip(members), None, "ctg-studies.json.zip")


def test_zip_with_one_study_needs_no_nct():
    rec = read_record_zip(_zip({"NCT04181827.json": json.dumps(full_study()).encode()}))
    assert rec.nct_id == "NCT04181827"


def test_truncated_zip_and_missing_member():
    data = _zip({"17/NCT00000017.json": json.dumps(full_study("NCT00000017")).encode()}).getvalue()
    with pytest.raises(RecordError, match="interrupted download"):
        read_record_zip(io.BytesIO(data[: len(data) // 2]), "NCT00000017")
    with pytest.raises(RecordError, match="holds no record for NCT00000018"):
        read_record_zip(io.BytesIO(data), "NCT00000018")
    with pytest.raises(RecordError, match="not an NCT number"):
        read_record_zip(io.BytesIO(data), "17")


CLASSIC = """<?xml version="1.0" encoding="UTF-8"?>
<clinical_study rank="1">
  <required_header><download_date>ClinicalTrials.gov processed this data on February 08, 2019</download_date></required_header>
  <id_info><org_study_id>CA204-116</org_study_id><nct_id>NCT02272803</nct_id></id_info>
  <brief_title>A classic record</brief_title>
  <overall_status>Active, not recruiting</overall_status>
  <phase>Phase 1/Phase 2</phase>
  <study_type>Interventional</study_type>
  <condition>Multiple Myeloma</condition>
  <eligibility>
    <criteria><textblock>
        Inclusion Criteria:

          -  Newly diagnosed with symptomatic Multiple Myeloma (MM)

        Exclusion Criteria:

          -  Non-secretory myeloma
    </textblock></criteria>
    <gender>All</gender>
    <minimum_age>20 Years</minimum_age>
    <maximum_age>N/A</maximum_age>
  </eligibility>
</clinical_study>
"""


def test_classic_xml_is_read_into_the_same_fields():
    (rec,) = read_record_bytes(CLASSIC.encode(), "NCT02272803.xml")
    assert rec.legacy_xml and rec.nct_id == "NCT02272803"
    assert rec.overall_status == "ACTIVE_NOT_RECRUITING"
    assert rec.phases == ("PHASE1", "PHASE2")
    assert rec.study_type == "INTERVENTIONAL"
    assert rec.minimum_age == "20 Years" and rec.maximum_age is None  # N/A means no limit
    assert "Non-secretory myeloma" in rec.criteria


def test_xml_with_entities_is_refused():
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><clinical_study>&a;</clinical_study>'
    )
    with pytest.raises(RecordError, match="entities"):
        read_record_bytes(bomb.encode())


@pytest.mark.parametrize(
    "text, years", [("18 Years", 18), ("6 Months", 0.5), ("N/A", None), (None, None)]
)
def test_ages(text, years):
    assert age_years(text) == years
