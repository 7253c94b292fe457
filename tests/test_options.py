"""Options: every field is type-checked, range-checked where CRIU has a range, and mapped to criu_opts.

The per-field tests are parametrized over ``dataclasses.fields()``, so a field
added to an options class is covered (or makes a test fail asking for a
sample value) without touching this file.
"""

from __future__ import annotations

import dataclasses
import enum
import os
import re
import stat
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.message import Message

from criu_rpc import options as options_mod
from criu_rpc._pb import rpc_pb2
from criu_rpc.options import (
    SINCE,
    BaseOptions,
    CgroupMode,
    CgroupRoot,
    CheckOptions,
    CpuinfoOptions,
    DumpOptions,
    ExtMount,
    InheritFd,
    JoinNamespace,
    Namespace,
    NetworkLock,
    PageServerAddress,
    PageServerOptions,
    PreDumpMode,
    RestoreOptions,
    VethPair,
    WireContext,
    set_fields,
    to_criu_opts,
)

CLASSES: list[type[BaseOptions]] = [
    CheckOptions,
    CpuinfoOptions,
    DumpOptions,
    RestoreOptions,
    PageServerOptions,
]
IMAGES_FD = 99  # an int images_dir is sent as is, never opened: no real directory needed
WIRE_FIELDS = set(rpc_pb2.criu_opts.DESCRIPTOR.fields_by_name)
ALL_FIELDS = [(cls, f.name) for cls in CLASSES for f in dataclasses.fields(cls)]
# ids avoid the word "images": `pytest -k 'not images'` (which skips the image-parser suite) must keep these
FIELD_IDS = [f"{cls.__name__}.{name}".replace("images_dir", "img_dir") for cls, name in ALL_FIELDS]


def make(cls: type[BaseOptions], **kwargs: Any) -> BaseOptions:
    """An instance with images_dir filled in (three classes require it)."""
    return cls(**{"images_dir": IMAGES_FD, **kwargs})


def hint_of(cls: type[BaseOptions], name: str) -> Any:
    return typing.get_type_hints(cls)[name]


def alternatives(hint: Any) -> tuple[Any, ...]:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return typing.get_args(hint)
    return (hint,)


def default_of(cls: type[BaseOptions], name: str) -> Any:
    (f,) = [f for f in dataclasses.fields(cls) if f.name == name]
    return f.default


# -- wrong types --------------------------------------------------------------------


def wrong_values(hint: Any) -> list[Any]:
    """Values that ``hint`` must reject (chosen so no annotation in options.py accepts them)."""
    accepted = alternatives(hint)
    wrong: list[Any] = [object(), b"bytes", 1.5, (object(),)]
    if bool not in accepted:
        wrong.append(True)
    if int not in accepted:
        wrong.append(1)  # also for bool and enum fields: 1 is not True, nor a member
    if str not in accepted:
        wrong.append("text")  # also for tuple fields: a str is a sequence, but not of items
    for option in accepted:
        if isinstance(option, type) and issubclass(option, enum.Enum) and int not in accepted:
            wrong.extend(member.value for member in option)
        if typing.get_origin(option) is tuple:
            wrong.append(("ok", object()))
    return wrong


@pytest.mark.parametrize(("cls", "name"), ALL_FIELDS, ids=FIELD_IDS)
def test_wrong_type_is_a_value_error_naming_class_and_field(cls: type[BaseOptions], name: str) -> None:
    for value in wrong_values(hint_of(cls, name)):
        with pytest.raises(ValueError, match=rf"^{cls.__name__}\.{name}: expected ") as info:
            make(cls, **{name: value})
        assert repr(value) in str(info.value)


