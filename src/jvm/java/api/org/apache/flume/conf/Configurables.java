package org.apache.flume.conf;

import org.apache.flume.Context;

/** Helpers for configuring components. */
public class Configurables {
  public Configurables() {
  }

  /** Configures {@code target} if it is {@link Configurable}; returns whether it was. */
  public static boolean configure(Object target, Context context) {
    if (!(target instanceof Configurable)) {
      return false;
    }
    ((Configurable) target).configure(context);
    return true;
  }

  public static void ensureRequiredNonNull(Context context, String... keys) {
    for (String key : keys) {
      if (context.getString(key) == null) {
        throw new IllegalArgumentException(
            "Required parameter " + key + " must exist and may not be null");
      }
    }
  }

  public static void ensureOptionalNonNull(Context context, String... keys) {
    for (String key : keys) {
      if (context.containsKey(key) && context.getString(key) == null) {
        throw new IllegalArgumentException("Optional parameter " + key + " may not be null");
      }
    }
  }
}
