//! `build`, one function per kind in Flume's order (`AbstractConfigurationProvider`): channels
//! (reused across a reload where Flume reuses them), sources with their interceptors and
//! selector, sinks, sink groups; then channels nothing is connected to are removed.

use super::*;

fn find_channel(channels: &[BuiltChannel], name: &str) -> Option<ChannelRef> {
    channels
        .iter()
        .find(|c| c.name == name)
        .map(|c| c.channel.clone())
}

/// The channels, running ones of the previous configuration reused where Flume reuses them.
pub(super) fn build_channels(
    cfg: &AgentConfig,
    env: &BuildEnv,
    reuse: &[BuiltChannel],
    diags: &mut Vec<Diagnostic>,
) -> Result<Vec<BuiltChannel>, FatalError> {
    let agent = &cfg.name;
    let mut channels: Vec<BuiltChannel> = Vec::new();
    for c in &cfg.channels {
        let subject = format!("{agent}.channels.{}", c.name);
        let row = registry::resolve(
            registry::Kind::Channel,
            c.type_name.as_deref().unwrap_or(""),
        )
        .row();
        let alias = row.map_or("", registry::Row::name);
        let fingerprint = Fingerprint::of(&c.context, &[]);
        let previous = reuse.iter().find(|o| o.name == c.name && o.alias == alias);
        if row.is_some_and(registry::Row::is_reusable)
            && let Some(old) = previous
        {
            match old.channel.reconfigure(&c.context) {
                Ok(true) => {
                    channels.push(BuiltChannel {
                        fingerprint,
                        ..old.clone()
                    });
                    continue;
                }
                Ok(false) => {}
                Err(e) => {
                    dropped(
                        diags,
                        "Channel",
                        &c.name,
                        subject,
                        e.without_origin(),
                        e.origin.clone(),
                        &c.context,
                    );
                    continue;
                }
            }
        }
        match build_channel(c, env) {
            // A channel Flume recreates on every reload (the file channel) keeps running when
            // its properties did not change: built only to read and check them, the new
            // instance is dropped unstarted, and its sources and sinks need no restart.
            Ok(_) if previous.is_some_and(|o| o.fingerprint == fingerprint) => {
                channels.extend(previous.cloned());
            }
            Ok(ch) => channels.push(BuiltChannel {
                name: c.name.clone(),
                alias,
                channel: ch,
                fingerprint,
            }),
            Err(BuildError::UnknownType(e)) => return Err(FatalError::UnknownType(e)),
            Err(BuildError::Config(e)) => dropped(
                diags,
                "Channel",
                &c.name,
                subject,
                e.without_origin(),
                e.origin.clone(),
                &c.context,
            ),
        }
    }
    Ok(channels)
}

/// The sources with their channel processors; a source whose batch is larger than a
/// channel's transaction capacity is dropped.
pub(super) fn build_sources(
    cfg: &AgentConfig,
    env: &BuildEnv,
    channels: &[BuiltChannel],
    diags: &mut Vec<Diagnostic>,
) -> Result<Vec<BuiltSource>, FatalError> {
    let agent = &cfg.name;
    let mut sources = Vec::new();
    for s in &cfg.sources {
        let subject = format!("{agent}.sources.{}", s.component.name);
        let names: Vec<String> = s
            .channels
            .iter()
            .filter(|n| find_channel(channels, n).is_some())
            .cloned()
            .collect();
        if names.is_empty() {
            dropped(
                diags,
                "Source",
                &s.component.name,
                subject,
                format!(
                    "Source {} is not connected to a channel (its channels {} were removed)",
                    s.component.name,
                    s.channels.join(" ")
                ),
                s.component.type_origin(),
                &s.component.context,
            );
            continue;
        }
        let refs: Vec<ChannelRef> = names
            .iter()
            .filter_map(|n| find_channel(channels, n))
            .collect();
        let ctx = &s.component.context;
        let built = (|| -> Result<(Box<dyn Source>, ChannelProcessor), BuildError> {
            let src = build_source(&s.component, env)?;
            let interceptors =
                InterceptorChain::from_source_context_with(ctx, hosted_interceptors())?;
            let sel = selector::build(&ctx.sub("selector."), &names)?;
            Ok((src, ChannelProcessor::new(refs.clone(), interceptors, sel)))
        })();
        let (src, processor) = match built {
            Ok(b) => b,
            Err(BuildError::UnknownType(e)) => return Err(FatalError::UnknownType(e)),
            Err(BuildError::Config(e)) => {
                dropped(
                    diags,
                    "Source",
                    &s.component.name,
                    subject,
                    e.without_origin(),
                    e.origin.clone(),
                    ctx,
                );
                continue;
            }
        };
        if let Some(batch) = src.batch_size()
            && let Some((ch, cap)) = refs.iter().find_map(|c| {
                c.transaction_capacity()
                    .filter(|cap| batch > *cap)
                    .map(|cap| (c.name().to_string(), cap))
            })
        {
            let msg = format!(
                "Incompatible source and channel settings defined. source's batch size is greater than the channels transaction capacity. Source: {}, batch size = {batch}, channel {ch}, transaction capacity = {cap}",
                s.component.name
            );
            dropped(
                diags,
                "Source",
                &s.component.name,
                subject,
                msg,
                batch_origin(s.component.kind, s.component.type_name.as_deref(), ctx),
                ctx,
            );
            continue;
        }
        sources.push(BuiltSource {
            name: s.component.name.clone(),
            source: src,
            processor: Arc::new(processor),
            fingerprint: Fingerprint::of(ctx, &refs),
        });
    }

    Ok(sources)
}

