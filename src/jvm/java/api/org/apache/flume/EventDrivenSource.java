package org.apache.flume;

/** A source that runs its own threads and pushes events when they arrive. */
public interface EventDrivenSource extends Source {
}
