"""The LSTM sequence model of Sources/VigilDetect/Sequence in PyTorch (CPU), on the data `vigil-bench lstm --write
PREFIX` saved: times one epoch of training (truncated BPTT, Adam, clipping, same batching idea) and scoring, prints JSON.

Usage: python bench/lstm_torch.py PREFIX [EPOCHS]
"""
import json
import math
import sys
import time

import numpy as np
import torch
from torch import nn

torch.set_num_threads(2)
torch.manual_seed(42)

prefix = sys.argv[1]
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 1
meta = json.load(open(prefix + ".json"))
I, C, E, H = meta["numeric_inputs"], meta["categories"], meta["embedding"], meta["hidden"]
numeric = np.fromfile(prefix + ".numeric.f32", dtype="<f4").reshape(-1, I)
categories = np.fromfile(prefix + ".categories.i32", dtype="<i4").astype(np.int64)
amount = np.fromfile(prefix + ".amount.f32", dtype="<f4")
gap = np.fromfile(prefix + ".gap.f32", dtype="<f4")
starts = np.fromfile(prefix + ".starts.i64", dtype="<i8")
labels = np.fromfile(prefix + ".labels.u8", dtype="u1").astype(bool)
lengths = np.diff(starts)
held = np.floor(lengths * 0.1).astype(np.int64)
train_lengths = lengths - held
BATCH, WINDOW, LIMIT = 64, 64, 8.0
HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


class SequenceModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(C, E)
        self.lstm = nn.LSTM(I + E, H, batch_first=True)
        self.head = nn.Linear(H, 4 + C)
        with torch.no_grad():  # Glorot per gate block, forget bias 1, as the Swift model
            bound = math.sqrt(6 / (I + E + H + H))
            self.lstm.weight_ih_l0.uniform_(-bound, bound)
            self.lstm.weight_hh_l0.uniform_(-bound, bound)
            self.lstm.bias_ih_l0.zero_()
            self.lstm.bias_hh_l0.zero_()
            self.lstm.bias_ih_l0[H:2 * H] = 1
            nn.init.xavier_uniform_(self.head.weight)
            self.head.bias.zero_()

    def forward(self, x_numeric, x_category, state):
        x = torch.cat([x_numeric, self.embedding(x_category)], dim=-1)
        return self.lstm(x, state)


def gaussian_nll(target, mean, raw):
    log_variance = LIMIT * torch.tanh(raw / LIMIT)
    return HALF_LOG_2PI + 0.5 * (log_variance + (target - mean) ** 2 * torch.exp(-log_variance))


def step_losses(y, t_amount, t_gap, t_category, has_gap):
    amount_nll = gaussian_nll(t_amount, y[..., 0], y[..., 1])
    gap_nll = torch.where(has_gap, gaussian_nll(torch.nan_to_num(t_gap), y[..., 2], y[..., 3]), torch.zeros_like(t_amount))
    category_nll = nn.functional.cross_entropy(y[..., 4:].reshape(-1, C), t_category.reshape(-1), reduction="none")
    return amount_nll + gap_nll + category_nll.reshape(t_amount.shape)


def padded(batch, steps):
    """Right-padded tensors [B, L, ...] of the batch's sequences' first `steps[i]` steps, and the mask."""
    L = int(max(steps))
    B = len(batch)
    num = np.zeros((B, L, I), np.float32)
    cat = np.zeros((B, L), np.int64)
    amt = np.zeros((B, L), np.float32)
    gp = np.zeros((B, L), np.float32)
    mask = np.zeros((B, L), bool)
    for row, (sequence, n) in enumerate(zip(batch, steps)):
        s = starts[sequence]
        num[row, :n] = numeric[s:s + n]
        cat[row, :n] = categories[s:s + n]
        amt[row, :n] = amount[s:s + n]
        gp[row, :n] = gap[s:s + n]
        mask[row, :n] = True
    has_gap = mask.copy()
    has_gap[:, 0] = False
    return [torch.from_numpy(a) for a in (num, cat, amt, gp, mask, has_gap)]


def batches(order, steps):
    """Pools of eight batches sorted by length, cut into batches (as the Swift trainer)."""
    out = []
    for p in range(0, len(order), BATCH * 8):
        pool = sorted(order[p:p + BATCH * 8], key=lambda i: -steps[i])
        out += [pool[b:b + BATCH] for b in range(0, len(pool), BATCH)]
    return out


model = SequenceModel()
optimizer = torch.optim.Adam(model.parameters(), lr=0.003)
rng = np.random.default_rng(42)
epoch_seconds, train_losses, trained_steps = [], [], 0
for epoch in range(epochs):
    started = time.perf_counter()
    order = list(rng.permutation(len(lengths)))
    batch_list = batches(order, train_lengths)
    rng.shuffle(batch_list)
    total, count = 0.0, 0
    for batch in batch_list:
        num, cat, amt, gp, mask, has_gap = padded(batch, train_lengths[batch])
        B, L = mask.shape
        h = torch.zeros(1, B, H)
        c = torch.zeros(1, B, H)
        for a in range(0, L, WINDOW):
            b = min(L, a + WINDOW)
            out, (h_next, c_next) = model(num[:, a:b], cat[:, a:b], (h, c))
            previous = torch.cat([h[0].unsqueeze(1), out[:, :-1]], dim=1)  # step t is predicted from h after t − 1
            y = model.head(previous)
            losses = step_losses(y, amt[:, a:b], gp[:, a:b], cat[:, a:b], has_gap[:, a:b])
            m = mask[:, a:b]
            n = int(m.sum())
            loss = losses[m].sum() / n
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            total += float(loss.detach()) * n
            count += n
            h, c = h_next.detach(), c_next.detach()
    trained_steps += count
    epoch_seconds.append(time.perf_counter() - started)
    train_losses.append(total / count)

started = time.perf_counter()
scores = np.zeros(len(categories), np.float32)
with torch.no_grad():
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    for b in range(0, len(order), BATCH):
        batch = order[b:b + BATCH]
        num, cat, amt, gp, mask, has_gap = padded(batch, lengths[batch])
        B = mask.shape[0]
        out, _ = model(num, cat, (torch.zeros(1, B, H), torch.zeros(1, B, H)))
        previous = torch.cat([torch.zeros(B, 1, H), out[:, :-1]], dim=1)
        losses = step_losses(model.head(previous), amt, gp, cat, has_gap).numpy()
        for row, sequence in enumerate(batch):
            scores[starts[sequence]:starts[sequence + 1]] = losses[row, :lengths[sequence]]
score_seconds = time.perf_counter() - started


def roc_auc(s, y):
    ranks = np.empty(len(s))
    order = np.argsort(s, kind="mergesort")
    ranks[order] = np.arange(1, len(s) + 1)
    # average ranks over ties
    _, inverse, counts = np.unique(s, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    ranks = (sums / counts)[inverse]
    p, n = y.sum(), (~y).sum()
    return float((ranks[y].sum() - p * (p + 1) / 2) / (p * n))


steps = int(len(categories))
print(json.dumps({
    "benchmark": "lstm_torch", "torch": torch.__version__, "threads": torch.get_num_threads(), "steps": steps,
    "epochs": epochs, "epoch_seconds": epoch_seconds, "seconds_per_epoch": float(np.mean(epoch_seconds)),
    "train_steps_per_second": trained_steps / sum(epoch_seconds), "train_loss": train_losses[-1],
    "score_seconds": score_seconds, "score_steps_per_second": steps / score_seconds,
    "roc_auc": roc_auc(scores.astype(np.float64), labels)}, sort_keys=True))
