#!/usr/bin/env bash
# The one-shot check for a lent GPU machine (H100/H200, no network): build for sm_90 with
# -lineinfo, assert a GPU is visible, run every test with a `cuda` parameter, compute-sanitizer
# (memcheck, racecheck) on a small subset, the CUDA benchmarks against torch (cuBLAS /
# cuDNN, TF32 off for fp32), and the NCCL backend of lamina.distributed (tools/nccl_check.py:
# 2 ranks with 2 GPUs, else 1 rank; needs CuPy with NCCL, mpi4py and mpiexec, skipped without
# them). Each stage is time-limited and logged into OUTDIR; the whole stays
# under 9 minutes. Usage: tools/gpu_check.sh OUTDIR   (run from the repository root)
set -u
OUT=${1:?usage: tools/gpu_check.sh OUTDIR}
mkdir -p "$OUT"
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
START=$(date +%s)
STATUS=0
echo "stage status seconds" > "$OUT/stages.txt"

# stage NAME LIMIT_SECONDS CMD...: run with a time limit, log to OUT/NAME.log, record the result.
stage() {
  local name=$1 limit=$2; shift 2
  local t0 rc
  t0=$(date +%s)
  echo "== $name (limit ${limit}s)"
  timeout --kill-after=10 "$limit" "$@" > "$OUT/$name.log" 2>&1
  rc=$?
  echo "$name $rc $(( $(date +%s) - t0 ))" >> "$OUT/stages.txt"
  tail -n 3 "$OUT/$name.log"
  [ "$rc" -eq 0 ] || STATUS=1
  return "$rc"
}

# 0. A GPU must be visible, or nothing below means anything.
stage gpu 30 sh -c "nvidia-smi && $PY -c 'import torch; assert torch.cuda.is_available(), \"no GPU visible to torch\"; print(torch.cuda.get_device_name())'" \
  || { echo "FAIL: no GPU visible"; exit 2; }

# 1. Build for sm_90 only, with line info for the sanitizer reports, without build isolation.
stage build 300 env LAMINA_CUDA=ON "$PY" -m pip install --no-build-isolation --no-deps -v . \
  -Ccmake.define.CMAKE_CUDA_ARCHITECTURES=90-real -Ccmake.define.CMAKE_CUDA_FLAGS=-lineinfo \
  || { echo "FAIL: build"; exit 3; }
stage info 30 "$PY" -c "import lamina, json; i = lamina.build_info(); print(json.dumps(i)); \
assert i['cuda_backend'] == 'cuda', i; assert lamina.cuda.is_available(), lamina.cuda.unavailable_reason(); \
print(lamina.cuda.get_device_name())" || { echo "FAIL: lamina sees no GPU"; exit 4; }

# 2. Every test with a cuda parameter (and the cuda-only tests), per-test timeouts, JUnit XML.
stage tests 200 env LAMINA_CUDA_SYNC=1 "$PY" -m pytest -q -k cuda -p no:cacheprovider \
  --timeout=60 --junitxml="$OUT/junit.xml" tests

# 3. compute-sanitizer on a small subset, caching off so every allocation is its own; skipped
#    cleanly where the sanitizer refuses the device (seen on some H200 machines).
SUBSET="tests/test_softmax_loss.py tests/test_layernorm.py tests/test_pool.py"
for tool in memcheck racecheck; do
  if command -v compute-sanitizer > /dev/null; then
    before=$STATUS
    if ! stage "sanitizer_$tool" 75 env LAMINA_CUDA_NO_CACHE=1 compute-sanitizer --tool "$tool" \
      --error-exitcode 1 --target-processes all "$PY" -m pytest -q -x -k cuda -p no:cacheprovider $SUBSET \
      && grep -q -i -E "not supported|unable to|refus" "$OUT/sanitizer_$tool.log"; then
      STATUS=$before  # a refused device is a skip, not a failure
      echo "sanitizer_$tool skipped: the sanitizer refused this device" | tee -a "$OUT/stages.txt"
    fi
  else
    echo "sanitizer_$tool skipped: compute-sanitizer not found" | tee -a "$OUT/stages.txt"
  fi
done

# 4. The CUDA benchmarks against torch (TF32 off in fp32 rows; the suite sets the flag).
stage bench 150 "$PY" -m lamina.cli bench --device cuda --suite cuda_gemm --peers torch \
  --out "$OUT/bench.json"

# 5. The NCCL backend: collectives on cuda tensors and one DDP step against the CPU, one rank per GPU.
NGPU=$(nvidia-smi -L 2>/dev/null | grep -c "^GPU")
RANKS=$(( NGPU >= 2 ? 2 : 1 ))
MPIEXEC=$("$PY" -c 'import os, sys; print(os.path.dirname(sys.executable))')/mpiexec
[ -x "$MPIEXEC" ] || MPIEXEC=$(command -v mpiexec || true)
if [ -n "$MPIEXEC" ] && "$PY" -c "import mpi4py, cupy; from cupy.cuda import nccl" > /dev/null 2>&1; then
  stage nccl 90 env MPIEXEC_TIMEOUT=80 "$MPIEXEC" -n "$RANKS" "$PY" tools/nccl_check.py
else
  echo "nccl skipped: needs CuPy with NCCL, mpi4py and mpiexec (pip install '.[distributed,cuda]')" \
    | tee -a "$OUT/stages.txt"
fi

echo "total $(( $(date +%s) - START )) s, status $STATUS" | tee -a "$OUT/stages.txt"
exit "$STATUS"
