from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class fstype(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    UNSUPPORTED: _ClassVar[fstype]
    PROC: _ClassVar[fstype]
    SYSFS: _ClassVar[fstype]
    DEVTMPFS: _ClassVar[fstype]
    BINFMT_MISC: _ClassVar[fstype]
    TMPFS: _ClassVar[fstype]
    DEVPTS: _ClassVar[fstype]
    SIMFS: _ClassVar[fstype]
    PSTORE: _ClassVar[fstype]
    SECURITYFS: _ClassVar[fstype]
    FUSECTL: _ClassVar[fstype]
    DEBUGFS: _ClassVar[fstype]
    CGROUP: _ClassVar[fstype]
    AUFS: _ClassVar[fstype]
    MQUEUE: _ClassVar[fstype]
    FUSE: _ClassVar[fstype]
    AUTO: _ClassVar[fstype]
    OVERLAYFS: _ClassVar[fstype]
    AUTOFS: _ClassVar[fstype]
    TRACEFS: _ClassVar[fstype]
    CGROUP2: _ClassVar[fstype]

class SysctlType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CTL_STR: _ClassVar[SysctlType]
    CTL_32: _ClassVar[SysctlType]

class nd_type(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LOOPBACK: _ClassVar[nd_type]
    VETH: _ClassVar[nd_type]
    TUN: _ClassVar[nd_type]
    EXTLINK: _ClassVar[nd_type]
    VENET: _ClassVar[nd_type]
    BRIDGE: _ClassVar[nd_type]
    MACVLAN: _ClassVar[nd_type]
    SIT: _ClassVar[nd_type]
UNSUPPORTED: fstype
PROC: fstype
SYSFS: fstype
DEVTMPFS: fstype
BINFMT_MISC: fstype
TMPFS: fstype
DEVPTS: fstype
SIMFS: fstype
PSTORE: fstype
SECURITYFS: fstype
FUSECTL: fstype
DEBUGFS: fstype
CGROUP: fstype
AUFS: fstype
MQUEUE: fstype
FUSE: fstype
AUTO: fstype
OVERLAYFS: fstype
AUTOFS: fstype
TRACEFS: fstype
CGROUP2: fstype
CTL_STR: SysctlType
CTL_32: SysctlType
LOOPBACK: nd_type
VETH: nd_type
TUN: nd_type
EXTLINK: nd_type
VENET: nd_type
BRIDGE: nd_type
MACVLAN: nd_type
SIT: nd_type

class mnt_entry(_message.Message):
    __slots__ = ("fstype", "mnt_id", "root_dev", "parent_mnt_id", "flags", "root", "mountpoint", "source", "options", "shared_id", "master_id", "with_plugin", "ext_mount", "fsname", "internal_sharing", "deleted", "sb_flags", "ext_key")
    FSTYPE_FIELD_NUMBER: _ClassVar[int]
    MNT_ID_FIELD_NUMBER: _ClassVar[int]
    ROOT_DEV_FIELD_NUMBER: _ClassVar[int]
    PARENT_MNT_ID_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    ROOT_FIELD_NUMBER: _ClassVar[int]
    MOUNTPOINT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    SHARED_ID_FIELD_NUMBER: _ClassVar[int]
    MASTER_ID_FIELD_NUMBER: _ClassVar[int]
    WITH_PLUGIN_FIELD_NUMBER: _ClassVar[int]
    EXT_MOUNT_FIELD_NUMBER: _ClassVar[int]
    FSNAME_FIELD_NUMBER: _ClassVar[int]
    INTERNAL_SHARING_FIELD_NUMBER: _ClassVar[int]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    SB_FLAGS_FIELD_NUMBER: _ClassVar[int]
    EXT_KEY_FIELD_NUMBER: _ClassVar[int]
    fstype: int
    mnt_id: int
    root_dev: int
    parent_mnt_id: int
    flags: int
    root: str
    mountpoint: str
    source: str
    options: str
    shared_id: int
    master_id: int
    with_plugin: bool
    ext_mount: bool
    fsname: str
    internal_sharing: bool
    deleted: bool
    sb_flags: int
    ext_key: str
    def __init__(self, fstype: _Optional[int] = ..., mnt_id: _Optional[int] = ..., root_dev: _Optional[int] = ..., parent_mnt_id: _Optional[int] = ..., flags: _Optional[int] = ..., root: _Optional[str] = ..., mountpoint: _Optional[str] = ..., source: _Optional[str] = ..., options: _Optional[str] = ..., shared_id: _Optional[int] = ..., master_id: _Optional[int] = ..., with_plugin: _Optional[bool] = ..., ext_mount: _Optional[bool] = ..., fsname: _Optional[str] = ..., internal_sharing: _Optional[bool] = ..., deleted: _Optional[bool] = ..., sb_flags: _Optional[int] = ..., ext_key: _Optional[str] = ...) -> None: ...

class sysctl_entry(_message.Message):
    __slots__ = ("type", "iarg", "sarg")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    IARG_FIELD_NUMBER: _ClassVar[int]
    SARG_FIELD_NUMBER: _ClassVar[int]
    type: SysctlType
    iarg: int
    sarg: str
    def __init__(self, type: _Optional[_Union[SysctlType, str]] = ..., iarg: _Optional[int] = ..., sarg: _Optional[str] = ...) -> None: ...

class tun_link_entry(_message.Message):
    __slots__ = ("flags", "owner", "group", "vnethdr", "sndbuf")
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    VNETHDR_FIELD_NUMBER: _ClassVar[int]
    SNDBUF_FIELD_NUMBER: _ClassVar[int]
    flags: int
    owner: int
    group: int
    vnethdr: int
    sndbuf: int
    def __init__(self, flags: _Optional[int] = ..., owner: _Optional[int] = ..., group: _Optional[int] = ..., vnethdr: _Optional[int] = ..., sndbuf: _Optional[int] = ...) -> None: ...

class macvlan_link_entry(_message.Message):
    __slots__ = ("mode", "flags")
    MODE_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    mode: int
    flags: int
    def __init__(self, mode: _Optional[int] = ..., flags: _Optional[int] = ...) -> None: ...

class sit_entry(_message.Message):
    __slots__ = ("link", "local", "remote", "ttl", "tos", "pmtudisc", "proto", "flags", "encap_type", "encap_flags", "encap_sport", "encap_dport", "rd_prefixlen", "rd_prefix", "relay_prefixlen", "relay_prefix")
    LINK_FIELD_NUMBER: _ClassVar[int]
    LOCAL_FIELD_NUMBER: _ClassVar[int]
    REMOTE_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    TOS_FIELD_NUMBER: _ClassVar[int]
    PMTUDISC_FIELD_NUMBER: _ClassVar[int]
    PROTO_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    ENCAP_TYPE_FIELD_NUMBER: _ClassVar[int]
    ENCAP_FLAGS_FIELD_NUMBER: _ClassVar[int]
    ENCAP_SPORT_FIELD_NUMBER: _ClassVar[int]
    ENCAP_DPORT_FIELD_NUMBER: _ClassVar[int]
    RD_PREFIXLEN_FIELD_NUMBER: _ClassVar[int]
    RD_PREFIX_FIELD_NUMBER: _ClassVar[int]
    RELAY_PREFIXLEN_FIELD_NUMBER: _ClassVar[int]
    RELAY_PREFIX_FIELD_NUMBER: _ClassVar[int]
    link: int
    local: _containers.RepeatedScalarFieldContainer[int]
    remote: _containers.RepeatedScalarFieldContainer[int]
    ttl: int
    tos: int
    pmtudisc: bool
    proto: int
    flags: int
    encap_type: int
    encap_flags: int
    encap_sport: int
    encap_dport: int
    rd_prefixlen: int
    rd_prefix: _containers.RepeatedScalarFieldContainer[int]
    relay_prefixlen: int
    relay_prefix: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, link: _Optional[int] = ..., local: _Optional[_Iterable[int]] = ..., remote: _Optional[_Iterable[int]] = ..., ttl: _Optional[int] = ..., tos: _Optional[int] = ..., pmtudisc: _Optional[bool] = ..., proto: _Optional[int] = ..., flags: _Optional[int] = ..., encap_type: _Optional[int] = ..., encap_flags: _Optional[int] = ..., encap_sport: _Optional[int] = ..., encap_dport: _Optional[int] = ..., rd_prefixlen: _Optional[int] = ..., rd_prefix: _Optional[_Iterable[int]] = ..., relay_prefixlen: _Optional[int] = ..., relay_prefix: _Optional[_Iterable[int]] = ...) -> None: ...

class net_device_entry(_message.Message):
    __slots__ = ("type", "ifindex", "mtu", "flags", "name", "tun", "address", "conf", "conf4", "conf6", "macvlan", "peer_ifindex", "peer_nsid", "master", "sit")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    IFINDEX_FIELD_NUMBER: _ClassVar[int]
    MTU_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TUN_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    CONF_FIELD_NUMBER: _ClassVar[int]
    CONF4_FIELD_NUMBER: _ClassVar[int]
    CONF6_FIELD_NUMBER: _ClassVar[int]
    MACVLAN_FIELD_NUMBER: _ClassVar[int]
    PEER_IFINDEX_FIELD_NUMBER: _ClassVar[int]
    PEER_NSID_FIELD_NUMBER: _ClassVar[int]
    MASTER_FIELD_NUMBER: _ClassVar[int]
    SIT_FIELD_NUMBER: _ClassVar[int]
    type: nd_type
    ifindex: int
    mtu: int
    flags: int
    name: str
    tun: tun_link_entry
    address: bytes
    conf: _containers.RepeatedScalarFieldContainer[int]
    conf4: _containers.RepeatedCompositeFieldContainer[sysctl_entry]
    conf6: _containers.RepeatedCompositeFieldContainer[sysctl_entry]
    macvlan: macvlan_link_entry
    peer_ifindex: int
    peer_nsid: int
    master: int
    sit: sit_entry
    def __init__(self, type: _Optional[_Union[nd_type, str]] = ..., ifindex: _Optional[int] = ..., mtu: _Optional[int] = ..., flags: _Optional[int] = ..., name: _Optional[str] = ..., tun: _Optional[_Union[tun_link_entry, _Mapping]] = ..., address: _Optional[bytes] = ..., conf: _Optional[_Iterable[int]] = ..., conf4: _Optional[_Iterable[_Union[sysctl_entry, _Mapping]]] = ..., conf6: _Optional[_Iterable[_Union[sysctl_entry, _Mapping]]] = ..., macvlan: _Optional[_Union[macvlan_link_entry, _Mapping]] = ..., peer_ifindex: _Optional[int] = ..., peer_nsid: _Optional[int] = ..., master: _Optional[int] = ..., sit: _Optional[_Union[sit_entry, _Mapping]] = ...) -> None: ...

class netns_id(_message.Message):
    __slots__ = ("target_ns_id", "netnsid_value")
    TARGET_NS_ID_FIELD_NUMBER: _ClassVar[int]
    NETNSID_VALUE_FIELD_NUMBER: _ClassVar[int]
    target_ns_id: int
    netnsid_value: int
    def __init__(self, target_ns_id: _Optional[int] = ..., netnsid_value: _Optional[int] = ...) -> None: ...

class netns_entry(_message.Message):
    __slots__ = ("def_conf", "all_conf", "def_conf4", "all_conf4", "def_conf6", "all_conf6", "nsids", "ext_key", "unix_conf", "ipv4_sysctl")
    DEF_CONF_FIELD_NUMBER: _ClassVar[int]
    ALL_CONF_FIELD_NUMBER: _ClassVar[int]
    DEF_CONF4_FIELD_NUMBER: _ClassVar[int]
    ALL_CONF4_FIELD_NUMBER: _ClassVar[int]
    DEF_CONF6_FIELD_NUMBER: _ClassVar[int]
    ALL_CONF6_FIELD_NUMBER: _ClassVar[int]
    NSIDS_FIELD_NUMBER: _ClassVar[int]
    EXT_KEY_FIELD_NUMBER: _ClassVar[int]
    UNIX_CONF_FIELD_NUMBER: _ClassVar[int]
    IPV4_SYSCTL_FIELD_NUMBER: _ClassVar[int]
    def_conf: _containers.RepeatedScalarFieldContainer[int]
    all_conf: _containers.RepeatedScalarFieldContainer[int]
    def_conf4: _containers.RepeatedCompositeFieldContainer[sysctl_entry]
    all_conf4: _containers.RepeatedCompositeFieldContainer[sysctl_entry]
    def_conf6: _containers.RepeatedCompositeFieldContainer[sysctl_entry]
    all_conf6: _containers.RepeatedCompositeFieldContainer[sysctl_entry]
    nsids: _containers.RepeatedCompositeFieldContainer[netns_id]
    ext_key: str
    unix_conf: _containers.RepeatedCompositeFieldContainer[sysctl_entry]
    ipv4_sysctl: _containers.RepeatedCompositeFieldContainer[sysctl_entry]
    def __init__(self, def_conf: _Optional[_Iterable[int]] = ..., all_conf: _Optional[_Iterable[int]] = ..., def_conf4: _Optional[_Iterable[_Union[sysctl_entry, _Mapping]]] = ..., all_conf4: _Optional[_Iterable[_Union[sysctl_entry, _Mapping]]] = ..., def_conf6: _Optional[_Iterable[_Union[sysctl_entry, _Mapping]]] = ..., all_conf6: _Optional[_Iterable[_Union[sysctl_entry, _Mapping]]] = ..., nsids: _Optional[_Iterable[_Union[netns_id, _Mapping]]] = ..., ext_key: _Optional[str] = ..., unix_conf: _Optional[_Iterable[_Union[sysctl_entry, _Mapping]]] = ..., ipv4_sysctl: _Optional[_Iterable[_Union[sysctl_entry, _Mapping]]] = ...) -> None: ...

class utsns_entry(_message.Message):
    __slots__ = ("nodename", "domainname")
    NODENAME_FIELD_NUMBER: _ClassVar[int]
    DOMAINNAME_FIELD_NUMBER: _ClassVar[int]
    nodename: str
    domainname: str
    def __init__(self, nodename: _Optional[str] = ..., domainname: _Optional[str] = ...) -> None: ...

class ipc_var_entry(_message.Message):
    __slots__ = ("sem_ctls", "msg_ctlmax", "msg_ctlmnb", "msg_ctlmni", "auto_msgmni", "shm_ctlmax", "shm_ctlall", "shm_ctlmni", "shm_rmid_forced", "mq_queues_max", "mq_msg_max", "mq_msgsize_max", "mq_msg_default", "mq_msgsize_default", "msg_next_id", "sem_next_id", "shm_next_id")
    SEM_CTLS_FIELD_NUMBER: _ClassVar[int]
    MSG_CTLMAX_FIELD_NUMBER: _ClassVar[int]
    MSG_CTLMNB_FIELD_NUMBER: _ClassVar[int]
    MSG_CTLMNI_FIELD_NUMBER: _ClassVar[int]
    AUTO_MSGMNI_FIELD_NUMBER: _ClassVar[int]
    SHM_CTLMAX_FIELD_NUMBER: _ClassVar[int]
    SHM_CTLALL_FIELD_NUMBER: _ClassVar[int]
    SHM_CTLMNI_FIELD_NUMBER: _ClassVar[int]
    SHM_RMID_FORCED_FIELD_NUMBER: _ClassVar[int]
    MQ_QUEUES_MAX_FIELD_NUMBER: _ClassVar[int]
    MQ_MSG_MAX_FIELD_NUMBER: _ClassVar[int]
    MQ_MSGSIZE_MAX_FIELD_NUMBER: _ClassVar[int]
    MQ_MSG_DEFAULT_FIELD_NUMBER: _ClassVar[int]
    MQ_MSGSIZE_DEFAULT_FIELD_NUMBER: _ClassVar[int]
    MSG_NEXT_ID_FIELD_NUMBER: _ClassVar[int]
    SEM_NEXT_ID_FIELD_NUMBER: _ClassVar[int]
    SHM_NEXT_ID_FIELD_NUMBER: _ClassVar[int]
    sem_ctls: _containers.RepeatedScalarFieldContainer[int]
    msg_ctlmax: int
    msg_ctlmnb: int
    msg_ctlmni: int
    auto_msgmni: int
    shm_ctlmax: int
    shm_ctlall: int
    shm_ctlmni: int
    shm_rmid_forced: int
    mq_queues_max: int
    mq_msg_max: int
    mq_msgsize_max: int
    mq_msg_default: int
    mq_msgsize_default: int
    msg_next_id: int
    sem_next_id: int
    shm_next_id: int
    def __init__(self, sem_ctls: _Optional[_Iterable[int]] = ..., msg_ctlmax: _Optional[int] = ..., msg_ctlmnb: _Optional[int] = ..., msg_ctlmni: _Optional[int] = ..., auto_msgmni: _Optional[int] = ..., shm_ctlmax: _Optional[int] = ..., shm_ctlall: _Optional[int] = ..., shm_ctlmni: _Optional[int] = ..., shm_rmid_forced: _Optional[int] = ..., mq_queues_max: _Optional[int] = ..., mq_msg_max: _Optional[int] = ..., mq_msgsize_max: _Optional[int] = ..., mq_msg_default: _Optional[int] = ..., mq_msgsize_default: _Optional[int] = ..., msg_next_id: _Optional[int] = ..., sem_next_id: _Optional[int] = ..., shm_next_id: _Optional[int] = ...) -> None: ...

class ipc_desc_entry(_message.Message):
    __slots__ = ("key", "uid", "gid", "cuid", "cgid", "mode", "id")
    KEY_FIELD_NUMBER: _ClassVar[int]
    UID_FIELD_NUMBER: _ClassVar[int]
    GID_FIELD_NUMBER: _ClassVar[int]
    CUID_FIELD_NUMBER: _ClassVar[int]
    CGID_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    key: int
    uid: int
    gid: int
    cuid: int
    cgid: int
    mode: int
    id: int
    def __init__(self, key: _Optional[int] = ..., uid: _Optional[int] = ..., gid: _Optional[int] = ..., cuid: _Optional[int] = ..., cgid: _Optional[int] = ..., mode: _Optional[int] = ..., id: _Optional[int] = ...) -> None: ...

class ipc_shm_entry(_message.Message):
    __slots__ = ("desc", "size", "in_pagemaps", "hugetlb_flag")
    DESC_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    IN_PAGEMAPS_FIELD_NUMBER: _ClassVar[int]
    HUGETLB_FLAG_FIELD_NUMBER: _ClassVar[int]
    desc: ipc_desc_entry
    size: int
    in_pagemaps: bool
    hugetlb_flag: int
    def __init__(self, desc: _Optional[_Union[ipc_desc_entry, _Mapping]] = ..., size: _Optional[int] = ..., in_pagemaps: _Optional[bool] = ..., hugetlb_flag: _Optional[int] = ...) -> None: ...

class ipc_sem_entry(_message.Message):
    __slots__ = ("desc", "nsems")
    DESC_FIELD_NUMBER: _ClassVar[int]
    NSEMS_FIELD_NUMBER: _ClassVar[int]
    desc: ipc_desc_entry
    nsems: int
    def __init__(self, desc: _Optional[_Union[ipc_desc_entry, _Mapping]] = ..., nsems: _Optional[int] = ...) -> None: ...

class ipc_msg_entry(_message.Message):
    __slots__ = ("desc", "qbytes", "qnum")
    DESC_FIELD_NUMBER: _ClassVar[int]
    QBYTES_FIELD_NUMBER: _ClassVar[int]
    QNUM_FIELD_NUMBER: _ClassVar[int]
    desc: ipc_desc_entry
    qbytes: int
    qnum: int
    def __init__(self, desc: _Optional[_Union[ipc_desc_entry, _Mapping]] = ..., qbytes: _Optional[int] = ..., qnum: _Optional[int] = ...) -> None: ...

class ipc_msg(_message.Message):
    __slots__ = ("mtype", "msize")
    MTYPE_FIELD_NUMBER: _ClassVar[int]
    MSIZE_FIELD_NUMBER: _ClassVar[int]
    mtype: int
    msize: int
    def __init__(self, mtype: _Optional[int] = ..., msize: _Optional[int] = ...) -> None: ...

class uid_gid_extent(_message.Message):
    __slots__ = ("first", "lower_first", "count")
    FIRST_FIELD_NUMBER: _ClassVar[int]
    LOWER_FIRST_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    first: int
    lower_first: int
    count: int
    def __init__(self, first: _Optional[int] = ..., lower_first: _Optional[int] = ..., count: _Optional[int] = ...) -> None: ...

class userns_entry(_message.Message):
    __slots__ = ("uid_map", "gid_map")
    UID_MAP_FIELD_NUMBER: _ClassVar[int]
    GID_MAP_FIELD_NUMBER: _ClassVar[int]
    uid_map: _containers.RepeatedCompositeFieldContainer[uid_gid_extent]
    gid_map: _containers.RepeatedCompositeFieldContainer[uid_gid_extent]
    def __init__(self, uid_map: _Optional[_Iterable[_Union[uid_gid_extent, _Mapping]]] = ..., gid_map: _Optional[_Iterable[_Union[uid_gid_extent, _Mapping]]] = ...) -> None: ...

class pidns_entry(_message.Message):
    __slots__ = ("ext_key",)
    EXT_KEY_FIELD_NUMBER: _ClassVar[int]
    ext_key: str
    def __init__(self, ext_key: _Optional[str] = ...) -> None: ...

class timespec(_message.Message):
    __slots__ = ("tv_sec", "tv_nsec")
    TV_SEC_FIELD_NUMBER: _ClassVar[int]
    TV_NSEC_FIELD_NUMBER: _ClassVar[int]
    tv_sec: int
    tv_nsec: int
    def __init__(self, tv_sec: _Optional[int] = ..., tv_nsec: _Optional[int] = ...) -> None: ...

class timens_entry(_message.Message):
    __slots__ = ("monotonic", "boottime")
    MONOTONIC_FIELD_NUMBER: _ClassVar[int]
    BOOTTIME_FIELD_NUMBER: _ClassVar[int]
    monotonic: timespec
    boottime: timespec
    def __init__(self, monotonic: _Optional[_Union[timespec, _Mapping]] = ..., boottime: _Optional[_Union[timespec, _Mapping]] = ...) -> None: ...

class cgroup_perms(_message.Message):
    __slots__ = ("mode", "uid", "gid")
    MODE_FIELD_NUMBER: _ClassVar[int]
    UID_FIELD_NUMBER: _ClassVar[int]
    GID_FIELD_NUMBER: _ClassVar[int]
    mode: int
    uid: int
    gid: int
    def __init__(self, mode: _Optional[int] = ..., uid: _Optional[int] = ..., gid: _Optional[int] = ...) -> None: ...

class cgroup_prop_entry(_message.Message):
    __slots__ = ("name", "value", "perms")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    PERMS_FIELD_NUMBER: _ClassVar[int]
    name: str
    value: str
    perms: cgroup_perms
    def __init__(self, name: _Optional[str] = ..., value: _Optional[str] = ..., perms: _Optional[_Union[cgroup_perms, _Mapping]] = ...) -> None: ...

class cgroup_dir_entry(_message.Message):
    __slots__ = ("dir_name", "children", "properties", "dir_perms")
    DIR_NAME_FIELD_NUMBER: _ClassVar[int]
    CHILDREN_FIELD_NUMBER: _ClassVar[int]
    PROPERTIES_FIELD_NUMBER: _ClassVar[int]
    DIR_PERMS_FIELD_NUMBER: _ClassVar[int]
    dir_name: str
    children: _containers.RepeatedCompositeFieldContainer[cgroup_dir_entry]
    properties: _containers.RepeatedCompositeFieldContainer[cgroup_prop_entry]
    dir_perms: cgroup_perms
    def __init__(self, dir_name: _Optional[str] = ..., children: _Optional[_Iterable[_Union[cgroup_dir_entry, _Mapping]]] = ..., properties: _Optional[_Iterable[_Union[cgroup_prop_entry, _Mapping]]] = ..., dir_perms: _Optional[_Union[cgroup_perms, _Mapping]] = ...) -> None: ...

class cg_controller_entry(_message.Message):
    __slots__ = ("cnames", "dirs", "is_threaded")
    CNAMES_FIELD_NUMBER: _ClassVar[int]
    DIRS_FIELD_NUMBER: _ClassVar[int]
    IS_THREADED_FIELD_NUMBER: _ClassVar[int]
    cnames: _containers.RepeatedScalarFieldContainer[str]
    dirs: _containers.RepeatedCompositeFieldContainer[cgroup_dir_entry]
    is_threaded: bool
    def __init__(self, cnames: _Optional[_Iterable[str]] = ..., dirs: _Optional[_Iterable[_Union[cgroup_dir_entry, _Mapping]]] = ..., is_threaded: _Optional[bool] = ...) -> None: ...

class cg_member_entry(_message.Message):
    __slots__ = ("name", "path", "cgns_prefix")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    CGNS_PREFIX_FIELD_NUMBER: _ClassVar[int]
    name: str
    path: str
    cgns_prefix: int
    def __init__(self, name: _Optional[str] = ..., path: _Optional[str] = ..., cgns_prefix: _Optional[int] = ...) -> None: ...

class cg_set_entry(_message.Message):
    __slots__ = ("id", "ctls")
    ID_FIELD_NUMBER: _ClassVar[int]
    CTLS_FIELD_NUMBER: _ClassVar[int]
    id: int
    ctls: _containers.RepeatedCompositeFieldContainer[cg_member_entry]
    def __init__(self, id: _Optional[int] = ..., ctls: _Optional[_Iterable[_Union[cg_member_entry, _Mapping]]] = ...) -> None: ...

class cgroup_entry(_message.Message):
    __slots__ = ("sets", "controllers")
    SETS_FIELD_NUMBER: _ClassVar[int]
    CONTROLLERS_FIELD_NUMBER: _ClassVar[int]
    sets: _containers.RepeatedCompositeFieldContainer[cg_set_entry]
    controllers: _containers.RepeatedCompositeFieldContainer[cg_controller_entry]
    def __init__(self, sets: _Optional[_Iterable[_Union[cg_set_entry, _Mapping]]] = ..., controllers: _Optional[_Iterable[_Union[cg_controller_entry, _Mapping]]] = ...) -> None: ...

class autofs_entry(_message.Message):
    __slots__ = ("fd", "pgrp", "timeout", "minproto", "maxproto", "mode", "uid", "gid", "read_fd")
    FD_FIELD_NUMBER: _ClassVar[int]
    PGRP_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    MINPROTO_FIELD_NUMBER: _ClassVar[int]
    MAXPROTO_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    UID_FIELD_NUMBER: _ClassVar[int]
    GID_FIELD_NUMBER: _ClassVar[int]
    READ_FD_FIELD_NUMBER: _ClassVar[int]
    fd: int
    pgrp: int
    timeout: int
    minproto: int
    maxproto: int
    mode: int
    uid: int
    gid: int
    read_fd: int
    def __init__(self, fd: _Optional[int] = ..., pgrp: _Optional[int] = ..., timeout: _Optional[int] = ..., minproto: _Optional[int] = ..., maxproto: _Optional[int] = ..., mode: _Optional[int] = ..., uid: _Optional[int] = ..., gid: _Optional[int] = ..., read_fd: _Optional[int] = ...) -> None: ...

class binfmt_misc_entry(_message.Message):
    __slots__ = ("name", "enabled", "interpreter", "flags", "extension", "magic", "mask", "offset")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    INTERPRETER_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    EXTENSION_FIELD_NUMBER: _ClassVar[int]
    MAGIC_FIELD_NUMBER: _ClassVar[int]
    MASK_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    name: str
    enabled: bool
    interpreter: str
    flags: str
    extension: str
    magic: str
    mask: str
    offset: int
    def __init__(self, name: _Optional[str] = ..., enabled: _Optional[bool] = ..., interpreter: _Optional[str] = ..., flags: _Optional[str] = ..., extension: _Optional[str] = ..., magic: _Optional[str] = ..., mask: _Optional[str] = ..., offset: _Optional[int] = ...) -> None: ...

class aa_policy(_message.Message):
    __slots__ = ("name", "blob")
    NAME_FIELD_NUMBER: _ClassVar[int]
    BLOB_FIELD_NUMBER: _ClassVar[int]
    name: str
    blob: bytes
    def __init__(self, name: _Optional[str] = ..., blob: _Optional[bytes] = ...) -> None: ...

class aa_namespace(_message.Message):
    __slots__ = ("name", "policies", "namespaces")
    NAME_FIELD_NUMBER: _ClassVar[int]
    POLICIES_FIELD_NUMBER: _ClassVar[int]
    NAMESPACES_FIELD_NUMBER: _ClassVar[int]
    name: str
    policies: _containers.RepeatedCompositeFieldContainer[aa_policy]
    namespaces: _containers.RepeatedCompositeFieldContainer[aa_namespace]
    def __init__(self, name: _Optional[str] = ..., policies: _Optional[_Iterable[_Union[aa_policy, _Mapping]]] = ..., namespaces: _Optional[_Iterable[_Union[aa_namespace, _Mapping]]] = ...) -> None: ...

class apparmor_entry(_message.Message):
    __slots__ = ("namespaces",)
    NAMESPACES_FIELD_NUMBER: _ClassVar[int]
    namespaces: _containers.RepeatedCompositeFieldContainer[aa_namespace]
    def __init__(self, namespaces: _Optional[_Iterable[_Union[aa_namespace, _Mapping]]] = ...) -> None: ...
