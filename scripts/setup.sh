#!/usr/bin/env bash
# Installs everything thg needs on a fresh Debian machine with Python 3.11:
# the system packages (espeak-ng for speech and phonemes), a virtual environment in .venv,
# and the package itself. `--test` adds what the test suite needs.
set -euo pipefail
cd "$(dirname "$0")/.."

extras=""
[ "${1:-}" = "--test" ] && extras="[test]"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
if ! command -v espeak-ng >/dev/null 2>&1 || ! ldconfig -p | grep -q libespeak-ng; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng libespeak-ng1 python3-venv >/dev/null
fi

# the browser tests of `thg serve` drive Debian's chromium through chromedriver
if [ -n "$extras" ] && ! command -v chromedriver >/dev/null 2>&1; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".${extras}"
echo "thg installed in .venv"
