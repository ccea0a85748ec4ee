"""Thread counts for the PyTorch comparison scripts that hold for the BLAS as well as for PyTorch.

Debian's python3-torch is built with BLAS_INFO=generic: its matrix products call whatever
libblas.so.3 the system's alternatives point at. With OpenBLAS there (libopenblas0-pthread),
torch.set_num_threads(1) leaves OpenBLAS's own thread pool alone, so a "one thread" PyTorch step
still ran its products on every core (measured on a 2-core host: 512x128 @ 128x384 took 126 us
with the pool, 224 us on one thread). set_threads(n) sets both. With the reference BLAS (libblas3)
PyTorch runs 30x slower than with OpenBLAS; blas() names what is loaded so that every run says it.
"""
import ctypes

import torch


def _openblas():
    try:
        lib = ctypes.CDLL("libblas.so.3")
    except OSError:
        return None
    return lib if hasattr(lib, "openblas_set_num_threads") else None


def set_threads(n):
    """Sets PyTorch's intra-op threads and, where the BLAS is OpenBLAS, OpenBLAS's to n."""
    torch.set_num_threads(n)
    lib = _openblas()
    if lib is not None:
        lib.openblas_set_num_threads(n)


def blas():
    """One line naming the BLAS behind PyTorch's products and its threads."""
    lib = _openblas()
    if lib is None:
        return "BLAS: not OpenBLAS (install libopenblas0-pthread: the reference BLAS is about 30x slower)"
    lib.openblas_get_config.restype = ctypes.c_char_p
    return (f"BLAS: OpenBLAS {lib.openblas_get_config().decode()}, core {_core(lib)},"
            f" {lib.openblas_get_num_threads()} thread(s); torch {torch.get_num_threads()} thread(s)")


def _core(lib):
    lib.openblas_get_corename.restype = ctypes.c_char_p
    return lib.openblas_get_corename().decode()
