//! Broker discovery from ZooKeeper, for configurations that only give `zookeeperConnect`
//! (written for Flume ≤ 1.6 and still accepted by 1.7–1.11): read every broker's registration
//! under `/brokers/ids/<id>` and build `bootstrap.servers` from the endpoints of the listener
//! named like the client's security protocol — Kafka's `ZkUtils.getAllBrokerEndPointsForChannel`.

use std::time::Duration;

use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum ZkError {
    #[error("cannot reach ZooKeeper at {connect}: {reason}")]
    Connect { connect: String, reason: String },
    #[error("ZooKeeper at {connect}: {reason}")]
    Read { connect: String, reason: String },
    #[error(
        "no broker registered in ZooKeeper at {connect} has a {protocol} endpoint (brokers seen: {seen})"
    )]
    NoBrokers {
        connect: String,
        protocol: String,
        seen: usize,
    },
}

/// A broker's registration (all versions Kafka wrote: v1–v5).
#[derive(Debug, Deserialize)]
struct Registration {
    host: Option<String>,
    port: Option<i64>,
    #[serde(default)]
    endpoints: Vec<String>,
    listener_security_protocol_map: Option<std::collections::BTreeMap<String, String>>,
}

/// The `host:port` a broker registration offers for `protocol` (e.g. `PLAINTEXT`).
pub fn endpoint_for(registration: &[u8], protocol: &str) -> Option<String> {
    let reg: Registration = serde_json::from_slice(registration).ok()?;
    // Kafka looks up the listener *named* after the protocol.
    for endpoint in &reg.endpoints {
        let Some((listener, address)) = endpoint.split_once("://") else {
            continue;
        };
        if listener.eq_ignore_ascii_case(protocol) {
            return Some(address.to_string());
        }
    }
    // v1 registrations have only host and port, which are PLAINTEXT.
    if reg.endpoints.is_empty()
        && reg.listener_security_protocol_map.is_none()
        && protocol.eq_ignore_ascii_case("PLAINTEXT")
        && let (Some(host), Some(port)) = (reg.host, reg.port)
    {
        return Some(format!("{host}:{port}"));
    }
    None
}

/// `bootstrap.servers` from the brokers registered in ZooKeeper, in broker id order.
pub async fn lookup_bootstrap(
    connect: &str,
    protocol: &str,
    timeout: Duration,
) -> Result<String, ZkError> {
    let connect_err = |reason: String| ZkError::Connect {
        connect: connect.to_string(),
        reason,
    };
    let read_err = |reason: String| ZkError::Read {
        connect: connect.to_string(),
        reason,
    };
    let client = tokio::time::timeout(
        timeout,
        zookeeper_client::Client::connector()
            .with_session_timeout(Duration::from_secs(30))
            .with_connection_timeout(timeout)
            .with_fail_eagerly()
            .connect(connect),
    )
    .await
    .map_err(|_| connect_err(format!("no answer within {}s", timeout.as_secs())))?
    .map_err(|e| connect_err(e.to_string()))?;
    let ids = tokio::time::timeout(timeout, client.list_children("/brokers/ids"))
        .await
        .map_err(|_| read_err("timed out listing /brokers/ids".into()))?
        .map_err(|e| read_err(format!("/brokers/ids: {e}")))?;
    let mut ids: Vec<(i64, String)> = ids
        .into_iter()
        .map(|id| (id.parse::<i64>().unwrap_or(i64::MAX), id))
        .collect();
    ids.sort();
    let mut servers = Vec::new();
    for (_, id) in &ids {
        let path = format!("/brokers/ids/{id}");
        let data = match tokio::time::timeout(timeout, client.get_data(&path)).await {
            Ok(Ok((data, _))) => data,
            // A broker that went away between the listing and the read.
            Ok(Err(zookeeper_client::Error::NoNode)) => continue,
            Ok(Err(e)) => return Err(read_err(format!("{path}: {e}"))),
            Err(_) => return Err(read_err(format!("timed out reading {path}"))),
        };
        match endpoint_for(&data, protocol) {
            Some(address) => servers.push(address),
            None => {
                tracing::warn!(broker = %id, %protocol, "broker registration has no endpoint for the security protocol; skipped")
            }
        }
    }
    if servers.is_empty() {
        return Err(ZkError::NoBrokers {
            connect: connect.to_string(),
            protocol: protocol.to_string(),
            seen: ids.len(),
        });
    }
    Ok(servers.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrations_of_every_version() {
        let v1 = br#"{"jmx_port":-1,"timestamp":"1","host":"b1","version":1,"port":9092}"#;
        assert_eq!(endpoint_for(v1, "PLAINTEXT").as_deref(), Some("b1:9092"));
        assert_eq!(endpoint_for(v1, "SSL"), None);
        let v4 = br#"{"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT","SSL":"SSL"},"endpoints":["PLAINTEXT://b2:9092","SSL://b2:9093"],"jmx_port":-1,"host":"b2","timestamp":"1","port":9092,"version":4}"#;
        assert_eq!(endpoint_for(v4, "PLAINTEXT").as_deref(), Some("b2:9092"));
        assert_eq!(endpoint_for(v4, "SSL").as_deref(), Some("b2:9093"));
        assert_eq!(endpoint_for(v4, "SASL_SSL"), None);
        assert_eq!(endpoint_for(b"not json", "PLAINTEXT"), None);
    }
}
