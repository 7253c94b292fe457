"""The benchmark's training job: an AdamW MLP of about 1.5 GB, steps of a fraction of a second.

Modes: ``criu`` checkpoints with ResilientTrainer; ``torchsave`` with
torch.save of model and optimizer state (fsynced, as SnapshotStore does);
``torchload`` starts by loading such a file (the restart a CRIU restore
replaces). The torch modes never import criu_rpc: the plain torch script they
stand for would not pay for it. Each line printed is JSON, for bench_trainer.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import torch
from torch import nn


def emit(**fields: object) -> None:
    print(json.dumps(fields), flush=True)


def build(width: int, layers: int) -> tuple[nn.Module, torch.optim.Optimizer]:
    torch.manual_seed(0)
    model = nn.Sequential(*[nn.Sequential(nn.Linear(width, width), nn.ReLU()) for _ in range(layers)])
    return model, torch.optim.AdamW(model.parameters(), lr=1e-4)


class Loop:
    """The training loop as a plain torch script has it; ``after_step`` is where checkpoints go."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.model, self.optimizer = build(args.width, args.layers)
        self.data = torch.Generator().manual_seed(0)

    def step(self) -> float:
        x = torch.randn(self.args.batch, self.args.width, generator=self.data)
        loss = self.model(x).pow(2).mean()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return float(loss.item())

    def run(self, first: int = 1) -> None:
        for step in range(first, self.args.steps + 1):
            started = time.monotonic()
            self.step()
            emit(event="step", step=step, seconds=time.monotonic() - started, wall=time.time())
            self.after_step(step)

    def after_step(self, step: int) -> None:
        pass


class TorchJob(Loop):
    """Checkpoints with torch.save (``torchsave``), or resumes with torch.load (``torchload``)."""

    def run(self, first: int = 1) -> None:
        if self.args.mode == "torchload":
            state = torch.load(self.args.ckpt)
            self.model.load_state_dict(state["model"])
            self.optimizer.load_state_dict(state["optimizer"])
            first = self.args.every + 1
            emit(event="resumed", step=first - 1, wall=time.time())
        super().run(first)

    def after_step(self, step: int) -> None:
        if self.args.mode != "torchsave" or step % self.args.every:
            return
        started = time.monotonic()
        with open(self.args.ckpt, "wb") as f:
            torch.save({"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict()}, f)
            f.flush()
            os.fsync(f.fileno())
        emit(
            event="checkpoint",
            step=step,
            blocked=time.monotonic() - started,
            bytes=os.path.getsize(self.args.ckpt),
        )


def criu_job(args: argparse.Namespace) -> Loop:
    """The same loop checkpointed by ResilientTrainer (criu_rpc imported here, for this mode only)."""
    from criu_rpc import ResilientTrainer  # noqa: PLC0415 (see the module docstring)

    class CriuJob(ResilientTrainer, Loop):
        def __init__(self) -> None:
            super().__init__(args, store=args.store, every_steps=args.every, max_overhead=1.0, keep_last=2)

        def before_checkpoint(self) -> None:
            if not args.keep_grads:  # (the bench's "as is" row: what dropping them buys)
                self.optimizer.zero_grad(set_to_none=True)  # gradients are not state between steps

        def after_step(self, step: int) -> None:
            # Steady state, as at one checkpoint per minutes: the last snapshot's background
            # commit (fsync) is done before the next is due. Waited for here, untimed, since
            # checkpoints a few steps apart would otherwise time the disk's backlog.
            self.wait_for_checkpoint()
            started = time.monotonic()
            if self.maybe_checkpoint(step):
                latest = self.checkpoint_store.latest()
                emit(
                    event="resumed" if self.restored_from else "checkpoint",
                    step=step,
                    blocked=time.monotonic() - started,
                    bytes=latest.size_bytes if latest else 0,
                    wall=time.time(),
                )
                self.restored_from = None

    return CriuJob()


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
    parser.add_argument("--keep-grads", action="store_true", help="criu mode: dump the gradients too")
    args = parser.parse_args()
    torch.set_num_threads(2)
    emit(event="ready", wall=time.time())
    (criu_job(args) if args.mode == "criu" else TorchJob(args)).run()


if __name__ == "__main__":
    main()
