package org.apache.flume.source;

import org.apache.flume.EventDrivenSource;

/** Base of event-driven sources with checked lifecycle. */
public abstract class AbstractEventDrivenSource extends BasicSourceSemantics
    implements EventDrivenSource {
  public AbstractEventDrivenSource() {
    super();
  }
}
