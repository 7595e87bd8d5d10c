"""``python -m streamad.cli``: the ``streamad`` command."""

import sys

from streamad.cli.main import main

sys.exit(main())
