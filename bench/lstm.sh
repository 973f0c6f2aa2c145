#!/usr/bin/env bash
# LSTM sequence model speed: vigil-bench lstm beside the same architecture in PyTorch (CPU, 2 threads), on the same
# synthetic sequences, in the same run. Usage: bash bench/lstm.sh [STEPS] [SWIFT_EPOCHS]   (defaults 1000000 and 3)
# Installs PyTorch into bench/.venv from PyPI on first use; without it, only the Swift side runs.
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-1000000}
epochs=${2:-3}
out=bench/out
mkdir -p "$out"
if [ ! -x bench/.venv/bin/python ]; then python3 -m venv bench/.venv; fi
py=bench/.venv/bin/python
if ! "$py" -c 'import torch, numpy' 2>/dev/null; then
  "$py" -m pip install -q numpy torch 2>/dev/null \
    || "$py" -m pip install -q numpy torch --index-url https://download.pytorch.org/whl/cpu 2>/dev/null \
    || echo "PyTorch could not be installed: running the Swift side only" >&2
fi
swift build -c release --product vigil-bench >/dev/null
prefix="$out/lstm$steps"
swift_json=$(.build/release/vigil-bench lstm --steps "$steps" --epochs "$epochs" --write "$prefix" 2>/dev/null)
echo "vigil: $swift_json"
if "$py" -c 'import torch' 2>/dev/null; then
  torch_json=$("$py" bench/lstm_torch.py "$prefix" 1)
  echo "torch: $torch_json"
  python3 - "$swift_json" "$torch_json" <<'PY'
import json, sys
v, t = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"training, seconds per epoch: vigil {v['seconds_per_epoch']:.2f} (incl. held-back scoring), "
      f"torch {t['seconds_per_epoch']:.2f}: torch/vigil {t['seconds_per_epoch'] / v['seconds_per_epoch']:.1f}x")
print(f"training, steps/s: vigil {v['train_steps_per_second']:.0f}, torch {t['train_steps_per_second']:.0f}")
print(f"scoring, steps/s: vigil {v['score_steps_per_second']:.0f}, torch {t['score_steps_per_second']:.0f}: "
      f"vigil/torch {v['score_steps_per_second'] / t['score_steps_per_second']:.1f}x")
print(f"ROC-AUC on injected anomalies: vigil {v['roc_auc']:.4f} ({v['epochs']} epochs), torch {t['roc_auc']:.4f} (1 epoch)")
PY
fi
