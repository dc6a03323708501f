#!/usr/bin/env python3
"""PyTorch baseline for bench/training-bench.ts: the same 20 -> 64 -> 64 -> 1 MLP (ReLU, Adam at
1e-3, MSE), 50,000 rows, batch 256, shuffled each epoch, on the CPU. Prints one JSON object.

Usage: /usr/bin/python3 bench/torch_mlp.py [--rows N] [--epochs N] [--threads N]
(Debian: apt-get install -y python3-torch). The first epoch is a warm-up and is not counted.
"""
import argparse
import json
import statistics
import time

import torch


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--threads", type=int, default=0, help="0 keeps PyTorch's default")
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x = torch.randn(args.rows, 20)
    w = torch.randn(20, 1)
    y = x @ w + 0.1 * torch.randn(args.rows, 1)
    model = torch.nn.Sequential(
        torch.nn.Linear(20, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1)
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.MSELoss()
    generator = torch.Generator().manual_seed(1)
    rates = []
    for _ in range(args.epochs):
        order = torch.randperm(args.rows, generator=generator)
        started = time.perf_counter()
        for start in range(0, args.rows, args.batch_size):
            index = order[start : start + args.batch_size]
            optimizer.zero_grad()
            loss = loss_fn(model(x[index]), y[index])
            loss.backward()
            optimizer.step()
        rates.append(args.rows / (time.perf_counter() - started))
    counted = rates[1:] if len(rates) > 1 else rates
    print(json.dumps({
        "framework": "pytorch",
        "version": torch.__version__,
        "threads": torch.get_num_threads(),
        "rows": args.rows,
        "batch_size": args.batch_size,
        "samples_per_second": statistics.median(counted),
        "epochs_samples_per_second": rates,
        "final_loss": float(loss.item()),
    }))


if __name__ == "__main__":
    main()
