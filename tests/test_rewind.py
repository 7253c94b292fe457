"""criu_rpc.rewind on a synthetic checkpoint whose files.img points at real files."""

from __future__ import annotations

import os
from pathlib import Path

from imagefixtures import make_checkpoint

from criu_rpc._pb import image_files_pb2 as files_pb
from criu_rpc.images.writer import write_image
from criu_rpc.rewind import GrownFile, grown_files, rewind


def reg(file_id: int, path: Path, flags: int, size: int) -> files_pb.file_entry:
    fown = files_pb.fown_entry(uid=0, euid=0, signum=0, pid_type=0, pid=0)
    entry = files_pb.reg_file_entry(id=file_id, flags=flags, pos=size, fown=fown, name=str(path), size=size)
    return files_pb.file_entry(type=files_pb.REG, id=file_id, reg=entry)


def test_only_grown_write_only_files_are_cut_back_and_their_tails_kept(tmp_path: Path) -> None:
    files = {name: tmp_path / name for name in ("log", "same", "append", "rdwr", "rdonly", "gone")}
    for path in files.values():
        path.write_bytes(b"0123456789")
    files["same"].write_bytes(b"01234")
    files["gone"].unlink()
    images = make_checkpoint(tmp_path / "images")
    write_image(
        images / "files.img",
        "FILES",
        [
            reg(1, files["log"], os.O_WRONLY, 4),
            reg(7, files["log"], os.O_WRONLY, 4),  # opened twice: cut once, its tail kept once
            reg(2, files["same"], os.O_WRONLY, 5),
            reg(3, files["append"], os.O_WRONLY | os.O_APPEND, 4),
            reg(4, files["rdwr"], os.O_RDWR, 4),
            reg(5, files["rdonly"], os.O_RDONLY, 4),
            reg(6, files["gone"], os.O_WRONLY, 4),
        ],
    )
    grown = grown_files(images)
    assert grown == [GrownFile(str(files["log"]), 4, 10)]

    rewind(grown, tmp_path / "kept")
    assert files["log"].read_bytes() == b"0123"
    assert (tmp_path / "kept" / str(files["log"]).lstrip("/")).read_bytes() == b"456789"
    assert grown_files(images) == []
    for name in ("append", "rdwr", "rdonly"):
        assert files[name].read_bytes() == b"0123456789"
