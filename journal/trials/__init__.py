"""Trial registry records held against the journal's own facts.

Pure Python like :mod:`journal.domain`: no Qt, no SQL, no network. Three steps:

* :mod:`journal.trials.record` reads what a person saved from ClinicalTrials.gov (one study,
  a search page, an array, one study out of the bulk zip, or an old ``clinical_study`` XML
  file) into a :class:`~journal.trials.record.TrialRecord`, keeping the raw text;
* :mod:`journal.trials.criteria` splits the eligibility Markdown into inclusion and exclusion
  criteria, each with its original words;
* :mod:`journal.trials.recognisers` and :mod:`journal.trials.checklist` put each criterion
  beside the facts of a :class:`~journal.domain.summary.Summary`: *meets*, *does not meet*,
  *not recorded* or *to discuss*, with the facts used and the rule trace.

The app never decides whether a person may join a trial; the screener does.
"""
