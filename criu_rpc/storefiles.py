"""The names a SnapshotStore gives its files, for readers that need no store (``inspect``)."""

META = "snapshot.json"  # a snapshot's record, inside its directory
STORE_META = "store.json"
LATEST = "latest"
PREFIX = "snap-"
TMP_PREFIX = ".tmp-"
