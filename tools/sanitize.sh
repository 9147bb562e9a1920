#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer run of the CPU extension: builds lamina._C with
# -fsanitize=address,undefined into build/sanitize, then runs pytest once per CPU path with the
# sanitizer runtimes preloaded and LAMINA_EXACT_ALLOC=1 (tensors and kernel scratch buffers get
# exactly the bytes they ask for, so an overrun into what would be padding is reported).
# Fails when the build fails, when pytest fails, or when any process (subprocesses included:
# reports go to files through log_path) wrote a sanitizer report.
#
#   tools/sanitize.sh                          whole suite, generic and avx2 paths
#   tools/sanitize.sh tests/test_conv.py -k same       pytest arguments pass through
#   tools/sanitize.sh --paths generic,avx2,native      native: the widest path the CPU has
#   tools/sanitize.sh --build-only             build and smoke-import only
#
# Options: --paths LIST (generic, avx2, native; default generic,avx2), --build-only,
# --no-exact (keep the rounding allocators), -h. Environment: CXX (a GCC; default g++),
# PYTHON (default python3), LAMINA_SANITIZE_DIR (default build/sanitize). On a shared machine
# run it under `nice -n 10`. Run it before closing any issue that touches kernels.
set -uo pipefail
{  # read whole before running: editing this file during a run must not change the run

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; }

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PATHS="generic,avx2"
BUILD_ONLY=0
EXACT=1
PYTEST_ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --paths) PATHS="${2:?--paths needs a list}"; shift 2 ;;
    --paths=*) PATHS="${1#--paths=}"; shift ;;
    --build-only) BUILD_ONLY=1; shift ;;
    --no-exact) EXACT=0; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; PYTEST_ARGS+=("$@"); break ;;
    *) PYTEST_ARGS+=("$1"); shift ;;
  esac
done
[ ${#PYTEST_ARGS[@]} -eq 0 ] && PYTEST_ARGS=(tests)
IFS=',' read -r -a PATH_LIST <<<"$PATHS"
for p in "${PATH_LIST[@]}"; do
  case "$p" in generic|avx2|native) ;; *) echo "sanitize: unknown CPU path '$p'" >&2; exit 2 ;; esac
done

CXX="${CXX:-g++}"
PY="${PYTHON:-python3}"
BUILD="${LAMINA_SANITIZE_DIR:-$ROOT/build/sanitize}"
mkdir -p "$BUILD"
BUILD="$(cd "$BUILD" && pwd)"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
# libstdc++'s ASan annotations: std::vector reads between size() and capacity() are reported too
SAN_CXX="$SAN -D_GLIBCXX_SANITIZE_VECTOR"

# 1. Build. RelWithDebInfo keeps pybind11 from stripping the module or adding LTO; its flags
#    are replaced by -g (no -DNDEBUG: asserts stay on); -O1 through LAMINA_CXX_OPT.
echo "== sanitize: building into $BUILD"
t0=$SECONDS
cmake -S "$ROOT" -B "$BUILD/cmake" -G Ninja -DLAMINA_CUDA=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-g \
  -DCMAKE_INTERPROCEDURAL_OPTIMIZATION=OFF -DLAMINA_CXX_OPT=-O1 \
  -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_CXX_FLAGS="-fno-omit-frame-pointer $SAN_CXX" \
  -DCMAKE_MODULE_LINKER_FLAGS="$SAN" \
  -Dpybind11_DIR="$("$PY" -m pybind11 --cmakedir)" -DPython_EXECUTABLE="$("$PY" -c "import sys; print(sys.executable)")" \
  >"$BUILD/cmake.log" 2>&1 || { cat "$BUILD/cmake.log"; echo "sanitize: configure failed" >&2; exit 1; }
cmake --build "$BUILD/cmake" || { echo "sanitize: build failed" >&2; exit 1; }
echo "== sanitize: built in $((SECONDS - t0)) s"

# 2. A package to import: a copy of python/lamina with the sanitized module in a virtual
#    environment of its own (seeing the system's packages), not on PYTHONPATH: tests start
#    sys.executable with a PYTHONPATH of their own.
VENV="$BUILD/venv"
[ -x "$VENV/bin/python" ] || "$PY" -m venv --system-site-packages "$VENV" ||
  { echo "sanitize: cannot create $VENV" >&2; exit 1; }
