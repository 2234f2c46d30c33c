#!/usr/bin/env bash
# Install what the tests need (`npm run setup`; the README's test command is
# `npm run setup && npm test`, and .ci/run runs exactly that):
#   - the system packages below, from Debian, when this machine lacks them;
#   - the npm packages (npm ci), when node_modules is missing or older than package-lock.json.
# Safe to run again: it checks first, installs only what is missing, and says nothing when
# everything is in place. Without root it prints the apt-get line to run and exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."

# `need PACKAGE CHECK...`: the Debian package is missing unless the check succeeds.
missing=()
need() {
  local package=$1
  shift
  "$@" >/dev/null 2>&1 || missing+=("$package")
}
# Whether /usr/bin/python3 finds a module (without importing it: importing brian2 takes seconds).
python_module() {
  /usr/bin/python3 -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('$1') is None)"
}
# One line per system package the tests need.
check_packages() {
  missing=()
  need chromium test -x /usr/bin/chromium          # browser tests (tests/e2e), driven by playwright-core
  need python3-brian python_module brian2          # Brian2 export tests (tests/reference/brian2Export.test.ts)
  need python3-pynn python_module pyNN             # PyNN export tests, mock backend (tests/reference/pynnExport.test.ts)
}

check_packages
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: the tests need Debian packages this machine lacks: ${missing[*]}" >&2
    echo "setup: install them as root, then run this again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: the tests need ${missing[*]} (Debian package names) and this machine has no apt-get; install their equivalents by hand" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
  check_packages
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installed, but still not usable: ${missing[*]} (see the checks in scripts/setup.sh)" >&2
    exit 1
  fi
fi

# npm packages: npm ci when node_modules is missing or package.json / package-lock.json changed since.
installed=node_modules/.package-lock.json
if [ ! -f "$installed" ] || [ package-lock.json -nt "$installed" ] || [ package.json -nt "$installed" ]; then
  echo "setup: installing npm packages (npm ci)"
  npm ci --prefer-offline --no-audit --no-fund --loglevel=error
fi
