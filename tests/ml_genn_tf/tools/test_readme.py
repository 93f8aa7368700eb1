"""README's generated tables equal what the registries generate now."""
from no_keras import ROOT

from ml_genn_tf.handlers import LAYER_HANDLERS
from ml_genn_tf.tools import readme


def test_readme_tables_are_generated_from_the_registries():
    text = (ROOT / "README.md").read_text()
    assert readme.render(text) == text, "run: python -m ml_genn_tf.tools.readme"
    for cls in LAYER_HANDLERS:
        assert f"| `{cls.__name__}` |" in text
    assert "| `spike_norm` | `SpikeNorm` |" in text


def test_stale_tables_are_detected(tmp_path):
    stale = tmp_path / "README.md"
    stale.write_text((ROOT / "README.md").read_text().replace("| `Dense` |", "| `Densee` |"))
    assert readme.main(["--check", "--readme", str(stale)]) == 1
    assert readme.main(["--readme", str(stale)]) == 0
    assert readme.main(["--check", "--readme", str(stale)]) == 0
