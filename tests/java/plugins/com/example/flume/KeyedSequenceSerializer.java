package com.example.flume;

import java.util.Collections;
import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.sink.hdfs.SequenceFileSerializer;

/** One record per event: key = the timestamp header as a Long, value = body as text. */
public class KeyedSequenceSerializer implements SequenceFileSerializer {
  private final String charset;

  KeyedSequenceSerializer(String charset) {
    this.charset = charset;
  }

  @Override
  public Class<?> getKeyClass() {
    return Long.class;
  }

  @Override
  public Class<?> getValueClass() {
    return String.class;
  }

  @Override
  public Iterable<Record> serialize(Event event) {
    String ts = event.getHeaders().get("timestamp");
    try {
      return Collections.singletonList(new Record(Long.valueOf(ts == null ? "0" : ts),
          new String(event.getBody(), charset)));
    } catch (java.io.UnsupportedEncodingException e) {
      throw new IllegalStateException(e);
    }
  }

  public static class Builder implements SequenceFileSerializer.Builder {
    @Override
    public SequenceFileSerializer build(Context context) {
      return new KeyedSequenceSerializer(context.getString("charset", "UTF-8"));
    }
  }
}
