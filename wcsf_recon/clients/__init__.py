"""The two API clients: the only modules that talk to the network. `from_env` builds both."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .factory import Clients, from_env

__all__ = ["Clients", "from_env"]


def __getattr__(name: str) -> Any:  # lazy: `import wcsf_recon.clients.budget` must not log in to anything
    if name in __all__:
        from . import factory

        return getattr(factory, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
