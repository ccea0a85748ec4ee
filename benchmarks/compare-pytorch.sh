#!/usr/bin/env bash
# Compares netc's generated code with hand-written Java and with PyTorch on the same networks
# (issue #7) and prints one table. Run from anywhere; needs root (or sudo) the first time, to
# install Debian's python3-torch and OpenBLAS.
#
#   benchmarks/compare-pytorch.sh            # full run: about 20-25 minutes on 2 cores
#   JMH_OPTS="-f 1 -wi 5 -i 10" benchmarks/compare-pytorch.sh   # longer, steadier JMH runs
#   SKIP_BUILD=1 TORCH_SECONDS=0.5 benchmarks/compare-pytorch.sh
#
# Environment: JMH_OPTS (default "-f 1 -wi 2 -i 3 -w 1 -r 1"), SEQ_JMH_OPTS (the transformer's and
# the GRU's, default "-f 1 -wi 4 -w 2 -i 4 -r 2"), TORCH_SECONDS (measuring time per
# PyTorch case, default 1), SKIP_BUILD=1 (reuse benchmarks/target/benchmarks.jar), SKIP_JMH=1
# and SKIP_TORCH=1 (reuse the raw results of the last run in benchmarks/target/compare/).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
out="$here/target/compare"
mkdir -p "$out"
PY=/usr/bin/python3   # Debian's Python: python3-torch lives there, not in a pyenv Python on PATH
JMH_OPTS="${JMH_OPTS:--f 1 -wi 2 -i 3 -w 1 -r 1}"
SEQ_JMH_OPTS="${SEQ_JMH_OPTS:--f 1 -wi 4 -w 2 -i 4 -r 2}"
TORCH_SECONDS="${TORCH_SECONDS:-1}"
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi

echo "== machine"
lscpu | grep -E '^(Model name|CPU\(s\)|Thread|Core|Socket|L2|L3)' || true
java -version 2>&1 | head -1

echo "== PyTorch and its BLAS"
if ! "$PY" -c 'import torch' 2>/dev/null || ! dpkg -s libopenblas0-openmp >/dev/null 2>&1; then
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q python3-torch libopenblas0-openmp
fi
# Debian's torch links libblas.so.3 / liblapack.so.3, which default to the reference BLAS:
# select OpenBLAS (OpenMP flavour) so that PyTorch is measured at its best.
arch="$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)"
for lib in libblas.so.3 liblapack.so.3; do
  target="/usr/lib/$arch/openblas-openmp/$lib"
  if [ -e "$target" ]; then
    $SUDO update-alternatives --set "$lib-$arch" "$target" >/dev/null
  fi
  echo "$lib -> $(readlink -f "/etc/alternatives/$lib-$arch" 2>/dev/null || echo '?')"
done
# Some hosts pin OpenBLAS's kernels in the environment (seen here: OPENBLAS_CORETYPE=Haswell and
# OPENBLAS_L2_SIZE=512, which made PyTorch's MLP 1.3-2x slower than OpenBLAS's own choice on an
# AVX-512 core): PyTorch runs without them, so OpenBLAS picks its kernels for this CPU.
TORCH_ENV=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
if [ -n "${OPENBLAS_CORETYPE:-}${OPENBLAS_L2_SIZE:-}" ]; then
  echo "unset for PyTorch: OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-} OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-}"
fi
"${TORCH_ENV[@]}" "$PY" - "$arch" <<'PY'
import ctypes
import sys
import torch
print("torch", torch.__version__)
try:
    blas = ctypes.CDLL("/usr/lib/%s/openblas-openmp/libblas.so.3" % sys.argv[1])
    blas.openblas_get_corename.restype = ctypes.c_char_p
    print("OpenBLAS kernels:", blas.openblas_get_corename().decode())
except (OSError, AttributeError) as e:
    print("OpenBLAS kernels: unknown (%s)" % e)
cfg = torch.__config__.show()
print("\n".join(l for l in cfg.splitlines() if "BLAS" in l or "LAPACK" in l or "OpenMP" in l or "CPU capability" in l) or cfg)
print("torch threads:", torch.get_num_threads())
PY

if [ -z "${SKIP_BUILD:-}" ] || [ ! -f "$here/target/benchmarks.jar" ]; then
  echo "== building benchmarks/target/benchmarks.jar"
  (cd "$root" && mvn -B -q -pl benchmarks -am -DskipTests package)
fi
jar="$here/target/benchmarks.jar"

if [ -z "${SKIP_TORCH:-}" ]; then
  echo "== PyTorch ($TORCH_SECONDS s per case)"
  "${TORCH_ENV[@]}" "$PY" "$here/pytorch_bench.py" "$TORCH_SECONDS" | tee "$out/torch.txt"
  "${TORCH_ENV[@]}" "$PY" "$here/pytorch_gru.py" "$TORCH_SECONDS" | tee -a "$out/torch.txt"
fi

