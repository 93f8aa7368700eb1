"""Base class of synapse models."""


class Synapse:
    """How weighted spikes become the target's input current (see subclasses)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
