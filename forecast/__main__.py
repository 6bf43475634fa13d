"""``python -m forecast`` is the ``compute-forecast`` command."""

import sys

from forecast.cli import main

sys.exit(main())