/// A channel: a Java class on the plugin host's classpath when that is what the type names
/// (`jvm::hosted_class`), else a native one.
fn build_channel(
    config: &crate::config::ComponentConfig,
    env: &BuildEnv,
) -> Result<ChannelRef, BuildError> {
    #[cfg(feature = "jvm")]
    if let Some(class) = crate::jvm::hosted_class(
        registry::Kind::Channel,
        config.type_name.as_deref().unwrap_or(""),
    ) {
        return Ok(Arc::new(crate::jvm::channel::JavaChannel::build(
            &class,
            &config.name,
            &config.context,
        )?));
    }
    channel::build(config, env)
}

/// A source: a Java class on the plugin host's classpath when that is what the type names
/// (`jvm::hosted_class`), else a native one.
fn build_source(
    config: &crate::config::ComponentConfig,
    env: &BuildEnv,
) -> Result<Box<dyn Source>, BuildError> {
    #[cfg(feature = "jvm")]
    if let Some(class) = crate::jvm::hosted_class(
        registry::Kind::Source,
        config.type_name.as_deref().unwrap_or(""),
    ) {
        return Ok(Box::new(crate::jvm::source::JavaSource::build(
            &class,
            &config.name,
            &config.context,
        )?));
    }
    source::build(config, env)
}

/// A sink: a Java class on the plugin host's classpath when that is what the type names
/// (`jvm::hosted_class`), else a native one.
fn build_sink(
    config: &crate::config::ComponentConfig,
    channel: ChannelRef,
    env: &BuildEnv,
) -> Result<Box<dyn Sink>, BuildError> {
    #[cfg(feature = "jvm")]
    if let Some(class) = crate::jvm::hosted_class(
        registry::Kind::Sink,
        config.type_name.as_deref().unwrap_or(""),
    ) {
        return Ok(Box::new(crate::jvm::sink::JavaSink::build(
            &class,
            &config.name,
            &config.context,
            channel,
        )?));
    }
    sink::build(config, channel, env)
}

/// The builder of Java interceptors, when the plugin host is in the build.
fn hosted_interceptors() -> Option<crate::interceptor::HostedBuilder> {
    #[cfg(feature = "jvm")]
    return Some(|class, name, ctx| {
        Ok(Box::new(crate::jvm::interceptor::JavaInterceptor::build(
            class, name, ctx,
        )?))
    });
    #[cfg(not(feature = "jvm"))]
    None
}

/// Sinks as built, by name, with the configuration order.
pub(super) struct BuiltSinks {
    pub(super) sinks: HashMap<String, Box<dyn Sink>>,
    pub(super) order: Vec<String>,
    pub(super) fingerprints: HashMap<String, Fingerprint>,
}

/// The sinks; a sink whose batch is larger than its channel's transaction capacity is dropped.
pub(super) fn build_sinks(
    cfg: &AgentConfig,
    env: &BuildEnv,
    channels: &[BuiltChannel],
    diags: &mut Vec<Diagnostic>,
) -> Result<BuiltSinks, FatalError> {
    let agent = &cfg.name;
    let mut sinks: HashMap<String, Box<dyn Sink>> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut fingerprints = HashMap::new();
    for k in &cfg.sinks {
        let subject = format!("{agent}.sinks.{}", k.component.name);
        let Some(ch) = find_channel(channels, &k.channel) else {
            dropped(
                diags,
                "Sink",
                &k.component.name,
                subject,
                format!(
                    "Sink {} is not connected to a channel (its channel {} was removed)",
                    k.component.name, k.channel
                ),
                k.component.context.origin("channel"),
                &k.component.context,
            );
            continue;
        };
        let built = match build_sink(&k.component, ch.clone(), env) {
            Ok(s) => s,
            Err(BuildError::UnknownType(e)) => return Err(FatalError::UnknownType(e)),
            Err(BuildError::Config(e)) => {
                dropped(
                    diags,
                    "Sink",
                    &k.component.name,
                    subject,
                    e.without_origin(),
                    e.origin.clone(),
                    &k.component.context,
                );
                continue;
            }
        };
        if let Some(batch) = built.batch_size()
            && let Some(cap) = ch.transaction_capacity().filter(|cap| batch > *cap)
        {
            let msg = format!(
                "Incompatible sink and channel settings defined. sink's batch size is greater than the channels transaction capacity. Sink: {}, batch size = {batch}, channel {}, transaction capacity = {cap}",
                k.component.name, k.channel
            );
            dropped(
                diags,
                "Sink",
                &k.component.name,
                subject,
                msg,
                batch_origin(
                    k.component.kind,
                    k.component.type_name.as_deref(),
                    &k.component.context,
                ),
                &k.component.context,
            );
            continue;
        }
        order.push(k.component.name.clone());
        fingerprints.insert(
            k.component.name.clone(),
            Fingerprint::of(&k.component.context, std::slice::from_ref(&ch)),
        );
        sinks.insert(k.component.name.clone(), built);
    }

    Ok(BuiltSinks {
        sinks,
        order,
        fingerprints,
    })
}