if [ -z "${SKIP_JMH:-}" ]; then
  echo "== JMH: workloads, with the gc profiler ($JMH_OPTS)"
  # shellcheck disable=SC2086
  java -jar "$jar" 'dev.netc.bench.(Xor|Mlp|Chain)Bench' $JMH_OPTS -prof gc \
    -rf json -rff "$out/workloads.json" | grep -E '^(Benchmark|[A-Za-z]+Bench\.)' | grep -v 'gc\.\(count\|time\|alloc.rate \)' || true
  echo "== JMH: cheap gradient"
  # shellcheck disable=SC2086
  java -jar "$jar" 'dev.netc.bench.CheapGradientBench' $JMH_OPTS \
    -rf json -rff "$out/cheap.json" | grep -E '^(Benchmark|CheapGradientBench\.)' || true
  echo "== JMH: one thread against two (ParallelModel), MLP batch 256"
  # shellcheck disable=SC2086
  java -jar "$jar" 'dev.netc.bench.ThreadsBench' $JMH_OPTS \
    -rf json -rff "$out/threads.json" | grep -E '^(Benchmark|ThreadsBench\.)' || true
  echo "== JMH: intra-op threads (IntraOp.setThreads(2)), vector MLP, batch 1 and 64"
  # shellcheck disable=SC2086
  java -jar "$jar" 'dev.netc.bench.IntraOpBench' $JMH_OPTS \
    -rf json -rff "$out/intraop.json" | grep -E '^(Benchmark|IntraOpBench\.)' || true
  echo "== JMH: the LeNet-like CNN of issue 20 (batch 64)"
  # shellcheck disable=SC2086
  java -jar "$jar" 'dev.netc.bench.LenetBench' $JMH_OPTS \
    -rf json -rff "$out/lenet.json" | grep -E '^(Benchmark|LenetBench\.)' || true
  echo "== JMH: issue 21's one-block causal transformer (batch 32)"
  # shellcheck disable=SC2086
  # 60-150 methods of 20-60 ms calls: JIT-compiled only after a longer warm-up than the default
  # (SEQ_JMH_OPTS, not JMH_OPTS: JMH refuses an option given twice)
  java -jar "$jar" 'dev.netc.bench.TransformerBench' $SEQ_JMH_OPTS \
    -rf json -rff "$out/transformer.json" | grep -E '^(Benchmark|TransformerBench\.)' || true
  echo "== JMH: issue 21's GRU (batch 32)"
  # shellcheck disable=SC2086
  java -jar "$jar" 'dev.netc.bench.GruBench' $SEQ_JMH_OPTS \
    -rf json -rff "$out/gru.json" | grep -E '^(Benchmark|GruBench\.)' || true
  echo "== JMH: machine bounds (FactsBench: one core's FMA peak, one pass over the MLP's W1)"
  # shellcheck disable=SC2086
  java -jar "$jar" 'dev.netc.bench.FactsBench.(fmaPeak|streamW1)' $JMH_OPTS \
    -rf json -rff "$out/facts.json" | grep -E '^(Benchmark|FactsBench\.)' || true
  echo "== JMH: the Vector API kernels alone (MLP first layer)"
  # shellcheck disable=SC2086
  java -jar "$jar" 'dev.netc.bench.KernelsBench' $JMH_OPTS \
    -rf json -rff "$out/kernels.json" | grep -E '^(Benchmark|KernelsBench\.)' || true
  echo "== compile time: 1,000-layer chain to Java (NetcCompiler.compile)"
  java -cp "$jar" dev.netc.bench.CompileBench 1000 | tee "$out/compile.txt"
  echo "== cheap gradient, loss and lossAndGradient interleaved in one JVM (the drift of a shared host falls on both)"
  java --add-modules jdk.incubator.vector -cp "$jar" dev.netc.bench.CheapGradientInterleaved both 2>&1 \
    | grep -v 'Using incubator modules' | tee "$out/cheap-interleaved.txt"
  echo "== XOR, netc and hand-written interleaved in one JVM (the drift of a shared host falls on both)"
  { java -cp "$jar" dev.netc.bench.XorInterleaved f64; java -cp "$jar" dev.netc.bench.XorInterleaved f32; } \
    | tee "$out/xor-interleaved.txt"
fi

echo "== the cost report (netc check --cost --json) of each benchmark network, for GFLOP/s"
for spec in xor:4 mlp:1 mlp:64 chain:1 chain:32 lenet:64 transformer:32 gru:32; do
  net="${spec%%:*}"; batch="${spec##*:}"
  file="$here/src/main/net/$net.net"
  [ -f "$file" ] || file="$here/src/main/resources/dev/netc/bench/$net.net"
  for prec in double float; do
    java -cp "$jar" dev.netc.compiler.cli.Main check --cost --json --batch "$batch" --precision "$prec" \
      "$file" > "$out/cost-$net-$batch-$prec.json"
  done
done
echo "(cost-*.json written)"

echo
"$PY" "$here/report.py" "$out"
