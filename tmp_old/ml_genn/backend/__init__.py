"""JAX backend: the only part of ``ml_genn`` that imports ``jax``.

Its input is a :class:`~ml_genn.backend.plan.Plan` (plain data, built by a compiler;
the backend never imports the compilers). ``simulator`` builds the device model from
it, ``schedules/`` holds one module per schedule (eligibility check, device program,
host loop), ``runner`` drives a run (dispatch ahead, device-side metrics), ``transfer``
moves batches to the device, ``sharding`` places them on one or several devices.
"""
