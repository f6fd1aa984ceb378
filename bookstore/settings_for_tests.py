"""The settings pytest runs under (pytest.ini): the production-shaped ``bookstore.settings``, in English.

The site's default language is Persian (R40, ``DJANGO_LANGUAGE_CODE`` unset). Most tests
read English texts, so the suite sets ``DJANGO_LANGUAGE_CODE=en`` before the settings
are read; it is set in the environment, so the servers and workers that tests start as
subprocesses speak English too. Tests of the Persian site ask for it as a visitor would
(``Accept-Language: fa`` or the language cookie), and ``core/tests/test_languages.py``
checks that with the variable unset the default is ``fa``.

Uploads (book covers) go to a folder of each test process's own, never into var/media.
Nothing else differs.
"""

import os
import tempfile

os.environ.setdefault("DJANGO_LANGUAGE_CODE", "en")
os.environ.setdefault("DJANGO_MEDIA_ROOT", tempfile.mkdtemp(prefix="bookstore-test-media-"))

from .settings import *  # noqa: E402, F403
