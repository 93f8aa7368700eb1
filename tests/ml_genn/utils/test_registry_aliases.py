"""Registry names: ``snake_case`` of the class, plus explicit aliases."""
from __future__ import annotations

import pytest

from ml_genn.readouts import Readout
from ml_genn.utils.registry import Registry, snake_case


class OldNamed(Readout):
    pass


def test_alias_resolves_to_the_registered_class():
    registry = Registry("readout", Readout, aliases={"old_name": "old_named"})
    registry.register(OldNamed)
    assert type(registry.resolve("old_name")) is OldNamed
    assert type(registry.resolve("old_named")) is OldNamed
    assert registry.names() == ["old_name", "old_named"]


def test_unknown_name_suggests_an_alias_or_name():
    registry = Registry("readout", Readout, aliases={"old_name": "old_named"})
    registry.register(OldNamed)
    with pytest.raises(ValueError, match="Unknown readout 'old_nme'. Did you mean 'old_name'"):
        registry.resolve("old_nme")


@pytest.mark.parametrize(("name", "expected"), [
    ("AvgPool2D", "avg_pool_2d"), ("Conv2DTranspose", "conv_2d_transpose"),
    ("AvgPoolDense2D", "avg_pool_dense_2d"), ("AdaptiveLIFNeuron", "adaptive_lif_neuron"),
    ("GLIF3", "glif3"), ("SpikeCount", "spike_count")])
def test_snake_case(name, expected):
    assert snake_case(name) == expected
