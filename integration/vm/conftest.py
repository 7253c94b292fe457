"""Collect the VM tier's tests only inside the VM: on the host they run through ``make test-vm``."""

from __future__ import annotations

import os

collect_ignore_glob = [] if os.environ.get("CRIU_RPC_VM") == "1" else ["test_*.py"]
