"""The converter's graph passes: walk the Keras model, rewrite it, map it to populations."""
