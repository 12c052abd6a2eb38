#!/usr/bin/env bash
# Runs on the GPU machine, from the repository root, after bench/gpu/pack.sh here (carry .gpu):
#   bash bench/gpu/run.sh [--quick]
# Writes $OUT/results-gpu.json (the suite on the machine's Vulkan adapter, through Dawn) and
# $OUT/torch-adamw.json (PyTorch's AdamW on the same GPU through CUDA), and prints both.
set -euo pipefail
out="${OUT:-/tmp/optc-gpu}"
mkdir -p "$out"
if ! ldconfig -p | grep -q libvulkan.so.1; then
  for f in .gpu/debs/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
# The NVIDIA driver's Vulkan ICD lives outside the loader's search path on these machines.
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -f "$icd" ] && export VK_DRIVER_FILES="$icd"
xz -dc .gpu/node.xz > /tmp/optc-node && chmod +x /tmp/optc-node
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
/tmp/optc-node .gpu/bench.mjs "$@" --json "$out/results-gpu.json" 2>&1 | tail -80
python3 bench/gpu/torch_adamw.py --json "$out/torch-adamw.json" --optc "$out/results-gpu.json"
