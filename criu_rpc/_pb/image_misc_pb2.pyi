from . import image_task_pb2 as _image_task_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class lsmtype(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NO_LSM: _ClassVar[lsmtype]
    SELINUX: _ClassVar[lsmtype]
    APPARMOR: _ClassVar[lsmtype]
NO_LSM: lsmtype
SELINUX: lsmtype
APPARMOR: lsmtype

class plugins_entry(_message.Message):
    __slots__ = ("plugins",)
    PLUGINS_FIELD_NUMBER: _ClassVar[int]
    plugins: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, plugins: _Optional[_Iterable[str]] = ...) -> None: ...

class inventory_entry(_message.Message):
    __slots__ = ("img_version", "fdinfo_per_id", "root_ids", "ns_per_id", "root_cg_set", "lsmtype", "dump_uptime", "pre_dump_mode", "tcp_close", "network_lock_method", "plugins_entry", "dump_criu_run_id", "allow_uprobes")
    IMG_VERSION_FIELD_NUMBER: _ClassVar[int]
    FDINFO_PER_ID_FIELD_NUMBER: _ClassVar[int]
    ROOT_IDS_FIELD_NUMBER: _ClassVar[int]
    NS_PER_ID_FIELD_NUMBER: _ClassVar[int]
    ROOT_CG_SET_FIELD_NUMBER: _ClassVar[int]
    LSMTYPE_FIELD_NUMBER: _ClassVar[int]
    DUMP_UPTIME_FIELD_NUMBER: _ClassVar[int]
    PRE_DUMP_MODE_FIELD_NUMBER: _ClassVar[int]
    TCP_CLOSE_FIELD_NUMBER: _ClassVar[int]
    NETWORK_LOCK_METHOD_FIELD_NUMBER: _ClassVar[int]
    PLUGINS_ENTRY_FIELD_NUMBER: _ClassVar[int]
    DUMP_CRIU_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    ALLOW_UPROBES_FIELD_NUMBER: _ClassVar[int]
    img_version: int
    fdinfo_per_id: bool
    root_ids: _image_task_pb2.task_kobj_ids_entry
    ns_per_id: bool
    root_cg_set: int
    lsmtype: lsmtype
    dump_uptime: int
    pre_dump_mode: int
    tcp_close: bool
    network_lock_method: int
    plugins_entry: plugins_entry
    dump_criu_run_id: str
    allow_uprobes: bool
    def __init__(self, img_version: _Optional[int] = ..., fdinfo_per_id: _Optional[bool] = ..., root_ids: _Optional[_Union[_image_task_pb2.task_kobj_ids_entry, _Mapping]] = ..., ns_per_id: _Optional[bool] = ..., root_cg_set: _Optional[int] = ..., lsmtype: _Optional[_Union[lsmtype, str]] = ..., dump_uptime: _Optional[int] = ..., pre_dump_mode: _Optional[int] = ..., tcp_close: _Optional[bool] = ..., network_lock_method: _Optional[int] = ..., plugins_entry: _Optional[_Union[plugins_entry, _Mapping]] = ..., dump_criu_run_id: _Optional[str] = ..., allow_uprobes: _Optional[bool] = ...) -> None: ...

class dump_stats_entry(_message.Message):
    __slots__ = ("freezing_time", "frozen_time", "memdump_time", "memwrite_time", "pages_scanned", "pages_skipped_parent", "pages_written", "irmap_resolve", "pages_lazy", "page_pipes", "page_pipe_bufs", "shpages_scanned", "shpages_skipped_parent", "shpages_written")
    FREEZING_TIME_FIELD_NUMBER: _ClassVar[int]
    FROZEN_TIME_FIELD_NUMBER: _ClassVar[int]
    MEMDUMP_TIME_FIELD_NUMBER: _ClassVar[int]
    MEMWRITE_TIME_FIELD_NUMBER: _ClassVar[int]
    PAGES_SCANNED_FIELD_NUMBER: _ClassVar[int]
    PAGES_SKIPPED_PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGES_WRITTEN_FIELD_NUMBER: _ClassVar[int]
    IRMAP_RESOLVE_FIELD_NUMBER: _ClassVar[int]
    PAGES_LAZY_FIELD_NUMBER: _ClassVar[int]
    PAGE_PIPES_FIELD_NUMBER: _ClassVar[int]
    PAGE_PIPE_BUFS_FIELD_NUMBER: _ClassVar[int]
    SHPAGES_SCANNED_FIELD_NUMBER: _ClassVar[int]
    SHPAGES_SKIPPED_PARENT_FIELD_NUMBER: _ClassVar[int]
    SHPAGES_WRITTEN_FIELD_NUMBER: _ClassVar[int]
    freezing_time: int
    frozen_time: int
    memdump_time: int
    memwrite_time: int
    pages_scanned: int
    pages_skipped_parent: int
    pages_written: int
    irmap_resolve: int
    pages_lazy: int
    page_pipes: int
    page_pipe_bufs: int
    shpages_scanned: int
    shpages_skipped_parent: int
    shpages_written: int
    def __init__(self, freezing_time: _Optional[int] = ..., frozen_time: _Optional[int] = ..., memdump_time: _Optional[int] = ..., memwrite_time: _Optional[int] = ..., pages_scanned: _Optional[int] = ..., pages_skipped_parent: _Optional[int] = ..., pages_written: _Optional[int] = ..., irmap_resolve: _Optional[int] = ..., pages_lazy: _Optional[int] = ..., page_pipes: _Optional[int] = ..., page_pipe_bufs: _Optional[int] = ..., shpages_scanned: _Optional[int] = ..., shpages_skipped_parent: _Optional[int] = ..., shpages_written: _Optional[int] = ...) -> None: ...

