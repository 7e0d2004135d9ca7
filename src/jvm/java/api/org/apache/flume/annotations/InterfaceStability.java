package org.apache.flume.annotations;

import java.lang.annotation.Documented;

/** How much an API may change between releases. */
public class InterfaceStability {
  public InterfaceStability() {
  }

  /** Changes only at major releases. */
  @Documented
  public @interface Stable {
  }

  /** May change at minor releases. */
  @Documented
  public @interface Evolving {
  }

  /** May change at any release. */
  @Documented
  public @interface Unstable {
  }
}