VPY="$VENV/bin/python"
PKG="$("$VPY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
rm -rf "$PKG/lamina" && cp -r "$ROOT/python/lamina" "$PKG/lamina"
find "$PKG/lamina" -name __pycache__ -prune -exec rm -rf {} +
cp "$BUILD"/cmake/_C*.so "$PKG/lamina/"
# With both runtimes loaded, libubsan's start-up call that applies UBSAN_OPTIONS' log_path binds
# to libasan's exported setter, so UBSan's own reports would go to stderr, which pytest's capture
# and the tests' subprocess.run(capture_output=True) swallow. Every python of the environment
# sets libubsan's path on libubsan itself.
cat >"$PKG/sitecustomize.py" <<'PYEOF'
import ctypes
import os

if os.environ.get("LAMINA_SANITIZE_UBSAN_LOG"):
    ctypes.CDLL(os.environ["LAMINA_SANITIZE_UBSAN_LIB"]).__sanitizer_set_report_path(
        os.environ["LAMINA_SANITIZE_UBSAN_LOG"].encode())
PYEOF

# 3. The runtimes, preloaded: python itself is not instrumented.
LIBASAN="$("$CXX" -print-file-name=libasan.so)"
LIBUBSAN="$("$CXX" -print-file-name=libubsan.so)"
for lib in "$LIBASAN" "$LIBUBSAN"; do
  [ -e "$lib" ] || { echo "sanitize: $CXX has no $(basename "$lib") (need a GCC with sanitizers)" >&2; exit 1; }
done

LOGS="$BUILD/logs"
run_env() {  # run_env LOGDIR CMD...: the sanitized environment
  local logdir="$1"; shift
  env PYTHONDONTWRITEBYTECODE=1 \
    LD_PRELOAD="$LIBASAN:$LIBUBSAN${LD_PRELOAD:+:$LD_PRELOAD}" \
    ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=1:abort_on_error=0:halt_on_error=1:log_path=$logdir/asan" \
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logdir/ubsan" \
    LAMINA_SANITIZE_UBSAN_LIB="$LIBUBSAN" LAMINA_SANITIZE_UBSAN_LOG="$logdir/ubsan" \
    LAMINA_EXACT_ALLOC="$EXACT" "$@"
}

# the reports of a run: every non-empty log file
reports() { find "$1" -type f -size +0c 2>/dev/null | sort; }

status=0
mkdir -p "$LOGS/smoke" && rm -f "$LOGS/smoke"/*
if ! run_env "$LOGS/smoke" "$VPY" -c "import lamina, lamina._C as C; print('sanitized lamina from', lamina.__file__)" ||
   [ -n "$(reports "$LOGS/smoke")" ]; then
  for f in $(reports "$LOGS/smoke"); do echo "---- $f"; cat "$f"; done
  echo "sanitize: the sanitized module does not import cleanly" >&2
  exit 1
fi
[ "$BUILD_ONLY" = 1 ] && exit 0

# 4. The suite, once per CPU path.
cd "$ROOT"
summary=()
for p in "${PATH_LIST[@]}"; do
  logdir="$LOGS/$p"
  rm -rf "$logdir" && mkdir -p "$logdir"
  echo "== sanitize: pytest on the $p path (LAMINA_EXACT_ALLOC=$EXACT): ${PYTEST_ARGS[*]}"
  t0=$SECONDS
  if [ "$p" = native ]; then pathenv=(-u LAMINA_CPU_PATH); else pathenv=(LAMINA_CPU_PATH="$p"); fi
  out="$LOGS/pytest-$p.out"  # beside the logs, not among them
  run_env "$logdir" env "${pathenv[@]}" "$VPY" -m pytest -q -p no:cacheprovider "${PYTEST_ARGS[@]}" 2>&1 |
    tee "$out"
  rc=${PIPESTATUS[0]}
  found=$(reports "$logdir")
  for f in $found; do echo "---- sanitizer report $f"; cat "$f"; done
  # a report in a log file, one that reached the terminal instead, or pytest failing (exit 5,
  # nothing collected, too) fails the run
  verdict="ok"
  if [ -n "$found" ]; then verdict="SANITIZER REPORTS: $(echo "$found" | wc -l) file(s) in $logdir"; status=1
  elif grep -q -E "ERROR: AddressSanitizer|runtime error: |ERROR: LeakSanitizer" "$out"; then
    verdict="sanitizer report in the pytest output $out"; status=1
  elif [ "$rc" -ne 0 ]; then verdict="pytest exit $rc (output in $out)"; status=1; fi
  summary+=("$p: $verdict ($((SECONDS - t0)) s)")
done

echo "== sanitize: summary"
printf '   %s\n' "${summary[@]}"
exit $status
}
