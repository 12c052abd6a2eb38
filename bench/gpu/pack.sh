#!/usr/bin/env bash
# Packs what `npm run bench` needs into .gpu/ (git-ignored) for a machine that has a GPU but no Node, no
# npm registry and no Vulkan loader: the suite bundled into one file, the `webgpu` package (Dawn), this
# machine's node binary (xz) and the Vulkan loader's .deb. The device tool carries .gpu/ (64 MiB at most;
# this is ~40 MiB) with the working tree; bench/gpu/run.sh runs there. See bench/gpu/README.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=.gpu
rm -rf "$out"
mkdir -p "$out/node_modules" "$out/debs"
# webgpu stays a package: dawn.node is loaded from its own directory. The banner gives the ESM bundle the
# `require` that CommonJS dependencies call.
npx esbuild bench/run.ts --bundle --platform=node --format=esm --target=node20 --outfile="$out/bench.mjs" \
  --external:webgpu --log-level=warning \
  "--banner:js=import { createRequire as optcCreateRequire } from 'node:module'; const require = optcCreateRequire(import.meta.url);"
cp -r node_modules/webgpu "$out/node_modules/"
# Only this machine's platform (the GPU machines are x86-64 Linux too).
find "$out/node_modules/webgpu/dist" -mindepth 1 -maxdepth 1 -type d ! -name "$(node -p "process.platform + '-' + process.arch")" -exec rm -rf {} +
xz -T0 -6 -c "$(readlink -f "$(command -v node)")" > "$out/node.xz"
(cd "$out/debs" && apt-get download libvulkan1 2>/dev/null)
git rev-parse --short HEAD > "$out/commit"
du -sh "$out"
