package dev.netc.compiler.testing;

import java.util.List;

/**
 * Small networks of index notation for the forward-mode tests: convolution with stride and
 * padding, tanh and max pooling; a user definition with a sum and a max over a window; a guarded
 * shifted read with log_softmax and logsumexp; reshape, average pooling and a transposed read.
 */
public final class IndexNets {
  private IndexNets() {}

  public static final List<String> SOURCES = List.of(
      "network Ix0 {\ninput x[2, 6, 7]\nparam K[3, 2, 3, 3]\nparam b[3, 1, 1]\ntarget t[3, 2, 2]\n"
          + "h = tanh(conv2d(x, K, stride=2, pad=1) + b)\nm = max_pool2d(h, 2)\noutput m\nloss = sum(m .* t) + l2(K)\n}\n",
      "network Ix1 {\ninput x[3, 5]\nparam W[3, 5]\ny[i, j] = sum(k) sigmoid(x[i, k] * W[i, k]) * W[i, j]\n"
          + "z[i] = max(j) y[i, j] * x[i, j]\noutput z\nloss = sum(square(z)) + sum(exp(tanh(y)))\n}\n",
      "network Ix2 {\ninput x[6]\nparam w[3]\ny[i] = sum(p) x[i + p] * w[p] where i < 4\noutput y\n"
          + "loss = sum(log_softmax(y)) + logsumexp(y)\n}\n",
      "network Ix3 {\ninput x[4, 4]\nparam a[4, 4]\nc = avg_pool2d(reshape(x .* a, [1, 4, 4]), 2)\n"
          + "y[i] = sum(j) a[i, j] * x[j, i]\noutput y\nloss = sum(square(c)) + sum(softplus(y))\n}\n");
}
