package org.apache.flume.annotations;

import java.lang.annotation.Documented;

/** Who an API is meant for. */
public class InterfaceAudience {
  private InterfaceAudience() {
  }

  /** Any project or application. */
  @Documented
  public @interface Public {
  }

  /** Only the named projects. */
  @Documented
  public @interface LimitedPrivate {
    String[] value();
  }

  /** Only Flume itself. */
  @Documented
  public @interface Private {
  }
}
