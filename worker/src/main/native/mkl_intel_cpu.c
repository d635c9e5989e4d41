/*
 * libtunestream-mkl.so: preloaded (LD_PRELOAD) into every JVM that trains, by ./tunestream, the test
 * configuration and the worker image.
 *
 * libtorch's CPU build links Intel oneMKL statically, and MKL's sgemm does every matrix multiply of a training
 * step. MKL picks its kernels by CPU vendor first: on a CPU that is not Intel's it takes a generic AVX2 path
 * whatever the CPU supports, so an AMD EPYC with AVX-512 multiplies at less than half the rate it can. MKL asks
 * the vendor question through one exported function, mkl_serv_intel_cpu_true(), which libtorch_cpu.so calls
 * through its procedure linkage table. Defining it here, ahead of libtorch in the symbol lookup order, makes MKL
 * dispatch on the CPU's feature flags alone, as it does on Intel's CPUs (where this changes nothing).
 *
 * Measured on this project's development machine (AMD EPYC with AVX-512, one thread, 1536x384 by 384x1024):
 * 53-62 GFLOP/s without, 147-159 GFLOP/s with (docs/performance.md has the training step's figures).
 */
int mkl_serv_intel_cpu_true(void) {
    return 1;
}
