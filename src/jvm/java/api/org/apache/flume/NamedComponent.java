package org.apache.flume;

/** A component that carries the name it has in the agent configuration. */
public interface NamedComponent {
  void setName(String name);

  String getName();
}
