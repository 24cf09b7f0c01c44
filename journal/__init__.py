"""Treatment Journal: a local-first record of a myeloma treatment history."""

__version__ = "0.1.0"
APP_NAME = "Treatment Journal"
APP_ID = "TreatmentJournal"
