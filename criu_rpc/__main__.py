"""``python -m criu_rpc``: see criu_rpc.cli."""

import sys

from .cli import program

sys.exit(program())
