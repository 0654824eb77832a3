"""Rule packs: the YAML format (schema), loading with located errors (loader)."""
from .loader import Pack, PackError, PackProblem, RuleDef, find_packs, load_pack

__all__ = ["Pack", "PackError", "PackProblem", "RuleDef", "find_packs", "load_pack"]
