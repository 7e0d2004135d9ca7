package org.flumers.bridge;

import java.util.Collections;
import java.util.List;

import org.apache.flume.Channel;
import org.apache.flume.ChannelSelector;
import org.apache.flume.Context;
import org.apache.flume.Event;

/** Sends every event to the source's bridge channel; flume-rs's own selector then picks the
 * real channels. */
final class SourceSelector implements ChannelSelector {
  private final List<Channel> channels;
  private String name;

  SourceSelector(Channel channel) {
    channels = Collections.singletonList(channel);
  }

  @Override
  public void setChannels(List<Channel> list) {}

  @Override
  public List<Channel> getRequiredChannels(Event event) {
    return channels;
  }

  @Override
  public List<Channel> getOptionalChannels(Event event) {
    return Collections.emptyList();
  }

  @Override
  public List<Channel> getAllChannels() {
    return channels;
  }

  @Override
  public void configure(Context context) {}

  @Override
  public void setName(String name) {
    this.name = name;
  }

  @Override
  public String getName() {
    return name;
  }
}
