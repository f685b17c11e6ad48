/**
 * Benchmarks: the end-to-end load generator behind {@code scalesmall bench}, and JMH
 * micro-benchmarks (in the module's {@code jmh} packages) for the codec, LZ4 and log append.
 */
package io.scalesmall.bench;
