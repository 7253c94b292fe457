"""A small PyTorch training job made resilient with ResilientTrainer: the mixin in 15 lines.

    python -m criu_rpc launch --store /var/tmp/job -- python examples/train.py --steps 200

Each step prints ``step N loss X`` with X exact (repr), so runs can be compared
bit for bit. Kill the job with kill -9 and launch again: it resumes at its last
checkpoint and prints the same losses an uninterrupted run prints. With
``--workers N`` batches come from N DataLoader worker processes, which are
checkpointed and restored with the job (their queues and prefetched batches too).
``--metrics FILE`` also writes ``step,loss`` lines to FILE, kept open as a CSV
logger keeps it; a restore finds it as it was at the snapshot.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from criu_rpc import ResilientTrainer
from criu_rpc.trainer import STORE_ENV


class Batches(Dataset[tuple[torch.Tensor, torch.Tensor]]):
    """Batch i of a synthetic task, made from i alone: the same in any worker process."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def __len__(self) -> int:
        return 1 << 40

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        g = torch.Generator().manual_seed(self.seed << 40 | i)
        return torch.randn(64, 256, generator=g), torch.randint(0, 10, (64,), generator=g)


class Trainer(ResilientTrainer):
    def __init__(self, store: str, every_steps: int | None, seed: int, workers: int, metrics: str) -> None:
        super().__init__(store=store, every_steps=every_steps, max_overhead=1.0)
        self.metrics = open(metrics, "w") if metrics else None  # noqa: SIM115 (open for the whole run)
        torch.manual_seed(seed)
        self.model = nn.Sequential(
            nn.Linear(256, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 10)
        )
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=1e-3)
        self.batches = iter(DataLoader(Batches(seed), batch_size=None, num_workers=workers))

    def before_checkpoint(self) -> None:
        self.optimizer.zero_grad(set_to_none=True)  # gradients need not be saved: less to dump

    def on_restored(self, step: int) -> None:
        print(f"resumed at step {step}", file=sys.stderr, flush=True)

    def train(self, steps: int, delay: float) -> None:
        for step in range(1, steps + 1):
            x, y = next(self.batches)
            loss = nn.functional.cross_entropy(self.model(x), y)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()  # type: ignore[no-untyped-call]
            self.optimizer.step()
            print(f"step {step} loss {loss.item()!r}", flush=True)
            if self.metrics:
                self.metrics.write(f"{step},{loss.item()!r}\n")
                self.metrics.flush()
            time.sleep(delay)
            self.maybe_checkpoint(step)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--store",
        default=os.environ.get(STORE_ENV, "/var/tmp/criu_rpc-train"),
        help="snapshot store (default: the one `launch` runs us for)",
    )
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--every", type=int, default=20, help="checkpoint every N steps (0: never)")
    parser.add_argument("--delay", type=float, default=0.0, help="extra seconds per step")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=0, help="DataLoader worker processes")
    parser.add_argument("--metrics", default="", metavar="FILE", help="also write step,loss lines here")
    args = parser.parse_args()
    torch.set_num_threads(1)  # one thread: reductions in a fixed order, losses comparable bit for bit
    trainer = Trainer(args.store, args.every or None, args.seed, args.workers, args.metrics)
    trainer.train(args.steps, args.delay)


if __name__ == "__main__":
    main()
