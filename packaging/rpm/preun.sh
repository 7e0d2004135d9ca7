# flume-rs %preun ($1: 0 erase, 1 upgrade): on erase, stop and disable the service, give
# /usr/bin/flume-ng back (to Java Flume if flume-rs-switch moved it aside).
if [ "$1" -eq 0 ]; then
    if [ -d /run/systemd/system ]; then
        systemctl --no-reload disable --now flume-rs-agent.service >/dev/null 2>&1 || :
    fi
    /usr/sbin/flume-rs-switch package-removing || :
fi
exit 0
