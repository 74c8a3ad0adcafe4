/**
 * Answers to the requests Elasticsearch shippers and clients make before they
 * send data. Each is exactly what those clients check, and no more.
 */

export interface ClusterInfoOptions {
  /** Node name. */
  name: string;
  clusterName: string;
  /** Logstash keys its monitoring on it; keep it stable across restarts. */
  clusterUuid: string;
  /**
   * `version.number`, an 8.x release. Filebeat parses it on every connect and
   * may refuse a server older than itself, hence configurable.
   */
  version: string;
}

export interface ClusterInfo {
  name: string;
  cluster_name: string;
  cluster_uuid: string;
  version: {
    number: string;
    build_flavor: 'default';
    build_type: string;
    lucene_version: string;
    minimum_wire_compatibility_version: string;
    minimum_index_compatibility_version: string;
  };
  tagline: 'You Know, for Search';
}

/**
 * `GET /`. Logstash accepts 7.x servers only with `build_flavor: "default"` and
 * the tagline; `"serverless"` would switch Beats and Logstash to serverless mode.
 */
export function clusterInfo(options: ClusterInfoOptions): ClusterInfo {
  return {
    name: options.name,
    cluster_name: options.clusterName,
    cluster_uuid: options.clusterUuid,
    version: {
      number: options.version,
      build_flavor: 'default',
      build_type: 'docker',
      lucene_version: '9.12.0',
      minimum_wire_compatibility_version: '7.17.0',
      minimum_index_compatibility_version: '7.0.0',
    },
    tagline: 'You Know, for Search',
  };
}

const LICENSE_UID = '6b3c8f0e-2d51-4e7a-9c4b-1f0a5d9e7c21';
const ISSUE_DATE = Date.UTC(2024, 0, 1);
const EXPIRY_DATE = Date.UTC(2999, 11, 31, 23, 59, 59, 999);

export interface LicenseInfo {
  license: {
    status: 'active';
    uid: string;
    type: 'basic';
    issue_date: string;
    issue_date_in_millis: number;
    expiry_date: string;
    expiry_date_in_millis: number;
    max_nodes: number;
    issued_to: string;
    issuer: string;
    start_date_in_millis: number;
  };
}

/**
 * `GET /_license`. Beats refuse to connect unless the type is at least `basic`
 * and the status `active` (a 400/405 here means "OSS Elasticsearch" to them);
 * Logstash marks the node dead without `status`.
 */
export function licenseInfo(): LicenseInfo {
  return {
    license: {
      status: 'active',
      uid: LICENSE_UID,
      type: 'basic',
      issue_date: new Date(ISSUE_DATE).toISOString(),
      issue_date_in_millis: ISSUE_DATE,
      expiry_date: new Date(EXPIRY_DATE).toISOString(),
      expiry_date_in_millis: EXPIRY_DATE,
      max_nodes: 1000,
      issued_to: 'logwarden',
      issuer: 'elasticsearch',
      start_date_in_millis: -1,
    },
  };
}

export interface XpackInfo {
  build: { hash: string; date: string };
  license: {
    uid: string;
    type: 'basic';
    mode: 'basic';
    status: 'active';
    expiry_date_in_millis: number;
  };
  features: Record<string, never>;
}

/** `GET /_xpack`, where Beats 6/7 read the licence (`mode` is the effective one) and Logstash the features. */
export function xpackInfo(): XpackInfo {
  return {
    build: { hash: 'unknown', date: new Date(ISSUE_DATE).toISOString() },
    license: {
      uid: LICENSE_UID,
      type: 'basic',
      mode: 'basic',
      status: 'active',
      expiry_date_in_millis: EXPIRY_DATE,
    },
    features: {},
  };
}

export interface ClusterHealth {
  cluster_name: string;
  status: 'green';
  timed_out: boolean;
  number_of_nodes: number;
  number_of_data_nodes: number;
  active_primary_shards: number;
  active_shards: number;
  relocating_shards: number;
  initializing_shards: number;
  unassigned_shards: number;
  delayed_unassigned_shards: number;
  number_of_pending_tasks: number;
  number_of_in_flight_fetch: number;
  task_max_waiting_in_queue_millis: number;
  active_shards_percent_as_number: number;
}

/** `GET /_cluster/health`: Vector's healthcheck and winston-elasticsearch wait for it. */
export function clusterHealth(clusterName = 'logwarden'): ClusterHealth {
  return {
    cluster_name: clusterName,
    status: 'green',
    timed_out: false,
    number_of_nodes: 1,
    number_of_data_nodes: 1,
    active_primary_shards: 0,
    active_shards: 0,
    relocating_shards: 0,
    initializing_shards: 0,
    unassigned_shards: 0,
    delayed_unassigned_shards: 0,
    number_of_pending_tasks: 0,
    number_of_in_flight_fetch: 0,
    task_max_waiting_in_queue_millis: 0,
    active_shards_percent_as_number: 100,
  };
}

/**
 * `GET /_cat/health`, one text line in Elasticsearch's column order (epoch,
 * timestamp, cluster, status, node.total, node.data, shards, pri, relo, init,
 * unassign, pending_tasks, max_task_wait_time, active_shards_percent). rsyslog
 * only needs a 200, but people read it too.
 */
export function catHealth(clusterName = 'logwarden', now: Date = new Date()): string {
  const epoch = Math.floor(now.getTime() / 1000);
  const time = now.toISOString().slice(11, 19);
  return `${epoch} ${time} ${clusterName} green 1 1 0 0 0 0 0 0 - 100.0%\n`;
}
