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
# One Python start looks for all of them (each start costs tens of milliseconds).
python_modules=""
python_module() {
  [[ " $python_modules " == *" $1 "* ]]
}
# One line per system package the tests need.
check_packages() {
  missing=()
  python_modules=$(/usr/bin/python3 -c "import importlib.util; print(' '.join(m for m in ('brian2', 'pyNN', 'neuron', 'mpi4py') if importlib.util.find_spec(m)))" 2>/dev/null || true)
  need chromium test -x /usr/bin/chromium          # browser tests (tests/e2e), driven by playwright-core
  need python3-brian python_module brian2          # Brian2 export tests (tests/reference/brian2Export.test.ts)
  need python3-pynn python_module pyNN             # PyNN export tests, mock backend (tests/reference/pynnExport.test.ts)
  # The PyNN export run on NEURON under MPI (tests/reference/neuronMpi.test.ts): NEURON and its Python
  # module, nrnivmodl with a C compiler and make (to compile PyNN's NMODL mechanisms), mpirun, mpi4py.
  need neuron test -x /usr/bin/nrniv
  need python3-neuron python_module neuron
  need neuron-dev test -x /usr/bin/nrnivmodl
  need g++ test -x /usr/bin/g++
  need make test -x /usr/bin/make
  need openmpi-bin test -x /usr/bin/mpirun
  need python3-mpi4py python_module mpi4py
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

# PyNN's NEURON backend loads NMODL mechanisms (its IF_curr_exp, IF_cond_exp and the rest are NMODL
# point processes) from pyNN/neuron/nmodl/<arch>/.libs/libnrnmech.so when pyNN.neuron is imported,
# and Debian's python3-pynn ships the .mod files uncompiled. They are compiled there, in the system
# PyNN (root, as for the packages), because that is the one place pyNN.neuron looks: an exported
# script then runs on NEURON as a user runs it, and a repo-local copy would be rebuilt at every CI
# run (CI tests a fresh copy of the repository). The build happens in a temporary directory and only
# the library is installed, beside a stamp of what it was built from (the .mod files and NEURON's
# library), so an upgrade of either rebuilds it and anything else costs a checksum.
# Two quirks of Debian's neuron-dev are worked round: nrnivmodl runs `make -f $bindir/nrnmech_makefile`
# but the makefile is in /usr/lib/nrn (NRNHOME_EXEC points bindir at a directory holding a link to
# it), and the makefile links against /usr/lib/libnrniv.so, which is in /usr/lib/nrn (-loadflags).
# Its last target, the `special` executable, then fails for lack of InterViews headers (ivstream.h);
# the library, built before it, is all PyNN loads.
pynn_mechanisms() {
  local nmodl stamp arch libs work
  nmodl=$(/usr/bin/python3 -c "import importlib.util, os; print(os.path.join(os.path.dirname(importlib.util.find_spec('pyNN').origin), 'neuron', 'nmodl'))")
  arch=$(uname -m)
  libs="$nmodl/$arch/.libs"
  stamp=$( (cd "$nmodl" && md5sum -- *.mod && stat -c '%n %s %Y' /usr/lib/nrn/libnrniv.so) | md5sum)
  if [ -f "$libs/libnrnmech.so" ] && [ "$(cat "$libs/spikebridge-build-stamp" 2>/dev/null)" = "$stamp" ]; then
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: PyNN's NEURON mechanisms are missing or out of date ($libs/libnrnmech.so); run this script as root (sudo bash scripts/setup.sh) to compile them" >&2
    exit 1
  fi
  echo "setup: compiling PyNN's NEURON mechanisms (nrnivmodl) into $libs"
  work=$(mktemp -d "${TMPDIR:-/tmp}/spikebridge-nrnivmodl.XXXXXX")
  mkdir -p "$work/home/bin" "$work/build"
  ln -s /usr/lib/nrn/nrnmech_makefile "$work/home/bin/nrnmech_makefile"
  cp "$nmodl"/*.mod "$work/build/"
  # Fails at `special` (see above); whether the library was built is what counts.
  (cd "$work/build" && NRNHOME_EXEC="$work/home" nrnivmodl -loadflags "-L/usr/lib/nrn -Wl,-rpath,/usr/lib/nrn" >"$work/log" 2>&1) || true
  if [ ! -f "$work/build/$arch/.libs/libnrnmech.so" ]; then
    echo "setup: nrnivmodl did not build libnrnmech.so from $nmodl; its last lines:" >&2
    tail -n 15 "$work/log" >&2
    rm -rf "$work"
    exit 1
  fi
  mkdir -p "$libs"
  install -m 644 "$work/build/$arch/.libs/libnrnmech.so" "$libs/libnrnmech.so.new"
  mv -f "$libs/libnrnmech.so.new" "$libs/libnrnmech.so"
  if ! /usr/bin/python3 -c "import pyNN.neuron" >/dev/null 2>"$work/import.log"; then
    echo "setup: compiled PyNN's NEURON mechanisms, but pyNN.neuron still does not import:" >&2
    tail -n 5 "$work/import.log" >&2
    rm -rf "$work"
    exit 1
  fi
  # The stamp last: an interrupted build is built again next time.
  echo "$stamp" >"$libs/spikebridge-build-stamp"
  rm -rf "$work"
}
pynn_mechanisms

# npm packages: npm ci when node_modules is missing or package.json / package-lock.json changed since.
installed=node_modules/.package-lock.json
if [ ! -f "$installed" ] || [ package-lock.json -nt "$installed" ] || [ package.json -nt "$installed" ]; then
  echo "setup: installing npm packages (npm ci)"
  npm ci --prefer-offline --no-audit --no-fund --loglevel=error
fi
