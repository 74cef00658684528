#!/usr/bin/env bash
# Installs the PyTorch peer of `npm run bench` (bench/pytorch_reference.py): Debian's python3-torch
# (CPU, ~850 MB with dependencies) and OpenBLAS (without it torch uses the reference BLAS, ~15x
# slower). Idempotent; exits 0 with a message where apt is unavailable (the bench then skips PyTorch).
set -euo pipefail

PACKAGES=(python3-torch libopenblas0-pthread)

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-pytorch: apt-get not found; install PyTorch yourself (the bench skips it otherwise)."
  exit 0
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-pytorch: already installed: ${PACKAGES[*]}"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install-pytorch: not root and no sudo; run as root: apt-get install ${missing[*]}"
    exit 0
  fi
fi

echo "install-pytorch: installing ${missing[*]}"
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
echo "install-pytorch: done; run the reference with OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/pytorch_reference.py"
