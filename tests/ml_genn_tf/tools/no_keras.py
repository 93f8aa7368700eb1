"""Run Python code in a subprocess where importing TensorFlow or Keras fails."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

BLOCKER = """
import importlib.abc, sys
class _NoKeras(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('tensorflow', 'keras', 'tf_keras'):
            raise ImportError(f'{name} is blocked in this test')
        return None
sys.meta_path.insert(0, _NoKeras())
"""


def run_without_keras(code: str, timeout: float = 900) -> subprocess.CompletedProcess:
    """Run ``code`` after the blocker; fails the test if it imported TF or Keras."""
    check = "\nimport sys\nassert not {'tensorflow', 'keras'} & set(sys.modules)\n"
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3",
               JAX_PLATFORMS="cpu")
    env.pop("XLA_FLAGS", None)
    return subprocess.run([sys.executable, "-c", BLOCKER + code + check], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
