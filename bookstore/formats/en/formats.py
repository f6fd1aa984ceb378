"""Dates and times as the site writes them, in the admin too: ``2026-12-02 02:29``, not ``Dec. 2, 2026, 2:29 a.m.``."""

DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"
