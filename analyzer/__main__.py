"""`python -m analyzer` runs the callqa command."""
from .cli import main

main()
