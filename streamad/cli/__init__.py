"""The ``streamad`` console script: ``streamad replay`` evaluates a Monitor on a recorded stream,
``streamad watch`` runs one on a live feed.

Importing this package, parsing arguments, ``--help`` and ``--version`` import no torch, River
or model code: commands import what they need when they run.
"""

from streamad.cli.main import main
from streamad.cli.parser import build_parser

__all__ = ["build_parser", "main"]
