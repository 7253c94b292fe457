"""The benchmark's training job: an AdamW MLP of about 1.5 GB, steps of a fraction of a second.

Modes: ``criu`` checkpoints with ResilientTrainer; ``torchsave`` with
torch.save of model and optimizer state (fsynced, as SnapshotStore does);
``torchload`` starts by loading such a file (the restart a CRIU restore
replaces). Each line it prints is JSON, for bench_trainer to read.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import torch
from torch import nn

from criu_rpc import ResilientTrainer


def emit(**fields: object) -> None:
    print(json.dumps(fields), flush=True)


def build(width: int, layers: int) -> tuple[nn.Module, torch.optim.Optimizer]:
    torch.manual_seed(0)
    model = nn.Sequential(*[nn.Sequential(nn.Linear(width, width), nn.ReLU()) for _ in range(layers)])
    return model, torch.optim.AdamW(model.parameters(), lr=1e-4)


class Job(ResilientTrainer):
    def __init__(self, args: argparse.Namespace) -> None:
        every = args.every if args.mode == "criu" else None
        super().__init__(store=args.store, every_steps=every, max_overhead=1.0, keep_last=2)
        self.args = args
        self.model, self.optimizer = build(args.width, args.layers)
        self.data = torch.Generator().manual_seed(0)

    def before_checkpoint(self) -> None:
        self.optimizer.zero_grad(set_to_none=True)  # gradients are not state between steps

    def step(self) -> float:
        x = torch.randn(self.args.batch, self.args.width, generator=self.data)
        loss = self.model(x).pow(2).mean()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return float(loss.item())

    def save(self, path: str) -> None:
        with open(path, "wb") as f:
            torch.save({"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict()}, f)
            f.flush()
            os.fsync(f.fileno())

    def run(self) -> None:
        first = 1
        if self.args.mode == "torchload":
            state = torch.load(self.args.ckpt)
            self.model.load_state_dict(state["model"])
            self.optimizer.load_state_dict(state["optimizer"])
            first = self.args.every + 1
            emit(event="resumed", step=first - 1, wall=time.time())
        for step in range(first, self.args.steps + 1):
            started = time.monotonic()
            self.step()
            emit(event="step", step=step, seconds=time.monotonic() - started, wall=time.time())
            if self.args.mode == "torchsave" and step % self.args.every == 0:
                t = time.monotonic()
                self.save(self.args.ckpt)
                emit(
                    event="checkpoint",
                    step=step,
                    blocked=time.monotonic() - t,
                    bytes=os.path.getsize(self.args.ckpt),
                )
            elif self.args.mode == "criu":
                # Steady state, as at one checkpoint per minutes: the last snapshot's background
                # commit (fsync) is done before the next is due. Waited for here, untimed, since
                # checkpoints a few steps apart would otherwise time the disk's backlog.
                self.wait_for_checkpoint()
                t = time.monotonic()
                if self.maybe_checkpoint(step):
                    latest = self.checkpoint_store.latest()
                    emit(
                        event="resumed" if self.restored_from else "checkpoint",
                        step=step,
                        blocked=time.monotonic() - t,
                        bytes=latest.size_bytes if latest else 0,
                        wall=time.time(),
                    )
                    if self.restored_from:
                        self.restored_from = None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=("criu", "torchsave", "torchload"), required=True)
    parser.add_argument("--store", required=True)
    parser.add_argument("--ckpt", default="")
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--every", type=int, default=4)
    parser.add_argument("--width", type=int, default=4096)
    parser.add_argument("--layers", type=int, default=6)
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args()
    torch.set_num_threads(2)
    emit(event="ready", wall=time.time())
    Job(args).run()


if __name__ == "__main__":
    main()
