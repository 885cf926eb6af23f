#!/usr/bin/env python3
"""The same network as ocr's benchmark net, in PyTorch, timed the same way as
bench/engine_speed.cpp: training lines/s (forward + CTC + backward + Adam) at batch 32 and
inference lines/s at batch 1 and 16 on random 32 x 400 input.

Run through bench/engine_vs_pytorch.sh, which unsets OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE for this
command only and sets OPENBLAS_NUM_THREADS=1 beside torch.set_num_threads."""
import argparse
import time

import torch
import torch.nn as nn


class Residual(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(),
            nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout))
        self.short = (nn.Sequential(nn.Conv2d(cin, cout, 1), nn.BatchNorm2d(cout))
                      if cin != cout else nn.Identity())

    def forward(self, x):
        return torch.relu(self.body(x) + self.short(x))


class Net(nn.Module):
    """C3,3,32 Bn Relu Mp2,2 R64 Mp2,2 R128 Mp2,1 Col Lbx128 Lbx128 O"""

    def __init__(self, height, classes):
        super().__init__()
        self.cnn = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2, 2),
            Residual(32, 64), nn.MaxPool2d(2, 2), Residual(64, 128), nn.MaxPool2d((2, 1), (2, 1)))
        feat = 128 * (height // 8)
        self.rnn = nn.LSTM(feat, 128, num_layers=2, bidirectional=True)
        self.out = nn.Linear(256, classes)

    def forward(self, x):
        y = self.cnn(x)  # N C H W
        n, c, h, w = y.shape
        y = y.permute(3, 0, 1, 2).reshape(w, n, c * h)  # T N D
        y, _ = self.rnn(y)
        return torch.log_softmax(self.out(y), dim=2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--height", type=int, default=32)
    ap.add_argument("--width", type=int, default=400)
    ap.add_argument("--classes", type=int, default=100)
    ap.add_argument("--train-batch", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=10)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    net = Net(a.height, a.classes)
    opt = torch.optim.Adam(net.parameters(), lr=1e-4)
    ctc = nn.CTCLoss(blank=0, reduction="mean", zero_infinity=True)
    x = torch.rand(a.train_batch, 1, a.height, a.width)
    frames = a.width // 4
    targets = torch.randint(1, a.classes, (a.train_batch, frames // 3))
    in_len = torch.full((a.train_batch,), frames, dtype=torch.long)
    tgt_len = torch.full((a.train_batch,), frames // 3, dtype=torch.long)
    print(f"threads {a.threads}")

    def step():
        opt.zero_grad()
        lp = net(x)
        loss = ctc(lp, targets, in_len, tgt_len)
        loss.backward()
        opt.step()

    net.train()
    step()
    it, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < a.seconds or it < 2:
        step()
        it += 1
    print(f"train_lines_per_s {it * a.train_batch / (time.perf_counter() - t0):.2f}")
    net.eval()
    with torch.inference_mode():
        for bs in (1, 16):
            xb = torch.rand(bs, 1, a.height, a.width)
            net(xb)
            it, t0 = 0, time.perf_counter()
            while time.perf_counter() - t0 < a.seconds / 2 or it < 3:
                net(xb)
                it += 1
            print(f"infer_b{bs}_lines_per_s {it * bs / (time.perf_counter() - t0):.2f}")


if __name__ == "__main__":
    main()
