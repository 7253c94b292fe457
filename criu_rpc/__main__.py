"""``python -m criu_rpc``: see criu_rpc.cli."""

import sys

from .cli import main

sys.exit(main())
