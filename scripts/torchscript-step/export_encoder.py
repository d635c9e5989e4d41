"""The experiment behind docs/performance.md's "A compiled graph": is a TorchScript graph of the encoder faster
to train than eager execution? Builds shared/bench/torch_reference.py's encoder (6 layers, hidden 384, 12 heads,
intermediate 1536, LoRA r=8 on query/key/value, backbone frozen) in a scriptable form, times one forward and
backward pass eagerly and scripted in this Python process, and saves the scripted module for
ScriptedStepBench.java to time in the worker's libtorch.

Usage: /usr/bin/python3 export_encoder.py OUT.pt   (Debian's python3-torch; THREADS sets torch's threads)"""
import os, statistics, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(int(os.environ.get("THREADS", "1")))
torch.manual_seed(0)
B, T, E, HEADS, HEAD, I, L, R = 16, 64, 384, 12, 32, 1536, 6, 8


class Dense(nn.Module):
    def __init__(self, i: int, o: int):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(o, i) * 0.02)
        self.bias = nn.Parameter(torch.zeros(o))

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)


class LoraDense(Dense):
    def __init__(self, i: int, o: int):
        super().__init__(i, o)
        self.lora_A = nn.Parameter(torch.randn(R, i) * 0.02)
        self.lora_B = nn.Parameter(torch.randn(o, R) * 0.02)

    def forward(self, x):
        # scaled at rank r, as the worker's LoraLinear does (alpha/r = 2)
        return F.linear(x, self.weight, self.bias) + F.linear(F.linear(x, self.lora_A) * 2.0, self.lora_B)


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.q, self.k, self.v = LoraDense(E, E), LoraDense(E, E), LoraDense(E, E)
        self.o = Dense(E, E)
        self.ln1 = nn.LayerNorm(E, eps=1e-12)
        self.ff1, self.ff2 = Dense(E, I), Dense(I, E)
        self.ln2 = nn.LayerNorm(E, eps=1e-12)
        # module attributes, since TorchScript does not read Python globals
        self.heads, self.head, self.hidden, self.inverse_sqrt_head = HEADS, HEAD, E, HEAD ** -0.5

    def forward(self, x, mask_add):
        b, t = x.shape[0], x.shape[1]
        q = self.q(x).view(b, t, self.heads, self.head).transpose(1, 2)
        k = self.k(x).view(b, t, self.heads, self.head).transpose(1, 2)
        v = self.v(x).view(b, t, self.heads, self.head).transpose(1, 2)
        scores = torch.matmul(q, k.transpose(-1, -2)) * self.inverse_sqrt_head + mask_add
        context = torch.matmul(scores.softmax(-1), v).transpose(1, 2).reshape(b, t, self.hidden)
        x1 = self.ln1(x + self.o(context))
        return self.ln2(x1 + self.ff2(F.gelu(self.ff1(x1))))


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([Layer() for _ in range(L)])
        self.cls = Dense(E, 2)

    def forward(self, x, mask_add):
        for layer in self.layers:
            x = layer(x, mask_add)
        return self.cls(x[:, 0, :])


def median_step_ms(module, params, x, mask_add, labels, warmup=5, steps=20):
    times = []
    for i in range(warmup + steps):
        started = time.perf_counter()
        F.cross_entropy(module(x, mask_add), labels).backward()
        for p in params:
            p.grad = None
        if i >= warmup:
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    model = Encoder()
    for name, p in model.named_parameters():
        p.requires_grad_("lora" in name or name.startswith("cls."))
    scripted = torch.jit.script(model)
    scripted.save(sys.argv[1])
    x, mask_add, labels = torch.randn(B, T, E), torch.zeros(B, 1, 1, T), torch.arange(B) % 2
    params = list(model.parameters())
    for _ in range(2):
        eager = median_step_ms(model, params, x, mask_add, labels)
        script = median_step_ms(scripted, params, x, mask_add, labels)
        print(f"RESULT torch {torch.__version__} forward+backward: eager {eager:.1f} ms, scripted {script:.1f} ms "
              f"(scripted/eager {script / eager:.2f})", flush=True)