@pytest.mark.parametrize(
    ("item", "field"),
    [
        (lambda: InheritFd("pipe:[1]", "3"), "inherit_fd"),  # type: ignore[arg-type]
        (lambda: InheritFd(b"pipe:[1]", 3), "inherit_fd"),  # type: ignore[arg-type]
        (lambda: JoinNamespace("net", 1), "join_ns"),  # type: ignore[arg-type]
        (lambda: CgroupRoot("/p", ctrl=1), "cg_root"),  # type: ignore[arg-type]
        (lambda: VethPair("a", None), "veths"),  # type: ignore[arg-type]
        (lambda: ExtMount(1, "v"), "ext_mnt"),  # type: ignore[arg-type]
    ],
    ids=[
        "InheritFd.fd",
        "InheritFd.key",
        "JoinNamespace.ns_file",
        "CgroupRoot.ctrl",
        "VethPair.if_out",
        "ExtMount.key",
    ],
)
def test_wrong_type_inside_an_item_is_a_value_error(item: Callable[[], object], field: str) -> None:
    """Caught when the item is made (or at the latest by the options), never as a TypeError at send time."""
    with pytest.raises(
        ValueError, match=r"^(InheritFd|JoinNamespace|CgroupRoot|VethPair|ExtMount)\.\w+: expected "
    ):
        make(RestoreOptions, **{field: (item(),)})


def test_page_server_address_fields_are_type_checked() -> None:
    with pytest.raises(ValueError, match=r"PageServerAddress\.port: expected int"):
        DumpOptions(pid=1, images_dir=IMAGES_FD, page_server=PageServerAddress("h", "80"))  # type: ignore[arg-type]


# -- ranges and consistency ------------------------------------------------------------


def test_log_level_range() -> None:
    for ok in range(5):
        CheckOptions(log_level=ok)
    for bad in (-1, 5):
        with pytest.raises(ValueError, match=r"CheckOptions\.log_level: must be 0\.\.4"):
            CheckOptions(log_level=bad)


@pytest.mark.parametrize("bad", ["logs/dump.log", "/tmp/dump.log", ""])
def test_log_file_is_a_bare_name(bad: str) -> None:
    with pytest.raises(ValueError, match=r"DumpOptions\.log_file: must be a bare file name"):
        DumpOptions(pid=1, images_dir=IMAGES_FD, log_file=bad)
    DumpOptions(pid=1, images_dir=IMAGES_FD, log_file="dump.log")


@pytest.mark.parametrize("bad", [0, -1])
def test_pid_must_be_positive(bad: int) -> None:
    with pytest.raises(ValueError, match=r"DumpOptions\.pid: must be > 0"):
        DumpOptions(pid=bad, images_dir=IMAGES_FD)


def test_page_server_port_range() -> None:
    for ok in (0, 1, 65535):
        PageServerOptions(images_dir=IMAGES_FD, port=ok)
    for bad in (-1, 65536):
        with pytest.raises(ValueError, match=r"PageServerOptions\.port: must be 0\.\.65535"):
            PageServerOptions(images_dir=IMAGES_FD, port=bad)
    with pytest.raises(ValueError, match=r"PageServerOptions\.address: must not be empty"):
        PageServerOptions(images_dir=IMAGES_FD, address="")
    with pytest.raises(ValueError, match=r"PageServerOptions\.fd: must be >= 0"):
        PageServerOptions(images_dir=IMAGES_FD, fd=-1)


@pytest.mark.parametrize(
    ("ps", "why"),
    [
        (PageServerAddress(port=1234), "needs an address"),
        (PageServerAddress(address="10.0.0.1"), "port must be 1..65535"),
        (PageServerAddress(address="10.0.0.1", port=65536), "port must be 1..65535"),
        (PageServerAddress(fd=-1), "fd must be >= 0"),
    ],
)
def test_dump_page_server_needs_address_and_port_or_fd(ps: PageServerAddress, why: str) -> None:
    with pytest.raises(ValueError, match=rf"DumpOptions\.page_server: {re.escape(why)}"):
        DumpOptions(pid=1, images_dir=IMAGES_FD, page_server=ps)


def test_dump_page_server_valid_forms() -> None:
    DumpOptions(pid=1, images_dir=IMAGES_FD, page_server=PageServerAddress("10.0.0.1", 1234))
    DumpOptions(pid=1, images_dir=IMAGES_FD, page_server=PageServerAddress(fd=3))


