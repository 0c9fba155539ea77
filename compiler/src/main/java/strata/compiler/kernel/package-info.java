/**
 * The kernel dialect: loop nests over buffers with parallel, vector and unroll annotations.
 * Target-neutral: the CPU (LLVM x86) and GPU (NVPTX) lowerings both start here.
 */
package strata.compiler.kernel;
