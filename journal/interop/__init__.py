"""Speaking the languages of health records: CSV and FHIR R4 out, portal results in.

A layer beside :mod:`journal.reports`: it reads through :mod:`journal.services`
and the domain rules, writes only through services, and never imports Qt.

- :mod:`journal.interop.csv_export` - one CSV per record kind, zipped, with a README;
- :mod:`journal.interop.fhir_export` - one FHIR R4 collection Bundle (and an
  IPS-shaped document Bundle);
- :mod:`journal.interop.portal` - results downloaded from a patient portal (FHIR
  Bundle, NDJSON or CSV of any layout) read into a preview, then imported.
"""