@pytest.mark.parametrize("cls", [DumpOptions, RestoreOptions])
def test_tcp_close_conflicts_with_tcp_established(cls: type[BaseOptions]) -> None:
    with pytest.raises(ValueError, match=rf"{cls.__name__}\.tcp_close: conflicts with tcp_established"):
        make(cls, tcp_close=True, tcp_established=True)


@pytest.mark.parametrize("bad", [Namespace.PID, Namespace.MNT, Namespace.NET | Namespace.IPC])
def test_empty_ns_only_net(bad: Namespace) -> None:
    with pytest.raises(ValueError, match=r"RestoreOptions\.empty_ns: CRIU supports only Namespace\.NET"):
        RestoreOptions(images_dir=IMAGES_FD, empty_ns=bad)
    RestoreOptions(images_dir=IMAGES_FD, empty_ns=Namespace.NET)


@pytest.mark.parametrize("bad", ["veth0", "", "dev", "mnt:x"])
def test_external_syntax(bad: str) -> None:
    with pytest.raises(ValueError, match=r"DumpOptions\.external: expected TYPE\[ID\]"):
        DumpOptions(pid=1, images_dir=IMAGES_FD, external=(bad,))
    DumpOptions(pid=1, images_dir=IMAGES_FD, external=("mnt[/data]:data", "veth[eth0]:host0"))


def test_inherit_fd_checks() -> None:
    with pytest.raises(ValueError, match=r"RestoreOptions\.inherit_fd: descriptor must be >= 0, got -1"):
        RestoreOptions(images_dir=IMAGES_FD, inherit_fd=(InheritFd("pipe:[1]", -1),))
    with pytest.raises(ValueError, match=r"RestoreOptions\.inherit_fd: key must not be empty"):
        RestoreOptions(images_dir=IMAGES_FD, inherit_fd=(InheritFd("", 1),))


@pytest.mark.parametrize("cls", [DumpOptions, RestoreOptions, PageServerOptions])
def test_img_dir_required(cls: type[BaseOptions]) -> None:
    with pytest.raises(ValueError, match=rf"{cls.__name__}\.images_dir: is required"):
        cls()


@pytest.mark.parametrize("cls", [CheckOptions, CpuinfoOptions])
def test_img_dir_optional(cls: type[BaseOptions]) -> None:
    assert cls().images_dir is None


@pytest.mark.parametrize(
    ("name", "bad"),
    [("images_dir", -1), ("images_dir", ""), ("work_dir", -2)],
    ids=["img-fd", "img-path", "work-fd"],
)
def test_dir_fd_and_path_checks(name: str, bad: object) -> None:
    with pytest.raises(ValueError, match=rf"CheckOptions\.{name}: "):
        CheckOptions(**{name: bad})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cls", "kwargs", "field"),
    [
        (DumpOptions, {"timeout": 0}, "timeout"),
        (DumpOptions, {"ghost_limit": -1}, "ghost_limit"),
        (DumpOptions, {"ghost_limit": 1 << 32}, "ghost_limit"),
        (DumpOptions, {"cpu_cap": 1 << 32}, "cpu_cap"),
        (CpuinfoOptions, {"cpu_cap": -1}, "cpu_cap"),
        (RestoreOptions, {"unix_sk_ino": (1 << 32,)}, "unix_sk_ino"),
        (RestoreOptions, {"join_ns": (JoinNamespace("bogus", "/x"),)}, "join_ns"),
    ],
)
def test_other_ranges(cls: type[BaseOptions], kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=rf"{cls.__name__}\.{field}: "):
        make(cls, **kwargs)


def test_options_are_frozen() -> None:
    opts = DumpOptions(pid=1, images_dir=IMAGES_FD)
    with pytest.raises(dataclasses.FrozenInstanceError):
        opts.pid = 2  # type: ignore[misc]


# -- lists become tuples -----------------------------------------------------------------

