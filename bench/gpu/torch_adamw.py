"""PyTorch's AdamW on a CUDA GPU, timed as bench/ times optc: the peer issue 6 asks for on a GPU machine.

    python3 bench/gpu/torch_adamw.py [--json FILE] [--optc results-gpu.json] [--iters K] [--sizes 65536,...]

For each size N (one flat f32 parameter of N elements, like the suite's `sizes` group) it times
`torch.optim.AdamW(fused=True)`, `foreach=True` and the plain loop (`foreach=False`), and a copy that moves
the same 28 bytes per parameter (read 14, write 14: `dst.copy_(src)` on 3.5 f32 per parameter), each the
median of `--iters` steps after 2 warm-up steps, each step waited on (`torch.cuda.synchronize()`), cases
interleaved round-robin as bench/timing.ts does. Writes
`{"device": ..., "cases": [{"name", "n", "ms", "min", "max", "bytesPerParam", "gbPerS", "rooflineFraction"}]}`.

With `--optc`, the suite's results on the same GPU, it also prints optc's AdamW (`sizes` group, the same
N) beside torch's fused AdamW: bytes/s of both and their ratio (> 1: optc faster).

Hyperparameters are examples/adamw.opt's defaults (lr 1e-3, betas 0.9/0.999, eps 1e-8, weight decay 0.01).
Not run on the development machine (no CUDA there): bench/gpu/README.md says how a GPU session runs it.
"""

import argparse
import json
import statistics
import time

import torch


def timed(fn, sync):
    sync()
    t0 = time.perf_counter()
    fn()
    sync()
    return (time.perf_counter() - t0) * 1e3


def adamw_case(n, variant, device):
    g = torch.Generator(device="cpu").manual_seed(n)
    p = torch.nn.Parameter((torch.rand(n, generator=g) - 0.5).to(device))
    p.grad = ((torch.rand(n, generator=g) - 0.5) * 0.1).to(device)
    kw = {"fused": True} if variant == "fused" else {"foreach": variant == "foreach"}
    opt = torch.optim.AdamW([p], lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01, **kw)
    return opt.step


def copy_case(n, device):
    # 28 B/param: read 3.5 f32 and write 3.5 f32 per parameter.
    words = (7 * n) // 2
    src = torch.rand(words, device=device)
    dst = torch.empty_like(src)
    return lambda: dst.copy_(src)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json")
    ap.add_argument("--optc")
    ap.add_argument("--iters", type=int, default=15)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--sizes", default="65536,1048576,4194304,16777216")
    a = ap.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("torch_adamw.py: no CUDA device (torch.cuda.is_available() is False)")
    device = torch.device("cuda")
    sync = torch.cuda.synchronize
    cases = []
    for n in (int(s) for s in a.sizes.split(",")):
        steps = {
            "torch/copy": copy_case(n, device),
            "torch/adamw-fused": adamw_case(n, "fused", device),
            "torch/adamw-foreach": adamw_case(n, "foreach", device),
            "torch/adamw-loop": adamw_case(n, "loop", device),
        }
        for fn in steps.values():
            for _ in range(a.warmup):
                timed(fn, sync)
        times = {name: [] for name in steps}
        for _ in range(a.iters):
            for name, fn in steps.items():
                times[name].append(timed(fn, sync))
        copy_ms = times["torch/copy"]
        for name, ts in times.items():
            ms = statistics.median(ts)
            # Paired per-round ratio, as bench/timing.ts's pairedRatio.
            frac = statistics.median(c / t for c, t in zip(copy_ms, ts))
            case = {"name": name, "group": "torch", "n": n, "ms": ms, "min": min(ts), "max": max(ts),
                    "bytesPerParam": 28, "gbPerS": n * 28 / ms / 1e6, "rooflineFraction": frac}
            cases.append(case)
            print(f"{name:22s} n={n:>9d}  {ms:9.4f} ms  {case['gbPerS']:8.1f} GB/s  roofline {frac:.2f}")
    out = {"device": torch.cuda.get_device_name(), "torch": torch.__version__, "cases": cases}
    if a.optc:
        with open(a.optc) as f:
            ours = {c["n"]: c for c in json.load(f)["cases"] if c.get("group") == "sizes" and c["name"] == "optc/adamw" and "ms" in c}
        out["vsOptc"] = []
        for c in cases:
            o = ours.get(c["n"])
            if c["name"] != "torch/adamw-fused" or o is None:
                continue
            row = {"n": c["n"], "optcGbPerS": o["gbPerS"], "torchGbPerS": c["gbPerS"], "optcOverTorch": c["ms"] / o["ms"]}
            out["vsOptc"].append(row)
            print(f"n={c['n']:>9d}  optc/adamw {o['gbPerS']:8.1f} GB/s   torch fused AdamW {c['gbPerS']:8.1f} GB/s   optc / torch speed {row['optcOverTorch']:.2f}x")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=2)
        print(f"wrote {a.json}")


if __name__ == "__main__":
    main()
