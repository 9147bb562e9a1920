#!/usr/bin/env python3
"""Compile every csrc/cuda/*.cu as C++ against the simulator (csrc/cuda/sim), syntax only.

Until every launch goes through LAMINA_LAUNCH, a copy of csrc/ is made in a temp dir with each
`kernel<<<grid, block[, smem]>>>(args)` rewritten as `::lamina::sim::launch("kernel", kernel,
grid, block, smem, args)`; launch sites already converted are left alone.
Usage: tools/sim_syntax_check.py [--keep DIR] [file.cu ...]   (exit status 1 if any fails)
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def split_top(s):
    """Split s at commas outside (), [], {}, <> nesting of parentheses only."""
    parts, depth, cur = [], 0, ""
    for ch in s:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    parts.append(cur.strip())
    return parts


def rewrite(src):
    out, pos = [], 0
    for m in re.finditer(r"<<<", src):
        if m.start() < pos:
            continue
        # kernel expression: identifier (with ::) optionally followed by <...>, ending here
        i = m.start()
        j = i
        if src[j - 1] == ">":  # template arguments: match < > backwards
            depth = 0
            while True:
                j -= 1
                if src[j] == ">":
                    depth += 1
                elif src[j] == "<":
                    depth -= 1
                    if depth == 0:
                        break
        while j > 0 and (src[j - 1].isalnum() or src[j - 1] in "_:"):
            j -= 1
        kernel = src[j:i]
        end = src.index(">>>", i)
        config = split_top(src[i + 3:end])
        if len(config) == 2:
            config.append("0")
        if len(config) != 3:
            raise ValueError(f"launch with a stream or odd config: {src[j:end + 3]}")
        assert src[end + 3] == "(", src[j:end + 10]
        close = end + 4
        args_start = close
        out.append(src[pos:j])
        inner = src[args_start:].lstrip()
        sep = "" if inner.startswith(")") else ", "
        out.append(f'::lamina::sim::launch("{kernel}", {kernel}, {config[0]}, {config[1]}, '
                   f'{config[2]}{sep}')
        pos = args_start
    out.append(src[pos:])
    return "".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keep", help="write the rewritten tree here instead of a temp dir")
    ap.add_argument("--cxx", default=os.environ.get("CXX", "g++"))
    ap.add_argument("files", nargs="*")
    a = ap.parse_args()
    work = a.keep or tempfile.mkdtemp(prefix="lamina-sim-check-")
    dst = os.path.join(work, "csrc")
    if os.path.exists(dst):
        shutil.rmtree(dst)
    shutil.copytree(os.path.join(ROOT, "csrc"), dst)
    cuda = os.path.join(dst, "cuda")
    names = a.files or sorted(f for f in os.listdir(cuda) if f.endswith(".cu"))
    for name in os.listdir(cuda):
        if name.endswith((".cu", ".cuh")):
            p = os.path.join(cuda, name)
            with open(p) as f:
                s = f.read()
            with open(p, "w") as f:
                f.write(rewrite(s))
    failed = []
    for name in names:
        cmd = [a.cxx, "-x", "c++", "-std=c++17", "-fsyntax-only", "-Wall",
               "-I", os.path.join(cuda, "sim"), "-DLAMINA_CUDA_SIM",
               os.path.join(cuda, os.path.basename(name))]
        r = subprocess.run(cmd, capture_output=True, text=True)
        status = "ok" if r.returncode == 0 else "FAILED"
        print(f"{name}: {status}")
        if r.returncode:
            failed.append(name)
            print(r.stderr[-4000:])
    if not a.keep:
        shutil.rmtree(work)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
