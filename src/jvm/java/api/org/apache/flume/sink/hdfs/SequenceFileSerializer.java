package org.apache.flume.sink.hdfs;

import org.apache.flume.Context;
import org.apache.flume.Event;

/**
 * Turns an event into the key/value records of an HDFS SequenceFile. The key and value classes
 * are Hadoop {@code Writable} types chosen by the serializer.
 */
public interface SequenceFileSerializer {
  Class<?> getKeyClass();

  Class<?> getValueClass();

  Iterable<Record> serialize(Event event);

  /** Creates a serializer from the sink's {@code serializer.*} properties. */
  interface Builder {
    SequenceFileSerializer build(Context context);
  }

  /** One key/value pair to append. */
  class Record {
    private final Object key;
    private final Object value;

    public Record(Object key, Object value) {
      this.key = key;
      this.value = value;
    }

    public Object getKey() {
      return key;
    }

    public Object getValue() {
      return value;
    }
  }
}
