package org.apache.flume.sink.elasticsearch;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;

import org.apache.flume.Channel;
import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.EventDeliveryException;
import org.apache.flume.Transaction;
import org.apache.flume.conf.Configurable;
import org.apache.flume.sink.AbstractSink;

/**
 * Test plugin under the class name of Flume's Elasticsearch sink (tests/it/jvm_extras.rs): a
 * site's build of that class is hosted when a configuration names the alias
 * {@code elasticsearch}. It appends each body and a newline to {@code file}, prefixed with its
 * {@code indexName}.
 */
public class ElasticSearchSink extends AbstractSink implements Configurable {
  private String file;
  private String index;
  private OutputStream out;

  @Override
  public void configure(Context context) {
    file = context.getString("file");
    index = context.getString("indexName", "flume");
  }

  @Override
  public synchronized void start() {
    try {
      out = new FileOutputStream(file, true);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    super.start();
  }

  @Override
  public synchronized void stop() {
    try {
      out.close();
    } catch (IOException e) {
      // closing anyway
    }
    super.stop();
  }

  @Override
  public Status process() throws EventDeliveryException {
    Channel channel = getChannel();
    Transaction tx = channel.getTransaction();
    tx.begin();
    try {
      Event e = channel.take();
      if (e == null) {
        tx.commit();
        return Status.BACKOFF;
      }
      out.write((index + ":").getBytes("UTF-8"));
      out.write(e.getBody());
      out.write('\n');
      out.flush();
      tx.commit();
      return Status.READY;
    } catch (Exception ex) {
      tx.rollback();
      throw new EventDeliveryException(ex);
    } finally {
      tx.close();
    }
  }
}
