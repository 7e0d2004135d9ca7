package org.apache.flume.conf;

import org.apache.flume.FlumeException;

/** A configuration value is missing or invalid. */
public class ConfigurationException extends FlumeException {
  private static final long serialVersionUID = 1L;

  public ConfigurationException(String message) {
    super(message);
  }

  public ConfigurationException(Throwable cause) {
    super(cause);
  }

  public ConfigurationException(String message, Throwable cause) {
    super(message, cause);
  }
}
