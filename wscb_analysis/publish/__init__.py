"""``wscb publish``: a quarter's extract -> a pack the subcommittees can read offline.

The orchestration is in :mod:`.pack`; execution in :mod:`.run`, rendering in :mod:`.render`,
the leak guard in :mod:`.guard`. Imports here stay light so ``wscb publish`` can start its
kernels before loading the heavy libraries.
"""

from __future__ import annotations


def publish_pack(*args, **kwargs) -> int:
    from .pack import publish_pack as run

    return run(*args, **kwargs)


def notebooks(*args, **kwargs):
    from .pack import notebooks as find

    return find(*args, **kwargs)


__all__ = ["publish_pack", "notebooks"]
