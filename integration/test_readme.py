"""The README's usage example runs as written."""

from __future__ import annotations

import re
import subprocess
import sys

from .workload import REPO, env_with_repo


def test_readme_example_runs(criu_bin: str) -> None:
    readme = (REPO / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.DOTALL)
    assert blocks, "README has no python example"
    assert len(blocks[0].splitlines()) <= 12
    env = env_with_repo() | {"CRIU_BIN": criu_bin}
    result = subprocess.run(
        [sys.executable, "-c", blocks[0]], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    match = re.fullmatch(r"restored as (\d+) by CRIU 4\.\S+\n", result.stdout)
    assert match, result.stdout
    subprocess.run(["kill", "-9", match.group(1)], check=False)
