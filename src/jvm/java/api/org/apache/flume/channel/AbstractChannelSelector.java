package org.apache.flume.channel;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flume.Channel;
import org.apache.flume.ChannelSelector;
import org.apache.flume.FlumeException;

/** Base of channel selectors: holds the source's channels and the selector's name. */
public abstract class AbstractChannelSelector implements ChannelSelector {
  private List<Channel> channels;
  private String name;

  public AbstractChannelSelector() {
  }

  @Override
  public List<Channel> getAllChannels() {
    return channels;
  }

  @Override
  public void setChannels(List<Channel> channels) {
    this.channels = channels;
  }

  @Override
  public synchronized void setName(String name) {
    this.name = name;
  }

  @Override
  public synchronized String getName() {
    return name;
  }

  /** The source's channels by name. */
  protected Map<String, Channel> getChannelNameMap() {
    Map<String, Channel> byName = new HashMap<String, Channel>();
    for (Channel channel : getAllChannels()) {
      byName.put(channel.getName(), channel);
    }
    return byName;
  }

  /**
   * Resolves a space-separated list of channel names.
   *
   * @throws FlumeException naming the first channel that is not one of the source's
   */
  protected List<Channel> getChannelListFromNames(String names,
      Map<String, Channel> channelNameMap) {
    List<Channel> result = new ArrayList<Channel>();
    if (names == null || names.isEmpty()) {
      return result;
    }
    for (String name : names.split(" ")) {
      Channel channel = channelNameMap.get(name);
      if (channel == null) {
        throw new FlumeException("Selector channel not found: " + name);
      }
      result.add(channel);
    }
    return result;
  }
}
