"""Tests of ml_genn_tf. pytest puts this folder on ``sys.path`` (rootdir-less conftest),
so the test modules of its subfolders import the shared ``handler_harness``."""