TUPLE_FIELDS = [
    (cls, name)
    for cls, name in ALL_FIELDS
    if any(typing.get_origin(a) is tuple for a in alternatives(hint_of(cls, name)))
]


@pytest.mark.parametrize(("cls", "name"), TUPLE_FIELDS, ids=[f"{c.__name__}.{n}" for c, n in TUPLE_FIELDS])
def test_lists_are_accepted_and_become_tuples(cls: type[BaseOptions], name: str) -> None:
    value = sample(cls, name)
    assert isinstance(value, tuple)
    opts = make(cls, **{name: list(value)})
    assert getattr(opts, name) == value
    assert isinstance(getattr(opts, name), tuple)
    hash(opts)  # frozen and made of tuples: hashable


# -- mapping to criu_opts --------------------------------------------------------------------

SAMPLES: dict[str, Any] = {
    "images_dir": 98,
    "work_dir": 97,
    "log_level": 4,
    "log_file": "sample.log",
    "pid": 4242,
    "port": 8080,
    "address": "10.1.2.3",
    "timeout": 9,
    "ghost_limit": 123,
    "cpu_cap": 7,
    "status_fd": 5,
    "pidfd_store_sk": 6,
    "external": ("mnt[/data]:data",),
    "unix_sk_ino": (12345,),
    "empty_ns": Namespace.NET,
    "page_server": PageServerAddress("10.0.0.1", 1234),
    "inherit_fd": (InheritFd("pipe:[1]", 3),),
    "veths": (VethPair("eth0", "host0"),),
    "ext_mnt": (ExtMount("/data", "data"),),
    "join_ns": (JoinNamespace("net", "/proc/1/ns/net", "extra"),),
    "cg_root": (CgroupRoot("/sys/fs/cgroup/job", "cpu"),),
}


def sample(cls: type[BaseOptions], name: str) -> Any:
    """A valid non-default value for a field: by name if special, else derived from its type."""
    default = default_of(cls, name)
    if name in SAMPLES:
        value = SAMPLES[name]
    else:
        accepted = [a for a in alternatives(hint_of(cls, name)) if a is not type(None)]
        kind = accepted[0]
        if kind is bool:
            value = not default
        elif kind is str:
            value = f"sample-{name}"
        elif kind is int:
            value = 7 if default != 7 else 8
        elif isinstance(kind, type) and issubclass(kind, enum.Enum):
            value = next(member for member in kind if member != default)
        elif typing.get_origin(kind) is tuple and typing.get_args(kind)[0] is str:
            value = (f"sample-{name}",)
        else:
            pytest.fail(f"no sample value for {cls.__name__}.{name} ({kind}): add one to SAMPLES")
    assert value != default, f"sample for {name} is its default"
    return value


def as_python(msg: Message) -> dict[str, Any]:
    """Set fields of a message as plain Python (submessages as dicts, repeated as lists)."""
    out: dict[str, Any] = {}
    for fd, value in msg.ListFields():
        if fd.message_type is not None:
            out[fd.name] = [as_python(v) for v in value] if _repeated(fd) else as_python(value)
        else:
            out[fd.name] = list(value) if _repeated(fd) else value
    return out


def _repeated(fd: Any) -> bool:
    return bool(fd.is_repeated) if hasattr(fd, "is_repeated") else bool(fd.label == fd.LABEL_REPEATED)


def expected_wire(cls: type[BaseOptions], name: str, value: Any) -> dict[str, Any]:
    """What setting ``name`` to ``value`` must put into criu_opts (besides images_dir_fd)."""
    if name == "images_dir":
        return {"images_dir_fd": value}
    if name == "work_dir":
        return {"work_dir_fd": value}
    if name == "page_server":
        return {"ps": {"address": value.address, "port": value.port}}
    if cls is PageServerOptions and name in ("address", "port", "fd"):
        return {"ps": {name: value}}
    if name == "manage_cgroups_mode":
        return {"manage_cgroups": value is not CgroupMode.IGNORE, "manage_cgroups_mode": value.value}
    if name == "empty_ns":
        return {"empty_ns": int(value)}
    if name == "unix_sk_ino":
        return {"unix_sk_ino": [{"inode": ino} for ino in value]}
    if isinstance(value, enum.Enum):
        return {name: value.value}
    if isinstance(value, tuple):
        return {
            name: [
                {k: v for k, v in dataclasses.asdict(item).items() if v is not None}
                if dataclasses.is_dataclass(item) and not isinstance(item, type)
                else item
                for item in value
            ]
        }
    return {name: value}


