"""CRIU notifications ("action scripts" over RPC) as callbacks.

With a notifier, CRIU stops at each stage of a dump or restore, tells the
client the stage's name and waits for an ack. That is how callers lock the
network of a container, hold a migration source frozen until the destination
runs (fail ``post_dump`` and CRIU resumes the tasks instead of killing them),
or learn the pid of a restored tree before it runs. Subclass :class:`Notifier`
and override what you need; every method's default acknowledges.

Raising from a method nacks the notification: CRIU aborts the operation and
the client re-raises your exception once CRIU has answered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence


class Notifier:
    """One method per notification CRIU 4.x sends."""

    def pre_stream(self) -> None:
        """Before images are streamed (criu-image-streamer); dump and restore."""

    def pre_dump(self) -> None:
        """Before CRIU starts freezing the tree."""

    def post_dump(self) -> None:
        """Tree dumped and still frozen; raising resumes it instead of killing it."""

    def network_lock(self) -> None:
        """Right after the network was locked (dump) ..."""

    def network_unlock(self) -> None:
        """... and right before it is unlocked (restore, or failed dump)."""

    def pre_restore(self) -> None:
        """Before CRIU restores anything."""

    def setup_namespaces(self, pid: int) -> None:
        """Namespaces of the root task exist; configure them from outside (e.g. veths)."""

    def post_setup_namespaces(self) -> None:
        """After namespaces are set up, before the tasks' state is restored."""

    def post_restore(self, pid: int) -> None:
        """Tree restored (still stopped); ``pid`` is the root task's pid."""

    def pre_resume(self) -> None:
        """Right before the restored tasks are resumed."""

    def post_resume(self) -> None:
        """Restored tasks are running."""

    def orphan_pts_master(self, fd: int) -> None:
        """The master side of a pty whose master was not dumped; dup ``fd`` to keep it.

        The descriptor is closed once this method returns.
        """

    def status_ready(self) -> None:
        """A page server or lazy-pages daemon is ready to accept connections."""

    def query_ext_files(self) -> Sequence[str]:
        """External resources to add at dump time (returned to CRIU as opts.external)."""
        return ()

    def unknown(self, name: str, pid: int | None) -> None:
        """A notification this version of criu_rpc does not know; acknowledged by default."""


def dispatch(notifier: Notifier, name: str, pid: int | None, fd: int | None) -> Sequence[str]:
    """Call the method for ``name``; returns externals to send back (query-ext-files only)."""
    calls: dict[str, Callable[[], object]] = {
        "pre-stream": notifier.pre_stream,
        "pre-dump": notifier.pre_dump,
        "post-dump": notifier.post_dump,
        "network-lock": notifier.network_lock,
        "network-unlock": notifier.network_unlock,
        "pre-restore": notifier.pre_restore,
        "setup-namespaces": lambda: notifier.setup_namespaces(pid or 0),
        "post-setup-namespaces": notifier.post_setup_namespaces,
        "post-restore": lambda: notifier.post_restore(pid or 0),
        "pre-resume": notifier.pre_resume,
        "post-resume": notifier.post_resume,
        "orphan-pts-master": lambda: notifier.orphan_pts_master(-1 if fd is None else fd),
        "status-ready": notifier.status_ready,
    }
    if name == "query-ext-files":
        return tuple(notifier.query_ext_files())
    call = calls.get(name)
    if call is None:
        notifier.unknown(name, pid)
    else:
        call()
    return ()
