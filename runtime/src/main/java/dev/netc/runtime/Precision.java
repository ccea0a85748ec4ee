package dev.netc.runtime;

/** The floating-point type a generated class computes in. */
public enum Precision {
  DOUBLE,
  FLOAT
}