/// Sink groups take their sinks out of the stand-alone pool first; every other sink runs
/// alone under a default processor.
pub(super) fn build_sink_runners(
    cfg: &AgentConfig,
    built: BuiltSinks,
    diags: &mut Vec<Diagnostic>,
) -> Result<Vec<BuiltSinkRunner>, FatalError> {
    let agent = &cfg.name;
    let BuiltSinks {
        mut sinks,
        order: sink_order,
        fingerprints,
    } = built;
    let fingerprint_of = |name: &str| fingerprints.get(name).cloned().unwrap_or_default();
    let mut sink_runners = Vec::new();
    let mut grouped: Vec<(String, crate::config::Context, Vec<String>)> = Vec::new();
    for g in &cfg.sinkgroups {
        for s in &g.sinks {
            if !sinks.contains_key(s) {
                return Err(FatalError::GroupSinkMissing {
                    group: g.component.name.clone(),
                    sink: s.clone(),
                });
            }
        }
        grouped.push((
            g.component.name.clone(),
            g.component.context.clone(),
            g.sinks.clone(),
        ));
    }
    for (group, ctx, members) in grouped {
        let group_sinks: Vec<Box<dyn Sink>> =
            members.iter().filter_map(|s| sinks.remove(s)).collect();
        let metrics = group_sinks.iter().filter_map(|s| s.metrics()).collect();
        let member_fingerprints: Vec<Fingerprint> =
            members.iter().map(|m| fingerprint_of(m)).collect();
        match processor::build_group(&ctx, group_sinks) {
            Ok(p) => sink_runners.push(BuiltSinkRunner {
                name: group,
                sinks: members,
                processor: p,
                metrics,
                fingerprint: Fingerprint::group(&ctx, &member_fingerprints),
            }),
            Err(e) => dropped(
                diags,
                "SinkGroup",
                &group,
                format!("{agent}.sinkgroups.{group}"),
                format!(
                    "{}; its sinks {} will not run",
                    e.without_origin(),
                    members.join(" ")
                ),
                e.origin.clone(),
                &ctx,
            ),
        }
    }
    for name in sink_order {
        if let Some(s) = sinks.remove(&name) {
            let metrics = s.metrics().into_iter().collect();
            sink_runners.push(BuiltSinkRunner {
                fingerprint: fingerprint_of(&name),
                name: name.clone(),
                sinks: vec![name],
                processor: Box::new(DefaultSinkProcessor::new(s)),
                metrics,
            });
        }
    }

    Ok(sink_runners)
}

/// Channels nothing is connected to are removed. A sink counts once it was configured, even if
/// its group then failed (Flume adds it to the channel's components first).
pub(super) fn remove_unconnected_channels(
    cfg: &AgentConfig,
    channels: &mut Vec<BuiltChannel>,
    sources: &[BuiltSource],
    configured_sinks: &[String],
    diags: &mut Vec<Diagnostic>,
) {
    let agent = &cfg.name;
    let used: Vec<String> = sources
        .iter()
        .flat_map(|s| s.processor.channels().iter().map(|c| c.name().to_string()))
        .chain(
            cfg.sinks
                .iter()
                .filter(|k| configured_sinks.contains(&k.component.name))
                .map(|k| k.channel.clone()),
        )
        .collect();
    channels.retain(|c| {
        let keep = used.contains(&c.name);
        if !keep {
            tracing::warn!(
                "Channel {} has no components connected and has been removed.",
                c.name
            );
            let origin = cfg.channel(&c.name).and_then(|cc| cc.type_origin());
            diags.push(Diagnostic::new(
                Severity::Dropped,
                origin,
                format!("{agent}.channels.{}", c.name),
                format!(
                    "Channel {} has no components connected and has been removed.",
                    c.name
                ),
            ));
        }
        keep
    });
}
