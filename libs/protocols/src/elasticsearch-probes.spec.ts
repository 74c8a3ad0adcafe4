import {
  catHealth,
  clusterHealth,
  clusterInfo,
  licenseInfo,
  xpackInfo,
} from './elasticsearch-probes';

describe('Elasticsearch startup probes', () => {
  it('answers GET / with the configured version, default flavor and tagline', () => {
    expect(
      clusterInfo({
        name: 'lw-1',
        clusterName: 'logwarden',
        clusterUuid: 'uuid-1',
        version: '8.17.4',
      }),
    ).toEqual({
      name: 'lw-1',
      cluster_name: 'logwarden',
      cluster_uuid: 'uuid-1',
      version: {
        number: '8.17.4',
        build_flavor: 'default',
        build_type: 'docker',
        lucene_version: '9.12.0',
        minimum_wire_compatibility_version: '7.17.0',
        minimum_index_compatibility_version: '7.0.0',
      },
      tagline: 'You Know, for Search',
    });
  });

  it('answers GET /_license with an active basic licence that Beats accept', () => {
    const { license } = licenseInfo();
    expect(license).toMatchObject({ type: 'basic', status: 'active', issuer: 'elasticsearch' });
    expect(license.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(license.issue_date_in_millis).toBeLessThan(Date.now());
    expect(license.expiry_date_in_millis).toBeGreaterThan(Date.UTC(2100, 0, 1));
    expect(new Date(license.expiry_date).getTime()).toBe(license.expiry_date_in_millis);
    expect(new Date(license.issue_date).getTime()).toBe(license.issue_date_in_millis);
  });

  it('answers GET /_xpack with the same licence and its effective mode', () => {
    const info = xpackInfo();
    expect(info.license).toEqual({
      uid: licenseInfo().license.uid,
      type: 'basic',
      mode: 'basic',
      status: 'active',
      expiry_date_in_millis: licenseInfo().license.expiry_date_in_millis,
    });
    expect(info.features).toEqual({});
  });

  it('answers GET /_cluster/health green with one node', () => {
    expect(clusterHealth('prod')).toMatchObject({
      cluster_name: 'prod',
      status: 'green',
      timed_out: false,
      number_of_nodes: 1,
      number_of_data_nodes: 1,
      unassigned_shards: 0,
      active_shards_percent_as_number: 100,
    });
    expect(clusterHealth().cluster_name).toBe('logwarden');
  });

  it('answers GET /_cat/health with one line in Elasticsearch column order', () => {
    expect(catHealth('prod', new Date('2024-05-01T08:09:10.500Z'))).toBe(
      '1714550950 08:09:10 prod green 1 1 0 0 0 0 0 0 - 100.0%\n',
    );
  });
});