def baseline(cls: type[BaseOptions]) -> dict[str, Any]:
    """What a request with default options carries: the images dir, and for a page server its port."""
    base: dict[str, Any] = {"images_dir_fd": IMAGES_FD}
    if cls is PageServerOptions:
        base["ps"] = {"port": 0}
    return base


@pytest.mark.parametrize(("cls", "name"), ALL_FIELDS, ids=FIELD_IDS)
def test_each_field_maps_to_its_criu_opts_field(cls: type[BaseOptions], name: str) -> None:
    value = sample(cls, name)
    opts = make(cls, **{name: value})
    assert set(set_fields(opts)) == {name, "images_dir"}
    ctx = WireContext()
    msg = to_criu_opts(opts, ctx)
    want = baseline(cls)
    for key, val in expected_wire(cls, name, value).items():
        want[key] = want[key] | val if isinstance(val, dict) and isinstance(want.get(key), dict) else val
    assert as_python(msg) == want
    assert ctx.opened == []
    assert ctx.pass_fds == expected_pass_fds(cls, name, value)


def expected_pass_fds(cls: type[BaseOptions], name: str, value: Any) -> list[int]:
    """Descriptors CRIU must inherit (so the transport has to pass them)."""
    if name == "inherit_fd":
        return [item.fd for item in value]
    if name == "page_server":
        return [] if value.fd is None else [value.fd]
    if cls is PageServerOptions and name == "fd":
        return [value]
    return []


@pytest.mark.parametrize("cls", CLASSES)
def test_defaults_send_nothing_but_the_dir_fd(cls: type[BaseOptions]) -> None:
    ctx = WireContext()
    msg = to_criu_opts(make(cls), ctx)
    assert as_python(msg) == baseline(cls)
    assert ctx.pass_fds == []
    assert ctx.opened == []


def test_no_img_dir_sends_minus_one() -> None:
    assert as_python(to_criu_opts(CheckOptions(), WireContext())) == {"images_dir_fd": -1}


def test_manage_cgroups_ignore_turns_management_off() -> None:
    msg = to_criu_opts(
        RestoreOptions(images_dir=IMAGES_FD, manage_cgroups_mode=CgroupMode.IGNORE), WireContext()
    )
    assert msg.HasField("manage_cgroups")
    assert not msg.manage_cgroups
    assert msg.manage_cgroups_mode == rpc_pb2.IGNORE


def test_page_server_fd_is_passed() -> None:
    ctx = WireContext()
    msg = to_criu_opts(DumpOptions(pid=1, images_dir=IMAGES_FD, page_server=PageServerAddress(fd=5)), ctx)
    assert as_python(msg.ps) == {"fd": 5}
    assert ctx.pass_fds == [5]


@pytest.mark.parametrize("cls", CLASSES)
def test_repr_shows_only_what_was_set(cls: type[BaseOptions]) -> None:
    assert repr(make(cls)) == f"{cls.__name__}(images_dir={IMAGES_FD})"
    assert repr(make(cls, log_level=4)) == f"{cls.__name__}(images_dir={IMAGES_FD}, log_level=4)"


