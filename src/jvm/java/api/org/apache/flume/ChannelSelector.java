package org.apache.flume;

import java.util.List;
import org.apache.flume.conf.Configurable;

/** Chooses, per event, the channels a source writes to. */
public interface ChannelSelector extends NamedComponent, Configurable {
  void setChannels(List<Channel> channels);

  List<Channel> getRequiredChannels(Event event);

  List<Channel> getOptionalChannels(Event event);

  List<Channel> getAllChannels();
}
