"""``python -m ml_genn_tf.tools`` runs the ``ml-genn-tf`` command line."""
import sys

from .cli import main

sys.exit(main())
