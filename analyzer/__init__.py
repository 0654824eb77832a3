"""callqa: check call-center transcripts against rule packs of required and forbidden speech formulas."""

__version__ = "0.1.0"
