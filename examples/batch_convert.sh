#!/usr/bin/env bash
# Batch conversion over models/ with the command line: every shipped Keras model is
# converted with the methods of examples/batch_convert.toml, evaluated against its ANN
# on its data set, and written to $OUT/<model>/ (SNN files, results.json, results.csv,
# report.html). Extra arguments go to `ml-genn-tf convert`, e.g.
#
#     examples/batch_convert.sh --test-samples 500 --timesteps 64
#
# MODELS (space-separated .keras files) converts only those, e.g.
# MODELS=models/mnist_cnn.keras examples/batch_convert.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-batch-results}
if command -v ml-genn-tf >/dev/null 2>&1; then CLI=(ml-genn-tf); else
  CLI=("${PYTHON:-python}" -m ml_genn_tf.tools); fi

status=0
for model in ${MODELS:-models/*.keras}; do
  name=$(basename "$model" .keras)
  case "$name" in
    mnist_*) dataset=(--dataset mnist) ;;                      # takes x / 255
    fashion_*) dataset=(--dataset fashion_mnist --no-scale) ;; # rescales 0..255 itself
    *) echo "skipping $model: no data set known for it" >&2; continue ;;
  esac
  "${CLI[@]}" convert "$model" "${dataset[@]}" --config examples/batch_convert.toml \
      --out "$OUT/$name" "$@" || status=$?
done
exit $status
