package com.google.common.collect;

import java.util.Map;

/** Compile-only stand-in for Guava's ImmutableMap (see ../../../../README.md). */
public abstract class ImmutableMap<K, V> implements Map<K, V> {
  public static <K, V> ImmutableMap<K, V> copyOf(Map<? extends K, ? extends V> map) {
    throw new UnsupportedOperationException("compile-only stub");
  }
}
