"""JAX backend: the only part of ``ml_genn`` that imports ``jax``.

It turns a compiler's :class:`~ml_genn.compilers.plan.Plan` into jitted functions
(one XLA program per batch size and number of timesteps) and runs them.
"""
