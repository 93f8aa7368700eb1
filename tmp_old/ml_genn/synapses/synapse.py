"""Base class of synapse models."""


class Synapse:
    """How weighted spikes become the target's input current (see subclasses).

    The dynamics are a backend registered for the class with
    ``ml_genn.backend.synapses.register_synapse``; ``SYNAPSES.register`` gives the class
    its string name.
    """

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
