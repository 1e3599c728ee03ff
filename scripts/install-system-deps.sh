#!/usr/bin/env bash
# Installs the Debian packages Unpod uses, only when missing. Runs apt-get update at most once.
# Packages are listed in scripts/debian-packages.txt (one per line, # comments allowed).
set -euo pipefail
cd "$(dirname "$0")/.."

list=scripts/debian-packages.txt
[ -f "$list" ] || exit 0
wanted=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$list" | tr -s '[:space:]' ' ')
[ -n "${wanted// /}" ] || exit 0

missing=()
for pkg in $wanted; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "[setup] missing system packages (${missing[*]}) and no apt-get: install them by hand" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "[setup] need root to install: ${missing[*]}" >&2; exit 1
  fi
fi
echo "[setup] installing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
