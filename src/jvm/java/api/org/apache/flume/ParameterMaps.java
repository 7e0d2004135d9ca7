package org.apache.flume;

import java.util.Map;

/**
 * Flume 1.6 to 1.9 declare {@code Context.getParameters()} and {@code getSubProperties(String)}
 * as returning Guava's {@code ImmutableMap}; Flume 1.10 and later declare {@code java.util.Map}.
 * Plugins compiled against either call a different method descriptor. Implementing this
 * interface makes the compiler emit bridge methods with the {@code java.util.Map} descriptors in
 * {@link Context}, so one class serves plugins built against both.
 */
interface ParameterMaps {
  Map<String, String> getParameters();

  Map<String, String> getSubProperties(String prefix);
}
