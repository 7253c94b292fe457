"""A process that checkpoints itself, as ResilientTrainer does; run by test_self_dump.

It logs ``restored=False`` after dumping itself while running on, and the
copy restored from that checkpoint logs ``restored=True`` from the same line
of code, then keeps counting from where the checkpoint was taken.
"""

from __future__ import annotations

import os
import sys
import time

from criu_rpc import Criu, DumpOptions


def say(out: str, text: str) -> None:
    fd = os.open(out, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.write(fd, f"{text}\n".encode())
    os.close(fd)


def main() -> None:
    images, out = sys.argv[1], sys.argv[2]
    for n in range(3):
        say(out, f"tick {n}")
    options = DumpOptions(images_dir=images, leave_running=True, log_level=4, log_file="dump.log")
    result = Criu(timeout=120).dump(options)
    say(out, f"restored={result.restored}")
    n = 3
    while True:
        say(out, f"tick {n}")
        n += 1
        time.sleep(0.02)


if __name__ == "__main__":
    main()