def test_one_descriptor_under_two_keys_is_handed_over_twice() -> None:
    # CRIU closes each inherited fd after taking it: stdout and stderr on one pipe need two.
    read_end, write_end = os.pipe()
    try:
        ctx = WireContext()
        msg = to_criu_opts(
            RestoreOptions(
                images_dir=IMAGES_FD,
                inherit_fd=(InheritFd("pipe:[1]", write_end), InheritFd("pipe:[2]", write_end)),
            ),
            ctx,
        )
        given = [item.fd for item in msg.inherit_fd]
        assert given[0] == write_end
        assert given[1] != write_end
        assert os.path.samestat(os.fstat(given[1]), os.fstat(write_end))
        assert ctx.pass_fds == given
        assert ctx.opened == [given[1]]
        ctx.close()
        with pytest.raises(OSError, match="Bad file descriptor"):
            os.fstat(given[1])
    finally:
        os.close(read_end)
        os.close(write_end)


def test_enums_mirror_the_wire_enums() -> None:
    assert {m.name: m.value for m in NetworkLock} == {
        "IPTABLES": rpc_pb2.IPTABLES,
        "NFTABLES": rpc_pb2.NFTABLES,
        "SKIP": rpc_pb2.SKIP,
    }
    assert {m.value for m in PreDumpMode} == set(rpc_pb2.criu_pre_dump_mode.values())
    assert {m.value for m in CgroupMode} == set(rpc_pb2.criu_cg_mode.values())


@pytest.mark.parametrize("as_path", [str, Path])
def test_path_dirs_are_opened_and_closed_by_the_context(tmp_path: Path, as_path: type[Any]) -> None:
    images = tmp_path / "images"
    work = tmp_path / "work"
    images.mkdir()
    work.mkdir()
    ctx = WireContext()
    msg = to_criu_opts(DumpOptions(pid=1, images_dir=as_path(images), work_dir=as_path(work)), ctx)
    fds = [msg.images_dir_fd, msg.work_dir_fd]
    assert sorted(ctx.opened) == sorted(fds)
    for fd, path in zip(fds, (images, work), strict=True):
        info = os.fstat(fd)
        assert stat.S_ISDIR(info.st_mode)
        assert (info.st_dev, info.st_ino) == (path.stat().st_dev, path.stat().st_ino)
    ctx.close()
    assert ctx.opened == []
    for fd in fds:
        with pytest.raises(OSError, match="Bad file descriptor"):
            os.fstat(fd)


def test_img_dir_that_is_not_a_directory_fails_to_open(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    ctx = WireContext()
    with pytest.raises(NotADirectoryError):
        to_criu_opts(DumpOptions(pid=1, images_dir=tmp_path / "file"), ctx)
    ctx.close()


# -- nothing on the wire is forgotten ---------------------------------------------------------


def documented_exceptions() -> set[str]:
    doc = options_mod.__doc__ or ""
    marker = "Wire fields with no dataclass field"
    assert marker in doc, "options.py's docstring must list the criu_opts fields with no dataclass field"
    return set(re.findall(r"``(\w+)``", doc.split(marker, 1)[1]))


def test_every_criu_opts_field_is_an_option_or_a_documented_exception() -> None:
    documented = documented_exceptions()
    assert {
        "images_dir_fd",
        "images_dir",
        "work_dir_fd",
        "ps",
        "notify_scripts",
        "manage_cgroups",
    } <= documented
    option_fields = {name for _, name in ALL_FIELDS}
    forgotten = WIRE_FIELDS - option_fields - documented
    assert not forgotten, (
        f"criu_opts fields neither exposed nor documented as exceptions: {sorted(forgotten)}"
    )


def test_every_option_field_reaches_the_wire() -> None:
    """A field that is neither a criu_opts field nor specially mapped would fail in to_criu_opts."""
    special = set(options_mod._WIRE)
    stray = {name for _, name in ALL_FIELDS} - WIRE_FIELDS - special
    assert not stray


def test_since_keys_are_real_option_fields() -> None:
    option_fields = {name for _, name in ALL_FIELDS}
    for name, (major, minor) in SINCE.items():
        assert name in WIRE_FIELDS, f"SINCE[{name!r}] is not a criu_opts field"
        assert name in option_fields, f"SINCE[{name!r}] is no options field: the version gate can never fire"
        assert (major, minor) > (3, 11), f"SINCE[{name!r}] = {major}.{minor} is not newer than 3.11"
