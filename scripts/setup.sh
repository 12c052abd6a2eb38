#!/usr/bin/env bash
# Idempotent set-up for a fresh machine: npm dependencies, then a WebGPU adapter.
# Dawn (the `webgpu` package) needs a Vulkan driver. On a machine without a GPU that is Mesa's lavapipe,
# and Dawn rejects Debian 12's stock Mesa 22 ("shaderUniform*ArrayDynamicIndexing required"), so on
# Debian 12 we take mesa-vulkan-drivers and libvulkan1 from bookworm-backports (Mesa 25).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "[setup] $*"; }

if [ ! -d node_modules/webgpu ] || [ package.json -nt node_modules/.package-lock.json ]; then
  log "installing npm dependencies"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
fi

# The package's build (dist/: the CLI, the API, the browser bundle, .d.ts). `npm ci` builds it through the
# `prepare` script; this covers a checkout whose node_modules were already there.
if [ ! -f dist/BUILD.json ]; then
  log "building dist/ (npm run build)"
  npm run --silent build
fi

# System packages the tests and commands use beside Dawn: Chromium (WebGPU in a real browser, report
# screenshots; driven by puppeteer-core) and redis-server (the search's worker queue). Debian packages.
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
if [ ${#need[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    log "installing ${need[*]} (Debian packages)"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
  else
    log "missing ${need[*]}: install them with your system's package manager (the browser and queue tests need them)"
  fi
fi

probe() { node scripts/probe-adapter.mjs >/dev/null 2>&1; }

if probe; then
  log "WebGPU adapter found: $(node scripts/probe-adapter.mjs 2>/dev/null)"
  exit 0
fi

. /etc/os-release 2>/dev/null || true
if [ "${ID:-}" = debian ] && [ "${VERSION_CODENAME:-}" = bookworm ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    log "adding bookworm-backports to apt sources"
    echo "deb http://deb.debian.org/debian bookworm-backports main" | $SUDO tee /etc/apt/sources.list.d/optc-backports.list >/dev/null
  fi
  log "installing Mesa lavapipe (software Vulkan) from bookworm-backports"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
else
  log "no WebGPU adapter and this is not Debian 12: install a Vulkan driver (Mesa >= 24 lavapipe for CPU-only"
  log "machines, e.g. 'mesa-vulkan-drivers' and 'libvulkan1') or a GPU driver, then run this script again."
  exit 1
fi

if probe; then
  log "WebGPU adapter found: $(node scripts/probe-adapter.mjs 2>/dev/null)"
else
  log "still no WebGPU adapter after installing lavapipe; output of the probe:"
  node scripts/probe-adapter.mjs || true
  exit 1
fi
