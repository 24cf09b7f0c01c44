"""One file per schema step. Never edit a released step: add a new one."""