class restore_stats_entry(_message.Message):
    __slots__ = ("pages_compared", "pages_skipped_cow", "forking_time", "restore_time", "pages_restored")
    PAGES_COMPARED_FIELD_NUMBER: _ClassVar[int]
    PAGES_SKIPPED_COW_FIELD_NUMBER: _ClassVar[int]
    FORKING_TIME_FIELD_NUMBER: _ClassVar[int]
    RESTORE_TIME_FIELD_NUMBER: _ClassVar[int]
    PAGES_RESTORED_FIELD_NUMBER: _ClassVar[int]
    pages_compared: int
    pages_skipped_cow: int
    forking_time: int
    restore_time: int
    pages_restored: int
    def __init__(self, pages_compared: _Optional[int] = ..., pages_skipped_cow: _Optional[int] = ..., forking_time: _Optional[int] = ..., restore_time: _Optional[int] = ..., pages_restored: _Optional[int] = ...) -> None: ...

class stats_entry(_message.Message):
    __slots__ = ("dump", "restore")
    DUMP_FIELD_NUMBER: _ClassVar[int]
    RESTORE_FIELD_NUMBER: _ClassVar[int]
    dump: dump_stats_entry
    restore: restore_stats_entry
    def __init__(self, dump: _Optional[_Union[dump_stats_entry, _Mapping]] = ..., restore: _Optional[_Union[restore_stats_entry, _Mapping]] = ...) -> None: ...

class cpuinfo_x86_entry(_message.Message):
    __slots__ = ("vendor_id", "cpu_family", "model", "stepping", "capability_ver", "capability", "model_id", "xfeatures_mask", "xsave_size", "xsave_size_max")
    class vendor(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        UNKNOWN: _ClassVar[cpuinfo_x86_entry.vendor]
        INTEL: _ClassVar[cpuinfo_x86_entry.vendor]
        AMD: _ClassVar[cpuinfo_x86_entry.vendor]
    UNKNOWN: cpuinfo_x86_entry.vendor
    INTEL: cpuinfo_x86_entry.vendor
    AMD: cpuinfo_x86_entry.vendor
    VENDOR_ID_FIELD_NUMBER: _ClassVar[int]
    CPU_FAMILY_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    STEPPING_FIELD_NUMBER: _ClassVar[int]
    CAPABILITY_VER_FIELD_NUMBER: _ClassVar[int]
    CAPABILITY_FIELD_NUMBER: _ClassVar[int]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    XFEATURES_MASK_FIELD_NUMBER: _ClassVar[int]
    XSAVE_SIZE_FIELD_NUMBER: _ClassVar[int]
    XSAVE_SIZE_MAX_FIELD_NUMBER: _ClassVar[int]
    vendor_id: cpuinfo_x86_entry.vendor
    cpu_family: int
    model: int
    stepping: int
    capability_ver: int
    capability: _containers.RepeatedScalarFieldContainer[int]
    model_id: str
    xfeatures_mask: int
    xsave_size: int
    xsave_size_max: int
    def __init__(self, vendor_id: _Optional[_Union[cpuinfo_x86_entry.vendor, str]] = ..., cpu_family: _Optional[int] = ..., model: _Optional[int] = ..., stepping: _Optional[int] = ..., capability_ver: _Optional[int] = ..., capability: _Optional[_Iterable[int]] = ..., model_id: _Optional[str] = ..., xfeatures_mask: _Optional[int] = ..., xsave_size: _Optional[int] = ..., xsave_size_max: _Optional[int] = ...) -> None: ...

class cpuinfo_ppc64_entry(_message.Message):
    __slots__ = ("endian", "hwcap")
    class endianness(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        BIGENDIAN: _ClassVar[cpuinfo_ppc64_entry.endianness]
        LITTLEENDIAN: _ClassVar[cpuinfo_ppc64_entry.endianness]
    BIGENDIAN: cpuinfo_ppc64_entry.endianness
    LITTLEENDIAN: cpuinfo_ppc64_entry.endianness
    ENDIAN_FIELD_NUMBER: _ClassVar[int]
    HWCAP_FIELD_NUMBER: _ClassVar[int]
    endian: cpuinfo_ppc64_entry.endianness
    hwcap: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, endian: _Optional[_Union[cpuinfo_ppc64_entry.endianness, str]] = ..., hwcap: _Optional[_Iterable[int]] = ...) -> None: ...

class cpuinfo_s390_entry(_message.Message):
    __slots__ = ("hwcap",)
    HWCAP_FIELD_NUMBER: _ClassVar[int]
    hwcap: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, hwcap: _Optional[_Iterable[int]] = ...) -> None: ...

class cpuinfo_entry(_message.Message):
    __slots__ = ("x86_entry", "ppc64_entry", "s390_entry")
    X86_ENTRY_FIELD_NUMBER: _ClassVar[int]
    PPC64_ENTRY_FIELD_NUMBER: _ClassVar[int]
    S390_ENTRY_FIELD_NUMBER: _ClassVar[int]
    x86_entry: _containers.RepeatedCompositeFieldContainer[cpuinfo_x86_entry]
    ppc64_entry: _containers.RepeatedCompositeFieldContainer[cpuinfo_ppc64_entry]
    s390_entry: _containers.RepeatedCompositeFieldContainer[cpuinfo_s390_entry]
    def __init__(self, x86_entry: _Optional[_Iterable[_Union[cpuinfo_x86_entry, _Mapping]]] = ..., ppc64_entry: _Optional[_Iterable[_Union[cpuinfo_ppc64_entry, _Mapping]]] = ..., s390_entry: _Optional[_Iterable[_Union[cpuinfo_s390_entry, _Mapping]]] = ...) -> None: ...
