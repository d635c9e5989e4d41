"""Writes a TorchScript module whose forward is libtorch's fused attention,
torch.scaled_dot_product_attention(q, k, v, mask) (scale 1/sqrt(head size)), for FusedAttentionBench.java.

Debian's PyTorch 1.13 predates that operation, so the module is scripted with a stand-in body and its saved
TorchScript source is then rewritten: TorchScript compiles the source when it loads the archive, so the worker's
libtorch 2.7.1 resolves the call. Usage: /usr/bin/python3 fused_attention_module.py OUT.pt"""
import os
import sys
import zipfile
import torch


class Attention(torch.nn.Module):
    def forward(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return torch.matmul(q, k) + v + mask  # stand-in, replaced below


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    stand_in = sys.argv[1] + ".stand-in"
    torch.jit.script(Attention()).save(stand_in)
    with zipfile.ZipFile(stand_in) as source, zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_STORED) as target:
        for entry in source.infolist():
            if entry.filename.endswith(".debug_pkl"):
                continue  # source positions of the stand-in body
            data = source.read(entry.filename)
            if entry.filename.endswith("code/__torch__.py"):
                code = data.decode()
                body = [line for line in code.splitlines() if line.strip().startswith("_0 = ")]
                if len(body) != 1:
                    sys.exit("unexpected TorchScript source:\n" + code)
                data = code.replace(body[0].strip(), "_0 = torch.scaled_dot_product_attention(q, k, v, mask)").encode()
            target.writestr(entry.filename, data)
    os.remove(stand_in)
